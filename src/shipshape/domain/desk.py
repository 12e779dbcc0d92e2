"""The exception desk's governed actions: what each is called, who may take it and on which
cases it applies."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from shipshape.domain.access import Permission
from shipshape.domain.cases import CaseStatus, ExceptionCase
from shipshape.domain.orders import OrderStatus


class Action(StrEnum):
    APPROVE_SPLIT = "approve_split"
    SUBSTITUTE = "substitute"
    DELAY_RELEASE = "delay_release"
    CANCEL_LINE = "cancel_line"
    RELEASE_HOLD = "release_hold"
    RESOURCE = "resource"
    RETRY = "retry"
    RESOLVE = "resolve"
    REJECT = "reject"
    PAUSE = "pause"
    RESUME = "resume"
    REDELIVER = "redeliver"
    RESHIP = "reship"
    CREDIT = "credit"
    RETENDER = "retender"
    RESEND = "resend"


A = Action
SHORTAGE = frozenset({"PARTIAL_AVAILABILITY", "STALE_RESERVATION"})
"""An order held because stock is missing: not enough at intake, or a count took its stock."""
CREDIT = frozenset({"CREDIT_HOLD", "CREDIT_LIMIT_EXCEEDED"})
RISK_REVIEW = "RISK_REVIEW"
"""The hold of an order the release-time risk table pulled from a wave: a supervisor's call."""
SUPERVISOR_RELEASES = CREDIT | {RISK_REVIEW}
LINE_PROBLEMS = SHORTAGE | {"INACTIVE_ITEM", "UNKNOWN_ITEM", "MISSING_PRICE", "PRICE_MISMATCH",
                            "MISSING_QUANTITY", "SHELF_LIFE_UNSATISFIABLE"}
ON_HELD_ORDER: dict[Action, frozenset[str]] = {
    A.APPROVE_SPLIT: SHORTAGE, A.SUBSTITUTE: SHORTAGE, A.DELAY_RELEASE: SHORTAGE,
    A.RESOURCE: SHORTAGE, A.CANCEL_LINE: LINE_PROBLEMS | {RISK_REVIEW},
    A.RELEASE_HOLD: SUPERVISOR_RELEASES,
}
"""Actions that take a held order again, and the case codes each answers."""
ON_MOVING_ORDER: dict[Action, tuple[frozenset[str], frozenset[OrderStatus]]] = {
    A.RESOURCE: (frozenset({"SHORT_PICK"}), frozenset({OrderStatus.RELEASED})),
    A.RETENDER: (frozenset({"CARRIER_TENDER_FAILED"}), frozenset({OrderStatus.PICKED})),
}
"""Actions on an order past release (`services/desk_reroute.py`): the case codes each answers
and the order statuses it applies in: the backordered units of a short pick reserved at
another site, a failed tender sent to another carrier service."""
DELIVERY_PROBLEMS = frozenset({"DAMAGED_ON_DELIVERY", "SHORT_ON_DELIVERY"})
ON_DELIVERY: dict[Action, frozenset[str]] = {
    A.REDELIVER: frozenset({"DELIVERY_FAILED"}),
    A.RESHIP: DELIVERY_PROBLEMS | {"DELIVERY_FAILED"},
    A.CREDIT: DELIVERY_PROBLEMS | {"DELIVERY_FAILED"},
}
"""Actions on a shipment's delivery (`services/delivery_actions.py`), and the case codes each
answers; crediting a failed delivery in full cancels it."""
ON_RETURN: dict[Action, frozenset[str]] = {A.CREDIT: frozenset({"RETURN_DISPUTED"})}
"""Actions on a return (`services/returns.py`): `credit` settles a dispute in the customer's
favour."""
ON_EDI_DOCUMENT: dict[Action, frozenset[str]] = {
    A.RESEND: frozenset({"EDI_DOCUMENT_REJECTED", "EDI_ACK_MISSING"})}
"""Actions on an EDI document we sent (`services/edi_resend.py`): `resend` builds it again from
the current data under a new control number."""
DESTRUCTIVE = frozenset({A.CANCEL_LINE, A.REJECT, A.RELEASE_HOLD, A.RESHIP, A.CREDIT})
"""Actions the console confirms before it takes them."""
CLOSING = frozenset({A.APPROVE_SPLIT, A.SUBSTITUTE, A.CANCEL_LINE, A.RELEASE_HOLD, A.RESOURCE,
                     A.RETRY, A.RESOLVE, A.REJECT, A.REDELIVER, A.RESHIP, A.CREDIT,
                     A.RETENDER, A.RESEND})
"""Actions after which the case is closed (when the order is taken, for the order actions)."""


def permission_of(action: Action) -> Permission:
    """Releasing a credit hold is a supervisor's call; every other action an agent's."""
    return Permission.RELEASE_HOLDS if action is A.RELEASE_HOLD else Permission.WORK_EXCEPTIONS


def is_open(case: ExceptionCase) -> bool:
    return case.status in (CaseStatus.OPEN, CaseStatus.ASSIGNED)


def applies(action: Action, case: ExceptionCase, order_status: OrderStatus | None) -> bool:
    """Whether `action` can be taken on `case` now (its order in `order_status`)."""
    if not is_open(case):
        return False
    codes, statuses = ON_MOVING_ORDER.get(action, (frozenset(), frozenset()))
    if case.code in codes:
        return order_status in statuses
    if action in ON_HELD_ORDER:
        return order_status is OrderStatus.HELD and case.code in ON_HELD_ORDER[action]
    if action is A.RETENDER:
        return False
    if action in ON_EDI_DOCUMENT:
        return case.code in ON_EDI_DOCUMENT[action]
    if action in ON_DELIVERY or action in ON_RETURN:
        return (case.code in ON_DELIVERY.get(action, frozenset())
                or case.code in ON_RETURN.get(action, frozenset()))
    if action is A.RETRY:
        return case.details.get("consumer") is not None  # a dead letter's case
    if action is A.PAUSE:
        return case.paused_at is None
    if action is A.RESUME:
        return case.paused_at is not None
    return True


def actions_for(case: ExceptionCase, order_status: OrderStatus | None,
                may: Callable[[Permission], bool]) -> list[str]:
    """The actions the caller (`may`: whether they hold a permission) can take on `case` now,
    `assign` first."""
    found: Iterable[Action] = (a for a in Action if applies(a, case, order_status)
                               and may(permission_of(a)))
    assign = ["assign"] if is_open(case) and may(Permission.WORK_EXCEPTIONS) else []
    return assign + [a.value for a in found]
