"""The canonical order and its lifecycle."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shipshape.domain.errors import IllegalTransition


class OrderStatus(StrEnum):
    RECEIVED = "received"
    HELD = "held"
    ACCEPTED = "accepted"
    RELEASED = "released"
    PICKED = "picked"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = OrderStatus
ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.ACCEPTED, S.HELD, S.CANCELLED}),
    S.HELD: frozenset({S.ACCEPTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.HELD, S.RELEASED, S.CANCELLED}),
    S.RELEASED: frozenset({S.PICKED, S.HELD, S.CANCELLED}),
    S.PICKED: frozenset({S.SHIPPED, S.HELD, S.CANCELLED}),
    S.SHIPPED: frozenset({S.INVOICED}),
    S.INVOICED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATUSES = frozenset({S.ACCEPTED, S.RELEASED, S.PICKED})
"""Statuses whose value counts towards a customer's credit exposure."""


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """The one place where a lifecycle move is allowed or refused."""
    if target not in ALLOWED_TRANSITIONS[current]:
        raise IllegalTransition(f"an order cannot move from {current} to {target}")


class Channel(StrEnum):
    WEB = "web"
    EDI = "edi"
    FIELD_SALES = "field_sales"
    API = "api"


@dataclass(frozen=True, slots=True)
class ShipTo:
    name: str | None = None
    line1: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


def ship_to_dict(ship_to: ShipTo) -> dict[str, str | None]:
    return {"name": ship_to.name, "line1": ship_to.line1, "city": ship_to.city,
            "region": ship_to.region, "postal_code": ship_to.postal_code,
            "country": ship_to.country}


ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_no: int
    sku: str
    quantity: int | None
    unit_price: Decimal | None = None
    uom: str | None = None

    @property
    def value(self) -> Decimal:
        return (self.unit_price or ZERO) * (self.quantity or 0)


@dataclass(slots=True)
class _Derived:
    """What is computed from a draft, kept on first use: a draft never changes, nor do these."""

    value: Decimal | None = None
    line_signature: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """An order as a channel delivered it, before Shipshape has decided anything."""

    channel: str
    external_id: str
    customer_id: str
    customer_po: str | None
    requested_ship_date: date | None
    ship_to: ShipTo
    lines: tuple[OrderLine, ...]
    carrier_service: str | None = None
    release_number: str | None = None
    """A release against a blanket order (X12 BEG04): with the customer and the PO, the
    order's identity, so each release is an order of its own."""
    _derived: _Derived = field(default_factory=_Derived, init=False, repr=False, compare=False)

    @property
    def value(self) -> Decimal:
        derived = self._derived
        if derived.value is None:
            derived.value = sum((line.value for line in self.lines), ZERO)
        return derived.value

    def line_signature(self) -> str:
        """Same items in the same quantities, whatever the PO or line numbers."""
        derived = self._derived
        if derived.line_signature is None:
            pairs = sorted((line.sku, line.quantity or 0) for line in self.lines)
            derived.line_signature = hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:32]
        return derived.line_signature

    def content_hash(self) -> str:
        """Identifies the exact content, so a replay can be told from a changed order."""
        derived = self._derived
        if derived.content_hash is None:
            lines = [[ln.line_no, ln.sku, ln.quantity, str(ln.unit_price), ln.uom]
                     for ln in self.lines]
            content = [self.channel, self.external_id, self.customer_id, self.customer_po,
                       str(self.requested_ship_date), ship_to_dict(self.ship_to),
                       self.carrier_service, lines]
            if self.release_number is not None:
                content.append(self.release_number)
            derived.content_hash = hashlib.sha256(json.dumps(content).encode()).hexdigest()
        return derived.content_hash


@dataclass(slots=True)
class Order:
    id: str
    draft: OrderDraft
    status: OrderStatus = OrderStatus.RECEIVED
    rule_version: str = ""
    history: list[tuple[OrderStatus, OrderStatus]] = field(default_factory=list)
    promised_date: date | None = None
    """The delivery date promised when it was accepted (`domain.promise`)."""
    transit_days: int | None = None
    """The transit days its promise counts on."""

    def move_to(self, target: OrderStatus) -> None:
        check_transition(self.status, target)
        self.history.append((self.status, target))
        self.status = target
