"""Delivery facts from the TMS: what happened to a shipment after it left the dock, and the facts
of a perfect order.

Contract (sent by the TMS, which owns the delivery state; each names the shipment):

    shipment_in_transit        {"shipment_id": "SHP-DAL-1"}
    shipment_out_for_delivery  {"shipment_id": "SHP-DAL-1"}
    shipment_delivered         {"shipment_id", "delivered_at", "pod_reference", "signee"}
    delivery_failed            {"shipment_id", "reason"}
    delivery_discrepancy       {"shipment_id", "lines": [{"line_no", "damaged", "short"}]}

A shipment's delivery state moves forward only (`next_state`): shipped -> in transit -> out for
delivery -> delivered; a failed delivery may be tried again (in transit, out for delivery,
delivered after it). Delivered is final: a later milestone is recorded and changes nothing.
Damaged or short quantities are reported for a delivered shipment, no more per line than it
shipped.

Perfect order (`perfect_order`): every shipment of the order delivered, the last by the
promised date (`promised_by`), every ordered unit shipped and none short on delivery, nothing
damaged, and no credit note against the order's invoices (a correction, or a credit for what was
delivered damaged, short or not at all); a credit for goods the customer sent back is no
invoicing error and does not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from shipshape.domain.errors import InvalidInput
from shipshape.domain.event_data import is_whole, text
from shipshape.domain.findings import Finding, Kind, Team, block, warn
from shipshape.domain.picking import OrderToPick

IN_TRANSIT_EVENT = "shipment_in_transit"
OUT_FOR_DELIVERY_EVENT = "shipment_out_for_delivery"
DELIVERED_EVENT = "shipment_delivered"
FAILED_EVENT = "delivery_failed"
DISCREPANCY_EVENT = "delivery_discrepancy"
EVENTS = (IN_TRANSIT_EVENT, OUT_FOR_DELIVERY_EVENT, DELIVERED_EVENT, FAILED_EVENT,
          DISCREPANCY_EVENT)

DELIVERY_FAILED = "DELIVERY_FAILED"
DELIVERED_LATE = "DELIVERED_LATE"
DAMAGED_ON_DELIVERY = "DAMAGED_ON_DELIVERY"
SHORT_ON_DELIVERY = "SHORT_ON_DELIVERY"
SHIPMENT_UNTRACKED = "SHIPMENT_UNTRACKED"
CODES = (DELIVERY_FAILED, DELIVERED_LATE, DAMAGED_ON_DELIVERY, SHORT_ON_DELIVERY,
         SHIPMENT_UNTRACKED)
MAX_ID = 60


class DeliveryState(StrEnum):
    SHIPPED = "shipped"
    """Left the dock; the TMS has said nothing yet."""
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED = "failed"


TRACKED = frozenset({DeliveryState.IN_TRANSIT, DeliveryState.OUT_FOR_DELIVERY,
                     DeliveryState.DELIVERED, DeliveryState.FAILED})
"""States the TMS has reported: a shipment still `shipped` past its age is untracked."""

MILESTONE_OF: Mapping[str, DeliveryState] = {
    IN_TRANSIT_EVENT: DeliveryState.IN_TRANSIT,
    OUT_FOR_DELIVERY_EVENT: DeliveryState.OUT_FOR_DELIVERY,
    DELIVERED_EVENT: DeliveryState.DELIVERED,
    FAILED_EVENT: DeliveryState.FAILED,
}
_RANK = {DeliveryState.SHIPPED: 0, DeliveryState.IN_TRANSIT: 1,
         DeliveryState.OUT_FOR_DELIVERY: 2}


def next_state(current: DeliveryState, reported: DeliveryState) -> DeliveryState | None:
    """The state after the TMS reported `reported`; None when it changes nothing (delivered is
    final; a milestone behind the current one is stale; a failure is reported once)."""
    if current is DeliveryState.DELIVERED:
        return None
    if reported in (DeliveryState.DELIVERED, DeliveryState.FAILED):
        return None if reported is current else reported
    if current is DeliveryState.FAILED:
        return reported
    return reported if _RANK[reported] > _RANK[current] else None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A shipment's delivery as stored: its state and what the TMS said of it last."""

    shipment_id: str
    order_id: str
    state: DeliveryState
    delivered_at: datetime | None = None
    pod_reference: str | None = None
    signee: str | None = None
    failure_reason: str | None = None
    attempts: int = 0
    """Failed delivery attempts so far."""


@dataclass(frozen=True, slots=True)
class Delivered:
    shipment_id: str
    delivered_at: datetime
    pod_reference: str | None
    signee: str | None


@dataclass(frozen=True, slots=True)
class DiscrepantLine:
    line_no: int
    damaged: int
    short: int


def shipment_id_of(event: str, data: Mapping[str, object]) -> str:
    return text(event, data.get("shipment_id"), "shipment_id", MAX_ID)


def parse_delivered(data: Mapping[str, object], occurred_at: datetime) -> Delivered:
    """`delivered_at` defaults to when the event occurred."""
    raw = data.get("delivered_at")
    delivered_at = occurred_at
    if raw is not None:
        try:
            delivered_at = datetime.fromisoformat(str(raw))
        except ValueError:
            delivered_at = None  # type: ignore[assignment]
        if delivered_at is None or delivered_at.tzinfo is None:
            raise InvalidInput(f"{DELIVERED_EVENT}: delivered_at must be an ISO 8601 time "
                               "with its UTC offset")
    return Delivered(shipment_id_of(DELIVERED_EVENT, data), delivered_at,
                     _optional(data.get("pod_reference"), "pod_reference"),
                     _optional(data.get("signee"), "signee"))


