"""What the desk's routes add to a case: its SLA clock now, the caller's actions on it, and
the retry of its failed integration step."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import RowMapping

from shipshape.adapters.db import desk_queries
from shipshape.bootstrap import Container
from shipshape.domain import sla
from shipshape.domain.access import ROLE_PERMISSIONS, Permission
from shipshape.services import desk
from shipshape.services.auth import Principal
from shipshape.services.delivery import replay


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    CLOSED = "closed"


def may(who: Principal) -> Callable[[Permission], bool]:
    held = ROLE_PERMISSIONS[who.role]
    return lambda permission: permission in held


def actions_of(c: Container, who: Principal, row: RowMapping) -> list[str]:
    return desk.available_actions(c.deps, row["id"], may(who))


def retrier(c: Container) -> desk.Retrier:
    def retry(case_id: str, actor: str) -> tuple[bool, str]:
        letter = desk_queries.open_letter_of_case(c.engine, case_id)
        if letter is None:
            return False, f"case {case_id} has no open dead letter"
        result = replay.replay(c.deps, c.consumers, letter, actor)
        said = f"dead letter {letter}: {result.outcome} {result.detail}".strip()
        return result.outcome == "replayed", said
    return retry


def sla_of(c: Container) -> Callable[[RowMapping], dict[str, Any]]:
    """A case row's clock now, on its owner team's business calendar."""
    now, desk_calendars = c.deps.clock.now(), c.deps.desk

    def clock(row: RowMapping) -> dict[str, Any]:
        state = sla.clock_of(
            status=row["status"], opened_at=row["opened_at"], sla_due_at=row["sla_due_at"],
            sla_budget_s=row["sla_budget_s"], paused_at=row["paused_at"],
            paused_s=row["paused_s"], waiting_on=row["waiting_on"], now=now,
            calendar=desk_calendars.of(row["owner_team"]),
            at_risk_share=desk_calendars.at_risk_share, resolved_at=row["resolved_at"])
        return {"state": state.state, "due_at": state.due_at.isoformat(),
                "remaining_s": state.remaining_s,
                "consumed_share": round(state.consumed_share, 4), "paused": state.paused,
                "waiting_on": state.waiting_on}
    return clock
