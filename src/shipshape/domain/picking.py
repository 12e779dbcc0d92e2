"""Pick confirmations from the WMS: what was picked against what was reserved, the lots captured
against the customer's shelf-life requirement, and where a short pick's remainder may come from.

Contract (`pick_confirmed`, sent by the WMS, which owns picked quantities):

    {"order_id": "ord-1", "site": "DAL",
     "lines": [{"line_no": 1, "quantity": 7, "lot": "L1", "expiry": "2027-03-01"},
               {"line_no": 1, "quantity": 2, "lot": "L2", "expiry": "2027-04-01"},
               {"line_no": 2, "quantity": 0}]}

An entry is one lot of one line (`lot` and `expiry` may be left out for items without lots);
a line picked from several lots has several entries, and their quantities add up. A
confirmation is **final for each line it names, at its site**: the line's total is what that
site picked of it, anything less is short (quantity 0: nothing found), and the same line may
not be confirmed at that site again. Lines it does not name stay open. More than was reserved
for the line at the site is refused (an over-pick would take stock nobody reserved).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shipshape.domain.errors import InvalidInput
from shipshape.domain.event_data import is_whole, optional_date, text
from shipshape.domain.findings import Finding, Kind, Team, block, warn
from shipshape.domain.inventory import Reservation, StockPosition
from shipshape.domain.orders import OrderLine, OrderStatus, ShipTo

EVENT = "pick_confirmed"

PICKABLE = frozenset({OrderStatus.RELEASED, OrderStatus.PICKED})
MAX_TEXT = 60
"""Sites and lots are stored in columns of 60 characters."""

LineSite = tuple[int, str]


@dataclass(frozen=True, slots=True)
class PickedLot:
    """One entry of a confirmation: `quantity` of line `line_no`, from `lot` if it has one."""

    line_no: int
    quantity: int
    lot: str | None = None
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class PickConfirmation:
    order_id: str
    site: str
    entries: tuple[PickedLot, ...]

    def picked_by_line(self) -> dict[int, int]:
        totals: dict[int, int] = {}
        for entry in self.entries:
            totals[entry.line_no] = totals.get(entry.line_no, 0) + entry.quantity
        return totals


@dataclass(frozen=True, slots=True)
class OrderToPick:
    """What picking needs of an order."""

    id: str
    status: OrderStatus
    customer_id: str
    requested_ship_date: date | None
    ship_to_country: str | None
    value: Decimal
    lines: tuple[OrderLine, ...]
    carrier_service: str | None = None
    """The customer's preferred carrier service (`CARRIER:SERVICE`), if any."""
    customer_po: str | None = None
    ship_to: ShipTo | None = None

    def line(self, line_no: int) -> OrderLine | None:
        return next((line for line in self.lines if line.line_no == line_no), None)


@dataclass(frozen=True, slots=True)
class Pick:
    """A stored pick: one lot of one line at one site (quantity 0: the line was not found)."""

    line_no: int
    site: str
    sku: str
    quantity: int
    lot: str | None = None
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class LineShortfall:
    line_no: int
    sku: str
    reserved: int
    picked: int

    @property
    def short(self) -> int:
        return self.reserved - self.picked


@dataclass(frozen=True, slots=True)
class Backorder:
    line_no: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ResourcePlan:
    """Where the shortfalls are reserved again, and what is left without stock."""

    reservations: tuple[Reservation, ...] = ()
    backorders: tuple[Backorder, ...] = ()


@dataclass(frozen=True, slots=True)
class NonCompliantLot:
    line_no: int
    sku: str
    lot: str | None
    expiry: date
    quantity: int


def parse_confirmation(data: Mapping[str, object]) -> PickConfirmation:
    """The event's data as a confirmation; `InvalidInput` naming the first field that is wrong."""
    order_id = text(EVENT, data.get("order_id"), "order_id", 40)
    site = text(EVENT, data.get("site"), "site", MAX_TEXT)
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise InvalidInput("pick_confirmed: lines must be a non-empty list")
    return PickConfirmation(order_id, site, tuple(_entry(raw, i) for i, raw in enumerate(lines)))


