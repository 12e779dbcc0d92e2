"""The escalation sweep: every open or assigned case whose SLA clock ran short or out is taken
one escalation step further, in one transaction.

A case's jeopardy (`domain.sla.clock_of`, on its owner team's business calendar) owes it an
escalation level: `at_risk` level 1, `breached` level 2. A case below the level it is owed gets
the steps in between, each an `ExceptionEscalated` event by `shipshape`: level 1 `notify`;
level 2 `reassign` (to its queue's supervisors, `<queue>-supervisor`, to nobody in it) and
`raise_priority` (one step: low, standard, high, urgent). A paused clock does not tick, so a
paused case is not escalated; and since a clock ticks only in business hours, neither is a
case whose due time passes at night until business time runs out the next morning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from shipshape.domain.catalogue import ExceptionEscalated
from shipshape.domain.sla import (
    CaseClock,
    ClockState,
    EscalationStep,
    escalation_steps,
    raised,
    supervisor_queue,
)
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork

ACTOR = "shipshape"
TOP_LEVEL = 2


@dataclass(frozen=True, slots=True)
class SweepReport:
    examined: int
    """Open cases below the top escalation level looked at."""
    steps: Counter[str] = field(default_factory=Counter)
    """Escalation steps taken, by step."""
    cases: tuple[str, ...] = ()
    """The cases escalated."""


def sweep(deps: Deps, now: datetime | None = None) -> SweepReport:
    """One escalation sweep at `now` (the clock's time by default), committed."""
    at = now if now is not None else deps.clock.now()
    with deps.uow() as uow:
        report, events = escalate_due(deps, uow, at)
        if events:
            uow.events.append(events)
            uow.commit()
    return report


def escalate_due(deps: Deps, uow: UnitOfWork, now: datetime
                 ) -> tuple[SweepReport, list[ExceptionEscalated]]:
    """The escalation steps owed at `now`, taken in `uow` (one query for the cases, one update
    per case escalated); the caller appends the events and commits."""
    clocks = uow.cases.open_clocks(below_level=TOP_LEVEL)
    events: list[ExceptionEscalated] = []
    steps: Counter[str] = Counter()
    escalated: list[str] = []
    for clock in clocks:
        state = clock.at(now, deps.desk)
        if state.paused:
            continue
        owed = escalation_steps(clock.escalation_level, state.jeopardy)
        if owed and _escalate(uow, clock, state, owed, now, events):
            steps.update(step.step for step in owed)
            escalated.append(clock.case_id)
    return SweepReport(len(clocks), steps, tuple(escalated)), events


def _escalate(uow: UnitOfWork, clock: CaseClock, state: ClockState,
              owed: list[EscalationStep], now: datetime,
              events: list[ExceptionEscalated]) -> bool:
    queue, priority = clock.queue, clock.priority
    told: list[ExceptionEscalated] = []
    for step in owed:
        if step.step == "reassign":
            queue = supervisor_queue(queue, clock.owner_team)
        elif step.step == "raise_priority":
            priority = raised(priority)
        told.append(ExceptionEscalated(
            occurred_at=now, order_id=clock.order_id, case_id=clock.case_id, actor=ACTOR,
            level=step.level, step=step.step, jeopardy=state.jeopardy,
            owner_team=clock.owner_team, queue=queue, priority=priority))
    reassigned = any(step.step == "reassign" for step in owed)
    if not uow.cases.escalate(clock.case_id, clock.escalation_level, owed[-1].level, queue,
                              priority, unassign=reassigned):
        return False  # another sweep got there first
    events.extend(told)
    return True
