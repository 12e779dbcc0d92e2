"""Waves: which reserved orders a site releases to its warehouse, in what order, and the
synchronous pre-wave check that re-validates each of them from fresh data just before release.

**Order of a wave.** Customer priority first (strategic, standard, low), then the requested ship
date (earliest first, orders without one last), then the time the order was created, then its
id (so that the order is total and two runs agree).

**The pre-wave check** re-runs, per order, the control points whose answer can have changed
since acceptance: `customer_standing` (customer still known and active), `credit` (credit hold,
and exposure against the limit, lines without a unit price valued at the contract price),
`missing_price` (a line with neither price nor contract price), `items` (still known, active,
valid GTIN) and `carrier_service` (still offered, and still fit for the order), plus the
reservation check of this module: each of
the order's reservations at the wave's site must still be covered by on-hand stock. The control
points are those of `domain/controls.py`, run on an `OrderContext` built from the fresh data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shipshape.domain.controls import (
    Control,
    OrderContext,
    PastShipDate,
    carrier_service,
    credit,
    customer_standing,
    items,
    missing_price,
    ship_date_in_past,
)
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.inventory import Reservation
from shipshape.domain.masterdata import PRIORITY_RANK, Carrier, ContractPrice, Customer, Item
from shipshape.domain.orders import OrderDraft, OrderStatus, check_transition

ZERO = Decimal("0")
UNKNOWN_CUSTOMER_RANK = len(PRIORITY_RANK)
"""Orders of a customer missing from master data come after every known priority."""

PREWAVE_CONTROLS: tuple[Control, ...] = (ship_date_in_past, customer_standing, credit,
                                         missing_price, items, carrier_service)
"""The control points of acceptance that the pre-wave check runs again."""

STALE_RESERVATION = "STALE_RESERVATION"

DUE_STATUSES = frozenset({OrderStatus.ACCEPTED, OrderStatus.RELEASED})
"""An accepted order is due at each site where it holds a reservation; a released order (one
split across sites) is due at the sites whose part has not been released yet."""

STOCK_HOLDING_STATUSES = frozenset({OrderStatus.ACCEPTED, OrderStatus.RELEASED,
                                    OrderStatus.PICKED, OrderStatus.HELD})
"""Orders whose reservations still hold stock in the building: accepted, released, picked (the
stock leaves when it ships) and held (a hold pauses an order; it keeps its stock until it is
cancelled)."""


@dataclass(frozen=True, slots=True)
class WaveCandidate:
    """An order due at the wave's site, as stored now; `reservations` are those at the site."""

    order_id: str
    status: OrderStatus
    draft: OrderDraft
    created_at: datetime
    reservations: tuple[Reservation, ...]


def wave_rank(candidate: WaveCandidate, customers: Mapping[str, Customer]
              ) -> tuple[int, int, date, datetime, str]:
    """The sort key of a candidate in its wave (see the module's docstring)."""
    customer = customers.get(candidate.draft.customer_id)
    rank = customer.priority_rank if customer else UNKNOWN_CUSTOMER_RANK
    ship = candidate.draft.requested_ship_date
    return (rank, ship is None, ship or date.max, candidate.created_at, candidate.order_id)


def wave_order(candidates: Iterable[WaveCandidate], customers: Mapping[str, Customer]
               ) -> list[WaveCandidate]:
    return sorted(candidates, key=lambda c: wave_rank(c, customers))


@dataclass(frozen=True, slots=True)
class PrewaveFacts:
    """The fresh data the check reads, loaded once for the whole wave.

    `on_hand` and `reserved` are per (site, sku): the stock on the shelf, and the total of the
    reservations that orders still holding stock (`STOCK_HOLDING_STATUSES`) have there.

    `exposure` is the customer's current open exposure as stored (`credit_exposure`): the value
    of every order accepted so far, added at acceptance. Nothing lowers it yet (no order is
    shipped, invoiced, paid or cancelled today), so it counts the accepted orders of this wave,
    the orders already released or picked, and orders held after acceptance (a hold pauses an
    order, it keeps its stock and its credit). Every candidate is therefore inside it, and the
    re-check compares `exposure - own value` plus the order's value with the limit: the same
    test as at acceptance, against what the customer owes now (a lowered limit, or a hold, shows
    up here).

    `prices` are the contract prices (customer -> SKU -> price) of the candidates' lines stored
    without a unit price: the re-check values those at the contract price, as intake does.
    """

    today: date
    site: str
    customers: Mapping[str, Customer]
    items: Mapping[str, Item]
    carriers: Mapping[str, Carrier]
    on_hand: Mapping[tuple[str, str], int]
    reserved: Mapping[tuple[str, str], int]
    exposure: Mapping[str, Decimal] = field(default_factory=dict)
    prices: Mapping[str, Mapping[str, ContractPrice]] = field(default_factory=dict)
    past_ship_date: PastShipDate = PastShipDate.WARN