def _entry(raw: object, index: int) -> PickedLot:
    where = f"lines[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"pick_confirmed: {where} must be an object")
    line_no, quantity = raw.get("line_no"), raw.get("quantity")
    if not is_whole(line_no) or line_no < 1:
        raise InvalidInput(f"pick_confirmed: {where}.line_no must be a whole number >= 1")
    if not is_whole(quantity) or quantity < 0:
        raise InvalidInput(f"pick_confirmed: {where}.quantity must be a whole number >= 0")
    lot = raw.get("lot")
    lot_text = None if lot is None else text(EVENT, lot, f"{where}.lot", MAX_TEXT)
    expiry = optional_date(EVENT, raw.get("expiry"), f"{where}.expiry")
    return PickedLot(line_no, quantity, lot_text, expiry)


def reserved_by_line_site(reservations: Iterable[Reservation]) -> dict[LineSite, int]:
    totals: dict[LineSite, int] = {}
    for r in reservations:
        totals[(r.line_no, r.site)] = totals.get((r.line_no, r.site), 0) + r.quantity
    return totals


def check_confirmation(order: OrderToPick, confirmation: PickConfirmation,
                       reserved: Mapping[LineSite, int], confirmed: Collection[LineSite]) -> None:
    """Refuse (`InvalidInput`, every problem named) a confirmation that does not fit the order."""
    if order.status not in PICKABLE:
        raise InvalidInput(f"order {order.id} is {order.status.value}; picks are confirmed for "
                           "released orders only")
    site = confirmation.site
    if not any(s == site for _, s in reserved):
        raise InvalidInput(f"order {order.id} has nothing reserved at site {site}")
    problems = [p for line_no, picked in confirmation.picked_by_line().items()
                if (p := _line_problem(order, site, line_no, picked, reserved, confirmed))]
    if problems:
        raise InvalidInput(f"pick_confirmed for order {order.id}: " + "; ".join(problems))


def _line_problem(order: OrderToPick, site: str, line_no: int, picked: int,
                  reserved: Mapping[LineSite, int], confirmed: Collection[LineSite]) -> str:
    if order.line(line_no) is None:
        return f"the order has no line {line_no}"
    if (line_no, site) in confirmed:
        return f"line {line_no} was confirmed at {site} already (a confirmation is final)"
    held = reserved.get((line_no, site), 0)
    if held <= 0:
        return f"line {line_no} is not reserved at {site}"
    if picked > held:
        return (f"line {line_no}: {picked} picked at {site} but {held} reserved there; "
                "over-picks are refused")
    return ""


def picks_of(order: OrderToPick, confirmation: PickConfirmation) -> tuple[Pick, ...]:
    """The rows to store: one per entry (a checked confirmation names only lines of the order)."""
    skus = {line.line_no: line.sku for line in order.lines}
    return tuple(Pick(e.line_no, confirmation.site, skus[e.line_no], e.quantity, e.lot, e.expiry)
                 for e in confirmation.entries)


def shortfalls(order: OrderToPick, confirmation: PickConfirmation,
               reserved: Mapping[LineSite, int]) -> tuple[LineShortfall, ...]:
    """The confirmed lines that got less than was reserved for them at the site."""
    found = []
    for line_no, picked in sorted(confirmation.picked_by_line().items()):
        held = reserved.get((line_no, confirmation.site), 0)
        line = order.line(line_no)
        if line is not None and picked < held:
            found.append(LineShortfall(line_no, line.sku, held, picked))
    return tuple(found)


def plan_resourcing(shorts: Sequence[LineShortfall], positions: Sequence[StockPosition],
                    ranked_sites: Sequence[str], allow_split: bool, picking_site: str,
                    confirmed: Collection[LineSite]) -> ResourcePlan:
    """Reserve each shortfall at the best other sites that have it available (in the order of
    `ranked_sites`), as much as they have; the rest is backordered. Without the customer's
    permission to split, nothing is re-sourced. A site that has confirmed the line already
    (final) is not asked again."""
    available = {(p.site, p.sku): p.available for p in positions}
    reservations: list[Reservation] = []
    backorders: list[Backorder] = []
    for short in shorts:
        remaining = short.short
        sites = [s for s in ranked_sites
                 if s != picking_site and (short.line_no, s) not in confirmed]
        for site in sites if allow_split else ():
            got = min(remaining, max(available.get((site, short.sku), 0), 0))
            if got:
                available[(site, short.sku)] -= got
                reservations.append(Reservation(short.line_no, site, short.sku, got))
                remaining -= got
        if remaining:
            backorders.append(Backorder(short.line_no, short.sku, remaining))
    return ResourcePlan(tuple(reservations), tuple(backorders))


