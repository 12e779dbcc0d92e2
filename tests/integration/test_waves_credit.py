"""A credit hold that arrives once orders are with the warehouse: the order is held with a
`CREDIT_HOLD_AFTER_RELEASE` case and the WMS is asked to stop its tasks, once; never shipped
silently, even when the hold lands while a wave is being checked."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from shipshape.bootstrap import Container
from shipshape.services.delivery import inbound
from shipshape.services.release import release_in, release_wave
from tests.conftest import BACKENDS
from tests.worlds.waves import App, cases_of, place, status_of, wms
from tests.worlds.worker import events, work_until

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def hold(container: Container, webhook_id: str, at: datetime, on_hold: bool = True) -> str:
    body = {"type": "credit_status_changed", "occurred_at": at.isoformat(),
            "data": {"customer_id": "C1", "on_hold": on_hold}}
    event = inbound.parse_event("erp", webhook_id, body)
    answer = inbound.receive_event(container.deps, container.ownership, event,
                                   json.dumps(body).encode())
    return str(answer.answer.body["outcome"])


def test_a_credit_hold_after_release_holds_the_order_and_stops_the_warehouse_once(
    app: App,
) -> None:
    container, _ = app
    released = place(app, 1)
    release_wave(container.deps, "DAL")
    waiting = place(app, 2)

    assert hold(container, "hold-1", T0) == "applied"
    assert hold(container, "hold-1", T0) == "applied"  # a resend: the first answer, no effect

    assert status_of(container, released) == "held"
    assert status_of(container, waiting) == "accepted"  # the pre-wave check will catch it
    [case] = cases_of(container, released)
    assert (case.code, case.kind, case.owner_team, case.stage, case.blocking, case.site_id,
            case.source_system) == ("CREDIT_HOLD_AFTER_RELEASE", "business", "credit",
                                    "release", True, "DAL", "erp")
    [cancel] = events(container, "TaskCancelRequested")
    assert (cancel.order_id, cancel.payload["sites"], cancel.payload["case_id"]) == (
        released, ["DAL"], case.id)
    work_until(container, lambda: wms(container).applied_count("task_cancel") == 1)
    work_until(container, lambda: True)
    assert wms(container).applied_count("task_cancel") == 1
    assert wms(container).applied_count("wave_release") == 1

    wave = release_wave(container.deps, "DAL")
    assert [(p.order_id, p.codes) for p in wave.pulled] == [(waiting, ("CREDIT_HOLD",))]
    assert hold(container, "hold-2", T0 + timedelta(minutes=1), on_hold=False) == "applied"
    assert len(cases_of(container, released)) == 1


def test_a_hold_arriving_while_a_wave_is_checked_still_stops_the_order(
    app: App,
) -> None:
    """The wave read the customer before the hold committed: the hold's effect waits for the
    wave's locks, then finds the order released and stops it."""
    container, _ = app
    order_id = place(app, 1)
    outcome: list[str] = []
    with container.deps.uow() as uow:
        assert uow.waves.lock_due("DAL", 10) == [order_id]
        late_hold = threading.Thread(target=lambda: outcome.append(
            hold(container, "hold-1", T0)))
        late_hold.start()
        late_hold.join(0.5)
        assert late_hold.is_alive(), "the hold should wait for the wave's lock"
        wave = release_in(container.deps, uow, "DAL", 10, "demand")
        uow.commit()
    late_hold.join(30)

    assert wave.released == (order_id,) and outcome == ["applied"]
    assert status_of(container, order_id) == "held"
    assert [c.code for c in cases_of(container, order_id)] == ["CREDIT_HOLD_AFTER_RELEASE"]
    assert [e.order_id for e in events(container, "TaskCancelRequested")] == [order_id]
