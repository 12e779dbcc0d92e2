"""Cancelling an order, with the compensation its stage needs (`domain/cancellation.py`).

`cancel_order` is one transaction. It locks the order's row first (on PostgreSQL; SQLite has one
writer), so a cancel racing a wave release or a pick confirmation runs before or after it, never
in between, and reads the status the other committed. Then, in the lock order intake uses
(customer exposure, then stock rows): the order's value comes off the exposure if it counted,
its reservations are given back, it becomes cancelled, its open exception cases are closed as
cancelled (action `order_cancelled`), and the events are written: `OrderCancelled` (from-status,
reason, actor, the compensations asked for), `TaskCancelRequested` for an order the warehouse
has, `TenderCancelRequested` for one with an accepted carrier tender.

Cancelling a cancelled order is refused (409) rather than ignored: the caller learns that the
order was cancelled before, and by whom (its timeline), instead of believing its own reason was
recorded.

The consumer `tms-tender-cancel` sends `TenderCancelRequested` to the TMS (`tender_cancel`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shipshape.domain import cancellation as cn
from shipshape.domain.catalogue import (
    DomainEvent,
    OrderCancelled,
    TaskCancelRequested,
    TenderCancelRequested,
)
from shipshape.domain.errors import InvalidInput, NotFound
from shipshape.domain.orders import OrderStatus
from shipshape.domain.picking import OrderToPick
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.outbound import ConnectorHandler, Route
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import Connectors, Payload

TMS_TENDER_CANCEL = "tms-tender-cancel"
MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class CancelResult:
    order_id: str
    from_status: OrderStatus
    compensations: tuple[str, ...]
    cases_closed: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"order_id": self.order_id, "status": OrderStatus.CANCELLED.value,
                "from": self.from_status.value, "compensations": list(self.compensations),
                "cases_closed": list(self.cases_closed)}


def cancel_order(deps: Deps, order_id: str, reason: str, actor: str) -> CancelResult:
    """Cancel the order (see the module's docstring); NotFound, or 409 when it may not be."""
    reason = required_reason(reason)
    with deps.uow() as uow:
        result = cancel_in(deps, uow, order_id, reason, actor)
        uow.commit()
    return result


def required_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise InvalidInput("a cancellation needs a reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"a reason has at most {MAX_REASON} characters")
    return text


def cancel_in(deps: Deps, uow: UnitOfWork, order_id: str, reason: str,
              actor: str) -> CancelResult:
    """The cancellation within the caller's transaction; no commit."""
    order = uow.picks.order(order_id, lock=True)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    cn.check_cancellable(order_id, order.status)
    plan = cn.plan_cancellation(order_id, _commitments(uow, order))
    now = deps.clock.now()
    if plan.credit_released:  # locks the customer's exposure before the stock rows
        uow.credit.add_exposure(order.customer_id, -plan.credit_released)
    uow.inventory.unreserve(order_id, plan.unreserve, now)
    uow.orders.set_status(order_id, OrderStatus.CANCELLED, now)
    cases = uow.changes.close_open_cases(order_id, cn.CASE_ACTION, reason, actor, now)
    uow.events.append(_events(order, plan, reason, actor, cases, now))
    return CancelResult(order_id, plan.from_status, tuple(plan.compensations), tuple(cases))


def _commitments(uow: UnitOfWork, order: OrderToPick) -> cn.OrderCommitments:
    changes = uow.changes
    was_accepted = order.status is not OrderStatus.RECEIVED and changes.was_accepted(order.id)
    return cn.OrderCommitments(
        status=order.status, value=order.value, was_accepted=was_accepted,
        reservations=tuple(uow.inventory.reservations_of(order.id)),
        accepted_tender=cn.accepted_tender(uow.tenders.attempts(order.id)))


def _events(order: OrderToPick, plan: cn.CancellationPlan, reason: str, actor: str,
            cases: list[str], now: datetime) -> list[DomainEvent]:
    events: list[DomainEvent] = [OrderCancelled(
        occurred_at=now, order_id=order.id, from_status=plan.from_status,
        to_status=OrderStatus.CANCELLED, reason=reason, actor=actor,
        compensations=tuple(plan.compensations), reservations_released=plan.unreserve,
        credit_released=plan.credit_released, cases_closed=tuple(cases))]
    note = f"order cancelled: {reason}"
    if plan.task_sites is not None:
        events.append(TaskCancelRequested(occurred_at=now, order_id=order.id,
                                          sites=plan.task_sites, reason=note,
                                          for_cancellation=True))
    if plan.tender is not None:
        events.append(TenderCancelRequested(
            occurred_at=now, order_id=order.id, carrier_service=plan.tender.carrier_service,
            tracking_number=plan.tender.tracking_number, label_ref=plan.tender.label_ref,
            reason=note))
    return events


def tender_cancel_payload(event_type: str, body: Mapping[str, object]) -> Payload:
    return {key: body.get(key) for key in ("order_id", "carrier_service", "tracking_number",
                                           "label_ref", "reason")}


TENDER_CANCEL = Route(frozenset({TenderCancelRequested.TYPE}), "tms", "tender_cancel",
                      tender_cancel_payload)
"""A cancelled order's carrier tender: the TMS voids the label."""


def cancellation_handlers(deps: Deps, connectors: Connectors) -> dict[str, Handler]:
    """The consumers cancellation adds to a worker, by name."""
    return {TMS_TENDER_CANCEL: ConnectorHandler(deps, connectors, TENDER_CANCEL)}
