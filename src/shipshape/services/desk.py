"""The exception desk: a case assigned, acted on through a governed action, closed with its
root cause and cost, each step an event on the case's (and its order's) timeline.

`act` runs one action in one transaction under the case's row lock: the action's own work
(`desk_actions`: an approved split reserved through the same control points as intake, a
substitute, a cancelled line...), then `ExceptionActed`, then, for a closing action,
`ExceptionResolved` and every other open case of the order whose condition cleared with it.
A refused action changes nothing. Retrying an integration step replays its dead letter in the
delivery machinery (`Retrier`, outside this transaction), and records the outcome after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from shipshape.domain import desk
from shipshape.domain.access import Permission
from shipshape.domain.cases import CaseCost, CaseStatus, ExceptionCase
from shipshape.domain.catalogue import (
    DomainEvent,
    ExceptionActed,
    ExceptionAssigned,
    ExceptionResolved,
)
from shipshape.domain.desk import Action
from shipshape.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from shipshape.domain.orders import OrderStatus
from shipshape.services import desk_actions
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.desk import Closing

MAX_TEXT = 200
Retrier = Callable[[str, str], tuple[bool, str]]
"""Replays the dead letter of a case (case id, actor): whether it was applied, and what
happened."""
Also = Callable[[UnitOfWork, ExceptionCase], Sequence[DomainEvent]]
"""Run with an action under the case's lock, before it: events to record with it."""


@dataclass(frozen=True, slots=True)
class CaseAction:
    """An action as the caller asked for it; which fields count depends on the action."""

    action: Action
    reason_code: str
    actor: str
    root_cause: str | None = None
    cost: CaseCost = field(default_factory=CaseCost)
    line_no: int | None = None
    substitute_sku: str | None = None
    release_on: date | None = None
    site_id: str | None = None
    waiting_on: str | None = None
    note: str = ""
    carrier_service: str | None = None


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    case_id: str
    action: str
    closed: bool
    outcome: dict[str, object]


def assign_case(deps: Deps, case_id: str, assignee: str | None, actor: str, *,
                queue: str | None = None, owner_team: str | None = None,
                reason: str = "") -> None:
    """Give the case to `assignee` (None: back to its queue), in `queue` of `owner_team` when
    named; 409 on a closed case."""
    assignee = _text(assignee, "assignee") or None
    with deps.uow() as uow:
        case = _open_case(uow, case_id)
        team = _text(owner_team, "owner team") or case.owner_team
        where = _text(queue, "queue") or case.queue or team
        uow.desk.assign(case_id, team, where, assignee)
        uow.events.append([ExceptionAssigned(
            occurred_at=deps.clock.now(), order_id=case.order_id, case_id=case_id, actor=actor,
            owner_team=team, queue=where, assignee=assignee,
            reason=_text(reason, "reason") or ("reassigned" if assignee else "unassigned"))])
        uow.commit()


def act(deps: Deps, case_id: str, request: CaseAction, may: Callable[[Permission], bool],
        retrier: Retrier | None = None, *, also: Also | None = None) -> ActionOutcome:
    """Take `request` on the case, or raise: Forbidden (the role may not), NotFound,
    Conflict (closed, or the action does not apply), InvalidInput (refused, nothing changed).
    `also` (an accepted recommendation) checks the case under its lock and gives the events
    to record before the action's, in the same transaction."""
    if not may(desk.permission_of(request.action)):
        raise Forbidden(f"your role may not take the action {request.action.value}")
    _check_request(request)
    if request.action is Action.RETRY:
        return _retry(deps, case_id, request, retrier)
    with deps.uow() as uow:
        # The order's row before the case's, as intake and cancellation lock them.
        status = _order_status(uow, _existing(uow, case_id))
        case = _open_case(uow, case_id)
        if not desk.applies(request.action, case, status):
            raise Conflict(_not_applicable(request.action, case, status))
        if also is not None:
            uow.events.append(list(also(uow, case)))
        outcome = desk_actions.run(deps, uow, case, request)
        closed = _record(deps, uow, case, request, outcome)
        uow.commit()
    return ActionOutcome(case_id, request.action.value, closed, outcome.body)


def available_actions(deps: Deps, case_id: str, may: Callable[[Permission], bool]) -> list[str]:
    """What the caller (`may`) can do with the case now: `assign` and the governed actions."""
    with deps.uow.reading() as uow:
        case = uow.desk.get(case_id, lock=False)
        if case is None:
            return []
        order = uow.picks.order(case.order_id, lock=False) if case.order_id else None
    return desk.actions_for(case, order.status if order else None, may)


def _record(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction,
            outcome: desk_actions.Outcome) -> bool:
    now = deps.clock.now()
    events: list[DomainEvent] = list(outcome.events)
    events.append(ExceptionActed(
        occurred_at=now, order_id=case.order_id, case_id=case.id, actor=request.actor,
        action=request.action.value, reason_code=request.reason_code, details=outcome.body))
    closing = request.action in desk.CLOSING and outcome.taken
    if closing:
        events += _close(uow, case, request, now)
    if outcome.taken and case.order_id:
        events += _clear_order_cases(uow, case, outcome.blocking, request.actor, now)
    uow.events.append(events)
    return closing


