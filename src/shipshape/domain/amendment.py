"""Amending an order's line quantities before it reaches the warehouse.

Only received, held and accepted orders may change; from release on the warehouse works on the
order and the answer is to cancel it. Quantity 0 removes a line; at least one line must remain.
For an order that holds stock (one that was accepted), a smaller quantity gives back reserved
units, latest reservation first, and a larger one is reserved by the allocation rules; an order
that never reserved (held at intake) reserves nothing until it is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from shipshape.domain.errors import IllegalTransition, InvalidInput
from shipshape.domain.inventory import Demand, Reservation, Shortfall
from shipshape.domain.orders import ZERO, OrderLine, OrderStatus

AMENDABLE = frozenset({OrderStatus.RECEIVED, OrderStatus.HELD, OrderStatus.ACCEPTED})


@dataclass(frozen=True, slots=True)
class LineChange:
    line_no: int
    sku: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class ReservationRow:
    """One stored reservation row; a larger `id` was reserved later."""

    id: int
    line_no: int
    site: str
    sku: str
    quantity: int


def check_amendable(order_id: str, status: OrderStatus) -> None:
    if status not in AMENDABLE:
        advice = ("cancel it instead" if status in {OrderStatus.RELEASED, OrderStatus.PICKED}
                  else "it can no longer change")
        raise IllegalTransition(
            f"order {order_id} is {status.value}: only received, held or accepted orders can "
            f"be amended; {advice}")


def wanted_quantities(pairs: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Line number -> new quantity; each line named once, at least one."""
    if not pairs:
        raise InvalidInput("an amendment names at least one line")
    wanted = dict(pairs)
    if len(wanted) != len(pairs):
        twice = sorted({n for n, _ in pairs if sum(1 for m, _ in pairs if m == n) > 1})
        raise InvalidInput(f"line {', '.join(map(str, twice))} is named more than once")
    return wanted


def line_changes(order_id: str, lines: Sequence[OrderLine],
                 wanted: Mapping[int, int]) -> list[LineChange]:
    """The lines whose quantity changes; refuses unknown lines, negative quantities and an
    amendment that would leave no line."""
    by_no = {line.line_no: line for line in lines}
    unknown = sorted(set(wanted) - set(by_no))
    if unknown:
        raise InvalidInput(f"order {order_id} has no line {', '.join(map(str, unknown))}; "
                           f"its lines are {', '.join(map(str, sorted(by_no)))}")
    negative = sorted(n for n, quantity in wanted.items() if quantity < 0)
    if negative:
        raise InvalidInput(f"line {', '.join(map(str, negative))}: a quantity cannot be negative")
    if all(wanted.get(n, line.quantity or 0) == 0 for n, line in by_no.items()):
        raise InvalidInput(f"the amendment would remove every line of order {order_id}; "
                           "cancel the order instead")
    return [LineChange(n, by_no[n].sku, by_no[n].quantity or 0, quantity)
            for n, quantity in sorted(wanted.items()) if quantity != (by_no[n].quantity or 0)]


def amended_lines(lines: Sequence[OrderLine], changes: Sequence[LineChange]
                  ) -> tuple[OrderLine, ...]:
    """The order's lines after the amendment, removed lines left out."""
    after = {c.line_no: c.after for c in changes}
    kept = [OrderLine(ln.line_no, ln.sku, after.get(ln.line_no, ln.quantity), ln.unit_price,
                      ln.uom) for ln in lines]
    return tuple(ln for ln in kept if ln.quantity != 0)


def order_value(lines: Sequence[OrderLine]) -> Decimal:
    return sum((line.value for line in lines), ZERO)


def reductions(changes: Sequence[LineChange], rows: Sequence[ReservationRow]
               ) -> list[Reservation]:
    """What to give back for the lines that shrink: latest reservations first, summed per
    line and site. A line holds at most what was reserved for it."""
    given: dict[tuple[int, str, str], int] = {}
    for change in (c for c in changes if c.delta < 0):
        remaining = -change.delta
        for row in sorted((r for r in rows if r.line_no == change.line_no),
                          key=lambda r: r.id, reverse=True):
            take = min(remaining, row.quantity)
            if take:
                key = (row.line_no, row.site, row.sku)
                given[key] = given.get(key, 0) + take
                remaining -= take
    return [Reservation(line_no, site, sku, quantity)
            for (line_no, site, sku), quantity in sorted(given.items())]


def increases(changes: Sequence[LineChange]) -> list[Demand]:
    return [Demand(c.line_no, c.sku, c.delta) for c in changes if c.delta > 0]


def candidate_sites(ranked: Sequence[str], held_at: Sequence[str], allow_split: bool
                    ) -> list[str]:
    """Where more may be reserved: without split permission, only the site the order already
    holds stock at (its one shipment); else every site in sourcing order."""
    if allow_split or not held_at:
        return list(ranked)
    return [site for site in ranked if site in held_at]


def shortage_message(order_id: str, shortfalls: Sequence[Shortfall]) -> str:
    parts = [f"line {s.line_no} needs {s.wanted} more {s.sku}, available: "
             + (", ".join(f"{q} at {site}" for site, q in sorted(s.available_by_site.items()))
                or "none")
             for s in shortfalls]
    return f"not enough stock to amend order {order_id}: " + "; ".join(parts)
