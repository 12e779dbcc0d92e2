"""Routing, SLA clocks and escalation on a real store (SQLite): a new case is routed and given
a budget in business hours; its clock pauses and resumes; the sweep escalates it only as
business time runs out, never at night, each step a stored `ExceptionEscalated`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import ExceptionPaused, ExceptionResumed
from shipshape.domain.errors import Conflict, NotFound
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.masterdata import Customer
from shipshape.domain.sla import case_clock
from shipshape.services import cases, desk_clock, escalation

H = 3600
MONDAY_4PM = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # the default calendar: Mon-Fri 08-18 UTC
STRATEGIC = Customer("C1", "Acme", priority="strategic", segment="key")


def price_mismatch() -> Finding:
    return block("PRICE_MISMATCH", Kind.BUSINESS, Team.CUSTOMER_SERVICE, "price", line_nos=[1])


def opened(container: Container, finding: Finding | None = None,
           customer: Customer | None = STRATEGIC, at: datetime = MONDAY_4PM,
           promised: datetime | None = None) -> str:
    origin = CaseOrigin("ord_1", customer, Decimal("500"), promised, at, site_id="DAL")
    with container.deps.uow() as uow:
        case = cases.open_case(container.deps, uow, finding or price_mismatch(), origin)
        uow.events.append([case.event])
        uow.commit()
    return case.case.id


def row(container: Container, case_id: str) -> Any:
    c = t.exception_cases.c
    with container.engine.connect() as conn:
        return conn.execute(select(t.exception_cases).where(c.id == case_id)).one()


def escalations(container: Container, case_id: str) -> list[dict[str, Any]]:
    e = t.order_events.c
    with container.engine.connect() as conn:
        rows = conn.execute(select(e.payload).where(e.type == "ExceptionEscalated")
                            .order_by(e.occurred_at)).all()
    return [dict(r.payload) for r in rows if r.payload["case_id"] == case_id]


def test_a_new_case_is_routed_with_a_budget_in_business_hours(container: Container) -> None:
    case_id = opened(container)
    case = row(container, case_id)
    assert (case.owner_team, case.queue, case.priority, case.sla_budget_s) == (
        "customer_service", "customer_service", "high", 4 * H)
    # 2 business hours on Monday, 2 on Tuesday morning
    assert case.sla_due_at == datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert case.details["routing"] == container.deps.routing.version  # type: ignore[union-attr]
    assert case.rule_version == container.deps.rules.version
    failed = block("INVOICE_POST_FAILED", Kind.INTEGRATION, Team.FINANCE, "ERP said no")
    integration = row(container, opened(container, failed, customer=None))
    assert (integration.owner_team, integration.queue, integration.priority,
            integration.sla_budget_s) == ("finance", "integration", "high", 8 * H)


def test_the_promised_time_caps_the_due_time(container: Container) -> None:
    promised = MONDAY_4PM + timedelta(hours=1)
    case = row(container, opened(container, promised=promised))
    assert (case.sla_due_at, case.sla_budget_s) == (promised, 1 * H)


def test_a_due_time_passing_at_night_escalates_only_the_next_morning(
        container: Container) -> None:
    case_id = opened(container)  # 4 business hours from Monday 16:00
    # in wall time the 4 hours ran out at 20:00; no business time passed since 18:00
    for night in (datetime(2026, 3, 2, 21, tzinfo=UTC), datetime(2026, 3, 3, 3, tzinfo=UTC),
                  datetime(2026, 3, 3, 7, 59, tzinfo=UTC)):
        report = escalation.sweep(container.deps, night)
        assert (report.examined, report.cases) == (1, ())
    assert row(container, case_id).escalation_level == 0
    # Tuesday 09:00: 3 of 4 business hours used -> at risk -> notify
    report = escalation.sweep(container.deps, datetime(2026, 3, 3, 9, tzinfo=UTC))
    assert (report.cases, dict(report.steps)) == ((case_id,), {"notify": 1})
    case = row(container, case_id)
    assert (case.escalation_level, case.queue, case.priority) == (1, "customer_service", "high")
    assert escalation.sweep(container.deps, datetime(2026, 3, 3, 9, 30, tzinfo=UTC)).cases == ()
    # Tuesday 10:00: breached -> the supervisors' queue, one priority up
    report = escalation.sweep(container.deps, datetime(2026, 3, 3, 10, tzinfo=UTC))
    assert dict(report.steps) == {"reassign": 1, "raise_priority": 1}
    case = row(container, case_id)
    assert (case.escalation_level, case.queue, case.priority, case.assignee, case.status) == (
        2, "customer_service-supervisor", "urgent", None, "open")
    assert [(e["level"], e["step"], e["jeopardy"], e["queue"], e["priority"], e["actor"])
            for e in escalations(container, case_id)] == [
        (1, "notify", "at_risk", "customer_service", "high", "shipshape"),
        (2, "reassign", "breached", "customer_service-supervisor", "high", "shipshape"),
        (2, "raise_priority", "breached", "customer_service-supervisor", "urgent",
         "shipshape")]
    # the top level: nothing more, and the case is no longer swept
    assert escalation.sweep(container.deps, datetime(2026, 3, 4, 12, tzinfo=UTC)).examined == 0


def test_a_case_found_breached_takes_every_step_at_once(container: Container) -> None:
    case_id = opened(container)
    report = escalation.sweep(container.deps, datetime(2026, 3, 5, 12, tzinfo=UTC))
    assert dict(report.steps) == {"notify": 1, "reassign": 1, "raise_priority": 1}
    assert [e["step"] for e in escalations(container, case_id)] == [
        "notify", "reassign", "raise_priority"]


def pause(container: Container, case_id: str, at: datetime) -> ExceptionPaused:
    with container.deps.uow() as uow:
        event = desk_clock.pause_case(container.deps, uow, case_id, "customer", "agent-7",
                                      "asked for a new PO", at)
        uow.events.append([event])
        uow.commit()
    return event


def resume(container: Container, case_id: str, at: datetime) -> ExceptionResumed:
    with container.deps.uow() as uow:
        event = desk_clock.resume_case(container.deps, uow, case_id, "agent-7", at)
        uow.events.append([event])
        uow.commit()
    return event


def test_a_paused_case_is_not_escalated_and_its_due_time_moves_out(
        container: Container) -> None:
    case_id = opened(container)
    paused = pause(container, case_id, datetime(2026, 3, 2, 17, tzinfo=UTC))  # 1 h used
    assert (paused.waiting_on, paused.actor, paused.order_id) == ("customer", "agent-7", "ord_1")
    stored = row(container, case_id)
    assert (stored.paused_at, stored.waiting_on) == (
        datetime(2026, 3, 2, 17, tzinfo=UTC), "customer")
    assert escalation.sweep(container.deps, datetime(2026, 3, 4, 12, tzinfo=UTC)).cases == ()
    with pytest.raises(Conflict):
        pause(container, case_id, datetime(2026, 3, 3, 9, tzinfo=UTC))
    # resumed Wednesday 10:00: Monday 17-18, Tuesday 08-18, Wednesday 08-10 were paused
    resumed = resume(container, case_id, datetime(2026, 3, 4, 10, tzinfo=UTC))
    assert resumed.paused_s == 13 * H
    stored = row(container, case_id)
    assert (stored.paused_at, stored.waiting_on, stored.paused_s) == (None, None, 13 * H)
    assert stored.sla_due_at == datetime(2026, 3, 4, 13, tzinfo=UTC)  # 3 h left from 10:00
    assert escalation.sweep(container.deps, datetime(2026, 3, 4, 11, tzinfo=UTC)).cases == ()
    assert escalation.sweep(container.deps, datetime(2026, 3, 4, 12, tzinfo=UTC)).cases == (
        case_id,)
    with pytest.raises(Conflict):
        resume(container, case_id, datetime(2026, 3, 4, 12, tzinfo=UTC))


def test_a_new_sla_keeps_the_time_paused(container: Container) -> None:
    case_id = opened(container)
    pause(container, case_id, datetime(2026, 3, 2, 17, tzinfo=UTC))
    resume(container, case_id, datetime(2026, 3, 3, 8, tzinfo=UTC))  # paused 1 business hour
    with container.deps.uow() as uow:
        state = desk_clock.change_sla(container.deps, uow, case_id, "urgent", 2,
                                      datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
        uow.commit()
    stored = row(container, case_id)
    assert (stored.priority, stored.sla_budget_s, stored.paused_s) == ("urgent", 2 * H, 1 * H)
    # 1 h used of 2 (Monday 16-17) once the pause is left out: due Tuesday 09:00
    assert state.due_at == stored.sla_due_at == datetime(2026, 3, 3, 9, tzinfo=UTC)
    assert state.state == "at_risk" and state.remaining_s == 30 * 60


def test_the_clock_of_a_stored_case_and_unknown_or_closed_cases(container: Container) -> None:
    case_id = opened(container)
    with container.deps.uow() as uow:
        clock = uow.cases.clock(case_id, lock=False)
    assert clock is not None
    state = clock.at(datetime(2026, 3, 2, 17, tzinfo=UTC), container.deps.desk)
    assert (state.state, state.remaining_s, state.due_at) == (
        "on_track", 3 * H, datetime(2026, 3, 3, 10, tzinfo=UTC))
    with pytest.raises(NotFound):
        pause(container, "exc_nope", MONDAY_4PM)
    with container.deps.uow() as uow:
        assert uow.cases.resolve(case_id, "fixed", "done", "agent-7", MONDAY_4PM, False)
        uow.commit()
    with pytest.raises(Conflict):
        pause(container, case_id, MONDAY_4PM)
    assert escalation.sweep(container.deps, datetime(2026, 3, 9, tzinfo=UTC)).examined == 0


def test_case_clock_reads_a_whole_case(container: Container) -> None:
    origin = CaseOrigin("ord_9", STRATEGIC, Decimal("1"), None, MONDAY_4PM)
    with container.deps.uow() as uow:
        case = cases.open_case(container.deps, uow, price_mismatch(), origin).case
    state = case_clock(case, datetime(2026, 3, 3, 9, tzinfo=UTC), container.deps.desk)
    assert (state.state, state.consumed_share) == ("at_risk", 0.75)
