"""The SLA clock columns of exception cases: read for the escalation sweep, paused, resumed,
re-budgeted and escalated (`SqlCases` delegates here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from shipshape.adapters.db import tables as t
from shipshape.domain.cases import CaseStatus
from shipshape.domain.sla import CaseClock

c = t.exception_cases.c
OPEN = [CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value]
CLOCK_COLUMNS = (c.id, c.order_id, c.status, c.owner_team, c.queue, c.priority,
                 c.escalation_level, c.opened_at, c.sla_due_at, c.sla_budget_s, c.paused_at,
                 c.paused_s, c.waiting_on)
# status IN (...) on ix_exception_cases_status_due; the earliest due first
OPEN_CLOCKS = (select(*CLOCK_COLUMNS)
               .where(c.status.in_(OPEN), c.escalation_level < bindparam("below_level"))
               .order_by(c.status, c.sla_due_at, c.id))


def clock_of_row(row: Any) -> CaseClock:
    return CaseClock(row.id, row.order_id, row.status, row.owner_team, row.queue or row.owner_team,
                     row.priority, row.escalation_level, row.opened_at, row.sla_due_at,
                     row.sla_budget_s, row.paused_at, row.paused_s or 0, row.waiting_on)


def clock(conn: Connection, case_id: str, lock: bool) -> CaseClock | None:
    query = select(*CLOCK_COLUMNS).where(c.id == case_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return clock_of_row(row) if row is not None else None


def open_clocks(conn: Connection, below_level: int) -> list[CaseClock]:
    return [clock_of_row(row) for row in conn.execute(OPEN_CLOCKS, {"below_level": below_level})]


def set_values(conn: Connection, case_id: str, **values: object) -> None:
    conn.execute(update(t.exception_cases).where(c.id == case_id).values(**values))


def pause(conn: Connection, case_id: str, at: datetime, waiting_on: str) -> None:
    set_values(conn, case_id, paused_at=at, waiting_on=waiting_on)


def resume(conn: Connection, case_id: str, paused_s: int, due_at: datetime) -> None:
    set_values(conn, case_id, paused_at=None, waiting_on=None, paused_s=paused_s,
               sla_due_at=due_at)


def set_sla(conn: Connection, case_id: str, priority: str, budget_s: int | None,
            due_at: datetime) -> None:
    set_values(conn, case_id, priority=priority, sla_budget_s=budget_s, sla_due_at=due_at)


def escalate(conn: Connection, case_id: str, from_level: int, level: int, queue: str,
             priority: str, unassign: bool) -> bool:
    """Compare and set: only a case still open at `from_level` moves (two sweeps at once
    escalate it once)."""
    values: dict[str, object] = {"escalation_level": level, "queue": queue,
                                 "priority": priority}
    if unassign:
        values.update(assignee=None, status=CaseStatus.OPEN.value)
    done = conn.execute(
        update(t.exception_cases)
        .where(c.id == case_id, c.escalation_level == from_level, c.status.in_(OPEN))
        .values(**values).returning(c.id)).first()
    return done is not None