def _close(uow: UnitOfWork, case: ExceptionCase, request: CaseAction,
           now: datetime) -> list[DomainEvent]:
    status = CaseStatus.REJECTED if request.action is Action.REJECT else CaseStatus.RESOLVED
    closing = Closing(status, request.action.value, request.reason_code, request.actor, now,
                      request.root_cause, request.cost)
    if not uow.desk.close(case.id, closing):
        raise Conflict(f"case {case.id} was closed meanwhile")
    return [resolved_event(case, closing)]


def _clear_order_cases(uow: UnitOfWork, acted: ExceptionCase, still_blocking: frozenset[str],
                       actor: str, now: datetime) -> list[DomainEvent]:
    """The order was taken: its other open cases whose code no longer blocks it close too."""
    assert acted.order_id is not None
    events: list[DomainEvent] = []
    for case in uow.desk.open_of_order(acted.order_id):
        if case.id == acted.id or case.code in still_blocking or not case.blocking:
            continue
        closing = Closing(CaseStatus.AUTO_RESOLVED, "condition_cleared",
                          f"cleared when case {acted.id} was worked", actor, now)
        if uow.desk.close(case.id, closing):
            events.append(resolved_event(case, closing))
    return events


def resolved_event(case: ExceptionCase, closing: Closing) -> ExceptionResolved:
    cost = closing.cost
    return ExceptionResolved(
        occurred_at=closing.at, order_id=case.order_id, case_id=case.id, actor=closing.actor,
        code=case.code, status=closing.status.value, action=closing.action,
        reason=closing.reason, root_cause=closing.root_cause,
        rework_minutes=cost.rework_minutes, expedited_freight=str(cost.expedited_freight),
        invoice_correction=str(cost.invoice_correction))


def _retry(deps: Deps, case_id: str, request: CaseAction,
           retrier: Retrier | None) -> ActionOutcome:
    with deps.uow.reading() as uow:
        case = _open_case(uow, case_id)
    if not desk.applies(Action.RETRY, case, None):
        raise Conflict(_not_applicable(Action.RETRY, case, None))
    if retrier is None:
        raise Conflict("retrying an integration step is not available here")
    applied, said = retrier(case_id, request.actor)
    if not applied:
        raise Conflict(f"the retry did not succeed: {said}")
    with deps.uow() as uow:
        now = deps.clock.now()
        closing = Closing(CaseStatus.RESOLVED, Action.RETRY.value, request.reason_code,
                          request.actor, now, request.root_cause, request.cost)
        uow.desk.close(case_id, closing)  # the replay may have closed it already
        uow.events.append([
            ExceptionActed(occurred_at=now, order_id=case.order_id, case_id=case_id,
                           actor=request.actor, action=Action.RETRY.value,
                           reason_code=request.reason_code, details={"replay": said}),
            resolved_event(case, closing)])
        uow.commit()
    return ActionOutcome(case_id, Action.RETRY.value, True, {"replay": said})


def _existing(uow: UnitOfWork, case_id: str, lock: bool = False) -> ExceptionCase:
    case = uow.desk.get(case_id, lock=lock)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    return case


def _open_case(uow: UnitOfWork, case_id: str) -> ExceptionCase:
    case = _existing(uow, case_id, lock=True)
    if not desk.is_open(case):
        raise Conflict(f"case {case_id} is {case.status.value}; a closed case is not worked")
    return case


def _order_status(uow: UnitOfWork, case: ExceptionCase) -> OrderStatus | None:
    if case.order_id is None:
        return None
    order = uow.picks.order(case.order_id, lock=True)
    return order.status if order is not None else None


def _not_applicable(action: Action, case: ExceptionCase, status: OrderStatus | None) -> str:
    if action in desk.ON_HELD_ORDER and case.code not in desk.ON_HELD_ORDER[action]:
        return f"{action.value} does not answer a {case.code} case"
    if action in desk.ON_HELD_ORDER:
        return (f"{action.value} takes a held order again; order {case.order_id} is "
                f"{status.value if status else 'not there'}")
    if action is Action.RETRY:
        return f"case {case.id} has no failed integration step to retry"
    return f"{action.value} does not apply to case {case.id} now"


def _check_request(request: CaseAction) -> None:
    if not request.reason_code.strip():
        raise InvalidInput("an action needs a reason code")
    for name, value in (("reason code", request.reason_code), ("root cause", request.root_cause),
                        ("note", request.note), ("actor", request.actor)):
        _text(value, name)
    if request.action in (Action.RESOLVE, Action.REJECT) and not (request.root_cause or "").strip():
        raise InvalidInput(f"{request.action.value} needs a root cause")
    cost = request.cost
    if cost.rework_minutes < 0 or cost.expedited_freight < 0 or cost.invoice_correction < 0:
        raise InvalidInput("a cost cannot be negative")


def _text(value: str | None, name: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the {name} has at most {MAX_TEXT} characters")
    if "\x00" in text:
        raise InvalidInput(f"the {name} cannot hold a NUL character")
    return text