def noncompliant_lots(order: OrderToPick, confirmation: PickConfirmation,
                      needed_until: date | None) -> tuple[NonCompliantLot, ...]:
    """Captured lots that expire before `needed_until` (the requested ship date plus the
    customer's minimum remaining shelf life; None: the customer has no such requirement)."""
    if needed_until is None:
        return ()
    skus = {line.line_no: line.sku for line in order.lines}
    return tuple(NonCompliantLot(e.line_no, skus.get(e.line_no, ""), e.lot, e.expiry, e.quantity)
                 for e in confirmation.entries
                 if e.expiry is not None and e.quantity > 0 and e.expiry < needed_until)


def picked_in_full(order: OrderToPick, picks: Iterable[Pick]) -> bool:
    """Every line has been picked in its ordered quantity, summed over the sites that picked it.
    A remainder re-sourced to another site keeps this False until that site confirms too."""
    picked: dict[int, int] = {}
    for pick in picks:
        picked[pick.line_no] = picked.get(pick.line_no, 0) + pick.quantity
    return all(picked.get(line.line_no, 0) >= (line.quantity or 0) for line in order.lines)


def short_pick_finding(site: str, shorts: Sequence[LineShortfall],
                       plan: ResourcePlan) -> Finding:
    """`SHORT_PICK` (operational, warehouse). It blocks when some of the shortfall is
    backordered: the order cannot ship complete. A shortfall re-sourced in full is a warning:
    the order still ships complete (from more sites), and the warehouse has a location to count.
    """
    details = [_short_details(short, plan) for short in shorts]
    parts = [_short_text(d) for d in details]
    make = block if plan.backorders else warn
    return make("SHORT_PICK", Kind.OPERATIONAL, Team.WAREHOUSE,
                f"{site} picked short: " + "; ".join(parts),
                line_nos=[s.line_no for s in shorts], site=site, lines=details)


def _short_details(short: LineShortfall, plan: ResourcePlan) -> dict[str, object]:
    resourced = [{"site": r.site, "quantity": r.quantity}
                 for r in plan.reservations if r.line_no == short.line_no]
    backordered = sum(b.quantity for b in plan.backorders if b.line_no == short.line_no)
    return {"line_no": short.line_no, "sku": short.sku, "reserved": short.reserved,
            "picked": short.picked, "short": short.short, "resourced": resourced,
            "backordered": backordered}


def _short_text(d: Mapping[str, object]) -> str:
    text = f"line {d['line_no']} ({d['sku']}) {d['picked']} of {d['reserved']}"
    moved = d["resourced"]
    if isinstance(moved, list) and moved:
        text += ", re-sourced " + ", ".join(f"{m['quantity']} to {m['site']}" for m in moved)
    if d["backordered"]:
        text += f", {d['backordered']} backordered"
    return text


def lot_finding(site: str, lots: Sequence[NonCompliantLot], needed_until: date,
                min_days: int) -> Finding:
    """`LOT_NONCOMPLIANT` (business, warehouse, blocking): the picked lot would reach the
    customer with less shelf life than the customer requires."""
    parts = [f"line {lot.line_no}: lot {lot.lot or '(none)'} of {lot.sku} expires "
             f"{lot.expiry.isoformat()}" for lot in lots]
    return block("LOT_NONCOMPLIANT", Kind.BUSINESS, Team.WAREHOUSE,
                 f"{site} picked lots that do not keep {min_days} days of shelf life "
                 f"(until {needed_until.isoformat()}): " + "; ".join(parts),
                 line_nos=sorted({lot.line_no for lot in lots}), site=site,
                 needed_until=needed_until.isoformat(), min_remaining_shelf_life_days=min_days,
                 lots=[{"line_no": lot.line_no, "sku": lot.sku, "lot": lot.lot,
                        "expiry": lot.expiry.isoformat(), "quantity": lot.quantity}
                       for lot in lots])