def _optional(value: object, name: str) -> str | None:
    return None if value is None else text(DELIVERED_EVENT, value, name, 200)


def parse_discrepancy(data: Mapping[str, object],
                      shipped: Mapping[int, int]) -> tuple[DiscrepantLine, ...]:
    """The damaged and short quantities per line, checked against what the shipment shipped of
    each line (`shipped`: line -> units)."""
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise InvalidInput(f"{DISCREPANCY_EVENT}: lines must be a non-empty list")
    found: dict[int, DiscrepantLine] = {}
    for index, raw in enumerate(lines):
        where = f"{DISCREPANCY_EVENT}: lines[{index}]"
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"{where} must be an object")
        line_no, damaged, short = raw.get("line_no"), raw.get("damaged", 0), raw.get("short", 0)
        if not is_whole(line_no) or line_no not in shipped:
            raise InvalidInput(f"{where}.line_no must be a line the shipment shipped "
                               f"({', '.join(map(str, sorted(shipped))) or 'none'})")
        if line_no in found:
            raise InvalidInput(f"{where}.line_no {line_no} is named twice")
        if not is_whole(damaged) or not is_whole(short) or damaged < 0 or short < 0:
            raise InvalidInput(f"{where}: damaged and short must be whole numbers >= 0")
        if damaged + short > shipped[line_no]:
            raise InvalidInput(f"{where}: {damaged} damaged and {short} short is more than the "
                               f"{shipped[line_no]} shipped")
        found[line_no] = DiscrepantLine(line_no, damaged, short)
    return tuple(found[n] for n in sorted(found))


def promised_by(order: OrderToPick, first_ship_date: date, promised: date | None = None,
                transit_days: int | None = None) -> date:
    """The date the order was promised to arrive by: the promise made when it was accepted
    (`promised`, `domain/promise.py`); for an order accepted before promises, its requested
    ship date (else the day it first shipped) plus `transit_days`. The one place the on-time
    comparison's date is decided."""
    if promised is not None:
        return promised
    start = order.requested_ship_date or first_ship_date
    return start + timedelta(days=transit_days or 0)


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """One shipment of the order as far as the perfect order is concerned."""

    shipment_id: str
    state: DeliveryState
    delivered_at: datetime | None
    shipped: Mapping[int, int]
    damaged: int
    short: int


@dataclass(frozen=True, slots=True)
class PerfectOrder:
    order_id: str
    promised_by: date
    delivered: bool
    delivered_at: datetime | None
    on_time: bool | None
    in_full: bool
    damage_free: bool
    invoiced_accurately: bool

    @property
    def perfect(self) -> bool:
        return bool(self.delivered and self.on_time and self.in_full and self.damage_free
                    and self.invoiced_accurately)

    def as_json(self) -> dict[str, object]:
        return {"order_id": self.order_id, "promised_by": self.promised_by.isoformat(),
                "delivered": self.delivered,
                "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
                "on_time": self.on_time, "in_full": self.in_full,
                "damage_free": self.damage_free,
                "invoiced_accurately": self.invoiced_accurately, "perfect": self.perfect}


def perfect_order(order_id: str, ordered: Mapping[int, int], promised: date,
                  shipments: Iterable[ShipmentFacts], credited: bool) -> PerfectOrder:
    """The perfect-order facts of an order: on time is known once every shipment is delivered
    (the last delivery against `promised`); in full when every ordered unit shipped and none
    was short on delivery."""
    found = list(shipments)
    delivered = bool(found) and all(s.state is DeliveryState.DELIVERED for s in found)
    last = max((s.delivered_at for s in found if s.delivered_at is not None), default=None)
    shipped: dict[int, int] = {}
    for s in found:
        for line_no, units in s.shipped.items():
            shipped[line_no] = shipped.get(line_no, 0) + units
    in_full = (all(shipped.get(n, 0) >= q for n, q in ordered.items())
               and not any(s.short for s in found))
    return PerfectOrder(order_id, promised, delivered, last if delivered else None,
                        (last.date() <= promised) if delivered and last else None, in_full,
                        not any(s.damaged for s in found), not credited)


def delivery_failed(shipment_id: str, reason: str) -> Finding:
    return block(DELIVERY_FAILED, Kind.OPERATIONAL, Team.TRANSPORT,
                 f"delivery of shipment {shipment_id} failed: {reason}",
                 shipment_id=shipment_id, reason=reason)


def delivered_late(shipment_id: str, delivered_at: datetime, promised: date) -> Finding | None:
    if delivered_at.date() <= promised:
        return None
    return warn(DELIVERED_LATE, Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                f"shipment {shipment_id} was delivered on {delivered_at.date().isoformat()}, "
                f"after the promised {promised.isoformat()}",
                shipment_id=shipment_id, delivered_at=delivered_at.isoformat(),
                promised_by=promised.isoformat())


def discrepancy_findings(shipment_id: str, lines: Iterable[DiscrepantLine]) -> list[Finding]:
    """`DAMAGED_ON_DELIVERY` and `SHORT_ON_DELIVERY`, each naming its lines and quantities."""
    found = list(lines)
    findings: list[Finding] = []
    for code, field in ((DAMAGED_ON_DELIVERY, "damaged"), (SHORT_ON_DELIVERY, "short")):
        hit = {ln.line_no: getattr(ln, field) for ln in found if getattr(ln, field)}
        if hit:
            listed = ", ".join(f"line {n}: {q}" for n, q in hit.items())
            findings.append(block(code, Kind.OPERATIONAL, Team.CUSTOMER_SERVICE,
                                  f"shipment {shipment_id} arrived {field} ({listed})",
                                  shipment_id=shipment_id,
                                  lines=[{"line_no": n, "quantity": q} for n, q in hit.items()]))
    return findings

