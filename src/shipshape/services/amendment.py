"""Amending an order's line quantities before release (`domain/amendment.py`).

`amend_order` is one transaction, under the order's row lock (as cancellation), then the
customer's exposure and the stock rows of the SKUs it touches, in the order intake locks them.
For an order that holds stock, shrinking lines give back their latest reservations first and
growing lines are reserved by the allocation rules (the customer's sourcing order; without
split permission at the site the order already ships from), by conditional updates; when stock
does not cover them the amendment is refused whole, naming what is available, and nothing
changes. The exposure follows the new value. `OrderAmended` records every changed line before
and after. An amendment that changes no quantity writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from shipshape.domain import amendment as am
from shipshape.domain.cancellation import money_text
from shipshape.domain.catalogue import OrderAmended
from shipshape.domain.errors import Conflict, NotFound
from shipshape.domain.inventory import Reservation, allocate, rank_sites
from shipshape.domain.orders import OrderStatus
from shipshape.domain.picking import OrderToPick
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class AmendResult:
    order_id: str
    status: OrderStatus
    changes: tuple[am.LineChange, ...]
    value: str

    def as_json(self) -> dict[str, object]:
        return {"order_id": self.order_id, "status": self.status.value, "value": self.value,
                "lines": [_change_json(c) for c in self.changes]}


def amend_order(deps: Deps, order_id: str, changes: Sequence[tuple[int, int]],
                actor: str) -> AmendResult:
    """Set the quantities of `changes` ((line number, quantity) pairs; 0 removes the line)."""
    wanted = am.wanted_quantities(changes)
    with deps.uow() as uow:
        result = amend_in(deps, uow, order_id, wanted, actor)
        uow.commit()
    return result


def amend_in(deps: Deps, uow: UnitOfWork, order_id: str, wanted: Mapping[int, int],
             actor: str) -> AmendResult:
    """The amendment within the caller's transaction; no commit."""
    order = uow.picks.order(order_id, lock=True)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    am.check_amendable(order_id, order.status)
    changes = am.line_changes(order_id, order.lines, wanted)
    if not changes:
        return AmendResult(order_id, order.status, (), money_text(order.value))
    lines = am.amended_lines(order.lines, changes)
    value = am.order_value(lines)
    now = deps.clock.now()
    store = uow.changes
    # An amendable order that was accepted holds stock and counts towards exposure (held
    # after acceptance included); one held at intake holds neither.
    holds_stock = order.status is not OrderStatus.RECEIVED and store.was_accepted(order_id)
    released: list[Reservation] = []
    added: list[Reservation] = []
    if holds_stock:
        uow.credit.open_exposure(order.customer_id, lock=True)
        released, added = _move_stock(uow, order, changes, now)
        uow.credit.add_exposure(order.customer_id, value - order.value)
    store.set_lines(order_id, lines, value, now)
    uow.events.append([OrderAmended(
        occurred_at=now, order_id=order_id, actor=actor, lines=tuple(changes),
        value_before=order.value, value_after=value, reservations_released=tuple(released),
        reservations_added=tuple(added))])
    return AmendResult(order_id, order.status, tuple(changes), money_text(value))


def _move_stock(uow: UnitOfWork, order: OrderToPick, changes: Sequence[am.LineChange],
                now: datetime) -> tuple[list[Reservation], list[Reservation]]:
    """Give back what shrinking lines hold, then reserve what growing lines need."""
    rows = uow.changes.reservation_rows(order.id)
    # The stock rows are locked before any changes, in the order intake locks them.
    uow.inventory.positions({c.sku for c in changes}, lock=True)
    released = am.reductions(changes, rows)
    uow.inventory.unreserve(order.id, released, now)
    demands = am.increases(changes)
    if not demands:
        return released, []
    customer = uow.masterdata.customer(order.customer_id)
    sites = uow.masterdata.sites()
    ranked = rank_sites(list(sites), customer.preferred_site if customer else None,
                        {s.id: s.country for s in sites.values()}, order.ship_to_country)
    allow_split = bool(customer and customer.allow_split)
    held_at = sorted({row.site for row in rows})
    positions = uow.inventory.positions({d.sku for d in demands}, lock=True)
    plan = allocate(demands, positions, am.candidate_sites(ranked, held_at, allow_split),
                    allow_split)
    if not plan.complete:
        raise Conflict(am.shortage_message(order.id, plan.shortfalls))
    uow.inventory.reserve(order.id, plan.reservations, now)
    return released, list(plan.reservations)


def _change_json(change: am.LineChange) -> dict[str, object]:
    return {"line_no": change.line_no, "sku": change.sku, "before": change.before,
            "after": change.after}

