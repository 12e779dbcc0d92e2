"""Pausing and resuming a case's SLA clock, and changing its priority and SLA.

Each function works in the caller's unit of work and returns what it did; the caller appends
the event (`uow.events.append([event])`) and commits. A paused clock does not tick: the
business seconds of the pause are kept in `paused_s` and move the due time out when the clock
runs again; a new priority or SLA keeps them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shipshape.domain.catalogue import ExceptionPaused, ExceptionResumed
from shipshape.domain.errors import Conflict, InvalidInput, NotFound
from shipshape.domain.sla import OPEN_STATUSES, CaseClock, ClockState, pause_seconds
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork


def pause_case(deps: Deps, uow: UnitOfWork, case_id: str, waiting_on: str, actor: str,
               reason: str, now: datetime) -> ExceptionPaused:
    """Stop the clock of an open or assigned case at `now`: it waits on `waiting_on` (the
    customer, a system...). `NotFound`, `Conflict` (closed or already paused),
    `InvalidInput` (nothing to wait on)."""
    if not waiting_on.strip():
        raise InvalidInput("a paused case must say what it waits on")
    clock = _open_clock(uow, case_id)
    if clock.paused_at is not None:
        raise Conflict(f"case {case_id} is paused already, waiting on {clock.waiting_on}")
    uow.cases.pause(case_id, now, waiting_on.strip())
    return ExceptionPaused(occurred_at=now, order_id=clock.order_id, case_id=case_id,
                           actor=actor, waiting_on=waiting_on.strip(), reason=reason)


def resume_case(deps: Deps, uow: UnitOfWork, case_id: str, actor: str,
                now: datetime) -> ExceptionResumed:
    """Run the clock of a paused case again at `now`; the event tells the seconds this pause
    kept off the clock (business seconds; wall seconds for a case without a budget), and the
    case's due time moves out by them. `NotFound`, `Conflict` (closed or not paused)."""
    clock = _open_clock(uow, case_id)
    if clock.paused_at is None:
        raise Conflict(f"case {case_id} is not paused")
    calendar = deps.desk.of(clock.owner_team)
    kept = pause_seconds(calendar, clock.sla_budget_s is not None, clock.paused_at, now)
    running = replace(clock, paused_at=None, waiting_on=None, paused_s=clock.paused_s + kept)
    uow.cases.resume(case_id, running.paused_s, running.at(now, deps.desk).due_at)
    return ExceptionResumed(occurred_at=now, order_id=clock.order_id, case_id=case_id,
                            actor=actor, paused_s=kept)


def change_sla(deps: Deps, uow: UnitOfWork, case_id: str, priority: str, sla_hours: float,
               now: datetime) -> ClockState:
    """A new priority and an SLA of `sla_hours` business hours from the case's opening; the
    time it was paused stays not counted (a paused case stays paused). Returns the clock at
    `now`. `NotFound`, `Conflict` (closed), `InvalidInput` (no hours)."""
    if sla_hours <= 0:
        raise InvalidInput("an SLA needs a positive number of business hours")
    clock = _open_clock(uow, case_id)
    changed = replace(clock, priority=priority, sla_budget_s=round(sla_hours * 3600))
    state = changed.at(now, deps.desk)
    uow.cases.set_sla(case_id, priority, changed.sla_budget_s, state.due_at)
    return state


def _open_clock(uow: UnitOfWork, case_id: str) -> CaseClock:
    clock = uow.cases.clock(case_id, lock=True)
    if clock is None:
        raise NotFound(f"no case {case_id}")
    if clock.status not in OPEN_STATUSES:
        raise Conflict(f"case {case_id} is {clock.status}; its clock has stopped")
    return clock