def prewave_findings(candidate: WaveCandidate, facts: PrewaveFacts) -> list[Finding]:
    """What the check finds on this order now: blocking findings stop its release, warnings
    go with it."""
    found = stale_reservations(candidate.reservations, facts)
    ctx = _context(candidate, facts)
    for control in PREWAVE_CONTROLS:
        found.extend(control(ctx))
    return found


def prewave_check(candidates: Sequence[WaveCandidate], facts: PrewaveFacts
                  ) -> dict[str, list[Finding]]:
    """Findings per order id; an order with no blocking finding may be released."""
    return {c.order_id: prewave_findings(c, facts) for c in candidates}


def _context(candidate: WaveCandidate, facts: PrewaveFacts) -> OrderContext:
    draft = candidate.draft
    customer = facts.customers.get(draft.customer_id)
    own_value = draft.value
    others = max(facts.exposure.get(draft.customer_id, own_value) - own_value, ZERO)
    return OrderContext(draft=draft, today=facts.today, customer=customer, items=facts.items,
                        prices=facts.prices.get(draft.customer_id, {}), carriers=facts.carriers,
                        open_exposure=others, past_ship_date=facts.past_ship_date)


def stale_reservations(reservations: Iterable[Reservation], facts: PrewaveFacts
                       ) -> list[Finding]:
    """`STALE_RESERVATION` for each reservation whose site and SKU have less on hand than the
    orders holding stock there have reserved: the ledger promises stock the shelf lacks."""
    found = []
    for r in reservations:
        key = (r.site, r.sku)
        on_hand, reserved = facts.on_hand.get(key, 0), facts.reserved.get(key, r.quantity)
        if on_hand < reserved:
            found.append(block(
                STALE_RESERVATION, Kind.OPERATIONAL, Team.WAREHOUSE,
                f"line {r.line_no}: {r.sku} at {r.site} has {on_hand} on hand against "
                f"{reserved} reserved; the reservation of {r.quantity} is not covered",
                line_nos=[r.line_no], sku=r.sku, site=r.site, on_hand=on_hand,
                reserved=reserved, quantity=r.quantity))
    return found


def status_after(current: OrderStatus, released: bool) -> OrderStatus:
    """The status an order moves to when the check passes (released) or fails (held);
    the lifecycle table decides whether the move is allowed."""
    target = OrderStatus.RELEASED if released else OrderStatus.HELD
    if current != target:
        check_transition(current, target)
    return target


@dataclass(frozen=True, slots=True)
class WaveOutcome:
    """What the check decided for one order."""

    candidate: WaveCandidate
    findings: tuple[Finding, ...]
    """Blocking findings: the order is pulled from the wave and held."""
    warnings: tuple[Finding, ...] = ()
    """Findings the order is released with."""

    @property
    def released(self) -> bool:
        return not self.findings

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.findings})


def decide_wave(candidates: Sequence[WaveCandidate], facts: PrewaveFacts) -> list[WaveOutcome]:
    """The candidates in wave order, each with its findings."""
    ordered = wave_order(candidates, facts.customers)
    return [_outcome(c, prewave_findings(c, facts)) for c in ordered]


def _outcome(candidate: WaveCandidate, found: Sequence[Finding]) -> WaveOutcome:
    return WaveOutcome(candidate, tuple(f for f in found if f.blocks),
                       tuple(f for f in found if not f.blocks))


CREDIT_HOLD_AFTER_RELEASE = "CREDIT_HOLD_AFTER_RELEASE"
AFTER_RELEASE_STATUSES = frozenset({OrderStatus.RELEASED, OrderStatus.PICKED})
"""Orders the warehouse already works on: a credit hold now must stop their tasks."""


def credit_hold_after_release(customer_id: str, order_id: str, status: OrderStatus,
                              sites: Sequence[str]) -> Finding:
    """The customer was put on credit hold while this order was with the warehouse."""
    return block(CREDIT_HOLD_AFTER_RELEASE, Kind.BUSINESS, Team.CREDIT,
                 f"customer {customer_id} was put on credit hold after order {order_id} was "
                 f"released (now {status.value}); the warehouse is asked to stop its tasks at "
                 + (", ".join(sites) or "its sites"),
                 order_status=status.value, sites=list(sites))
