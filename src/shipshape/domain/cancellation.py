"""Cancelling an order: which compensations each stage needs, decided from what is stored.

An order holds commitments that cancellation must take back, stage by stage:

* received, held, accepted: the reservations are given back, and the order's value is taken off
  the customer's exposure if it counted;
* released, picked: the same, and the WMS is asked to stop the order's tasks
  (`TaskCancelRequested`, sites: those of its reservations);
* with an accepted carrier tender (whatever the stage): also the TMS is asked to void the label
  (`TenderCancelRequested`);
* shipped, invoiced, closed: refused, the goods have left; the invoice is credited instead;
* cancelled: refused (`Conflict`), there is nothing left to take back.

The value counts towards exposure while the order is accepted, released or picked, and while it
is held after having been accepted (a hold pauses an order; it keeps its stock and its credit).
An order held at intake never reserved stock nor counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shipshape.domain.carriers import TenderAttempt
from shipshape.domain.errors import Conflict, IllegalTransition
from shipshape.domain.inventory import Reservation
from shipshape.domain.orders import OPEN_STATUSES, OrderStatus, check_transition

CASE_ACTION = "order_cancelled"
"""The resolution action of the exception cases an order's cancellation closes."""

S = OrderStatus
AFTER_SHIPMENT = frozenset({S.SHIPPED, S.INVOICED, S.CLOSED})
WITH_THE_WAREHOUSE = frozenset({S.RELEASED, S.PICKED})


class Compensation(StrEnum):
    UNRESERVE = "unreserve"
    RELEASE_CREDIT = "release_credit"
    CANCEL_TASKS = "cancel_tasks"
    VOID_LABEL = "void_label"


@dataclass(frozen=True, slots=True)
class OrderCommitments:
    """What a stored order holds that cancelling it must give back."""

    status: OrderStatus
    value: Decimal
    was_accepted: bool
    reservations: tuple[Reservation, ...]
    accepted_tender: TenderAttempt | None = None


@dataclass(frozen=True, slots=True)
class CancellationPlan:
    from_status: OrderStatus
    unreserve: tuple[Reservation, ...]
    credit_released: Decimal
    task_sites: tuple[str, ...] | None
    """Sites whose WMS tasks must stop; None when the warehouse never got the order."""
    tender: TenderAttempt | None

    @property
    def compensations(self) -> list[Compensation]:
        asked = [(Compensation.UNRESERVE, bool(self.unreserve)),
                 (Compensation.RELEASE_CREDIT, self.credit_released != 0),
                 (Compensation.CANCEL_TASKS, self.task_sites is not None),
                 (Compensation.VOID_LABEL, self.tender is not None)]
        return [compensation for compensation, needed in asked if needed]


def counts_towards_exposure(status: OrderStatus, was_accepted: bool) -> bool:
    """Whether the order's value is part of the customer's stored exposure now."""
    return status in OPEN_STATUSES or (status is S.HELD and was_accepted)


def check_cancellable(order_id: str, status: OrderStatus) -> None:
    """Refuse, with what to do instead, to cancel an order past the point of no return."""
    if status is S.CANCELLED:
        raise Conflict(f"order {order_id} is already cancelled")
    if status in AFTER_SHIPMENT:
        raise IllegalTransition(
            f"order {order_id} is {status.value}: a shipped order cannot be cancelled; "
            "correct it by crediting its invoice")
    check_transition(status, S.CANCELLED)


def plan_cancellation(order_id: str, held: OrderCommitments) -> CancellationPlan:
    """The compensations that cancelling this order needs (see the module's docstring)."""
    check_cancellable(order_id, held.status)
    counted = counts_towards_exposure(held.status, held.was_accepted)
    sites = tuple(sorted({r.site for r in held.reservations}))
    return CancellationPlan(
        from_status=held.status, unreserve=held.reservations,
        credit_released=held.value if counted else Decimal("0"),
        task_sites=sites if held.status in WITH_THE_WAREHOUSE else None,
        tender=held.accepted_tender)


def money_text(amount: Decimal) -> str:
    """An amount as text the same on every backend: cents, or every digit it has beyond."""
    cents = amount.quantize(Decimal("0.01"))
    return str(cents if cents == amount else amount.normalize())


def accepted_tender(attempts: Sequence[TenderAttempt]) -> TenderAttempt | None:
    """The carrier tender that holds a label (the last accepted attempt), if any."""
    return next((a for a in reversed(attempts) if a.accepted), None)
