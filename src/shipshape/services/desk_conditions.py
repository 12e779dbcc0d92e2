"""Cases that close themselves when their condition clears: stock arrives for the held orders
of `PARTIAL_AVAILABILITY` cases, a customer's credit hold is lifted for those of `CREDIT_HOLD`
cases. Each such order is decided again through intake's control points, oldest case first, in
the transaction that cleared the condition; taken, its case closes as `auto_resolved`; still
blocked, it stays held and nothing is written."""

from __future__ import annotations

from collections.abc import Collection

from shipshape.domain import desk
from shipshape.domain.cases import CaseStatus, ExceptionCase
from shipshape.domain.catalogue import DomainEvent
from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import OrderStatus
from shipshape.services.acceptance import Consent
from shipshape.services.deps import Deps
from shipshape.services.desk import resolved_event
from shipshape.services.desk_actions import take_again
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.desk import Closing

ACTOR = "shipshape"


def stock_arrived(deps: Deps, uow: UnitOfWork, skus: Collection[str]) -> int:
    """Take the held orders waiting for `skus`; how many were taken."""
    waiting = uow.desk.waiting(desk.SHORTAGE, skus=skus)
    return sum(_take_if_cleared(deps, uow, case, "stock arrived") for case in waiting)


def credit_released(deps: Deps, uow: UnitOfWork, customer_id: str) -> int:
    """Take the customer's orders held for credit, once the hold is lifted."""
    customer = uow.masterdata.customer(customer_id)
    if customer is None or customer.credit_hold:
        return 0
    waiting = uow.desk.waiting({"CREDIT_HOLD"}, customer_id=customer_id)
    return sum(_take_if_cleared(deps, uow, case, "the credit hold was lifted")
               for case in waiting)


def _take_if_cleared(deps: Deps, uow: UnitOfWork, case: ExceptionCase, why: str) -> bool:
    order = uow.picks.order(case.order_id, lock=True) if case.order_id else None
    if order is None or order.status is not OrderStatus.HELD:
        return False
    try:
        taken = take_again(deps, uow, order, Consent(stored=True))
    except InvalidInput:  # still blocked: decide wrote nothing
        return False
    now = deps.clock.now()
    events: list[DomainEvent] = list(taken.events)
    for open_case in uow.desk.open_of_order(order.id):
        closing = Closing(CaseStatus.AUTO_RESOLVED, "condition_cleared", why, ACTOR, now)
        if open_case.blocking and uow.desk.close(open_case.id, closing):
            events.append(resolved_event(open_case, closing))
    uow.events.append(events)
    return True
