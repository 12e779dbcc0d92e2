"""Compensation: a failure at step k undoes the steps before k once each, in reverse order,
also when the worker dies in between (then `resume` finishes). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.domain.errors import Conflict
from shipshape.services.compensation import (
    Saga,
    SagaOutcome,
    Step,
    StepContext,
    resume,
    run_saga,
)
from shipshape.services.ports.connectors import ConnectorRejected, ConnectorUnavailable
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

KIND = "ship_order"
NAMES = ("reserve", "tender", "charge", "notify")
PARAMS: Mapping[str, object] = {"order_id": "ORD-1", "amount": "12.50", "lines": [1, 2]}


class WorkerDied(BaseException):
    """The process went away: nothing after this point ran."""


class Fault:
    """Raises `error` on the first `times` calls, before or after the external effect."""

    def __init__(self, error: BaseException, after_effect: bool = False, times: int = 1) -> None:
        self.error = error
        self.after_effect = after_effect
        self.times = times

    def fire(self, after_effect: bool) -> None:
        if after_effect == self.after_effect and self.times > 0:
            self.times -= 1
            raise self.error


class External:
    """The other system: applies each idempotency key once and answers a repeat as the first
    time. `calls` are all calls; `effects` the keys that took effect, in order."""

    def __init__(self) -> None:
        self.answers: dict[str, dict[str, object]] = {}
        self.calls: list[str] = []
        self.effects: list[str] = []
        self.params: list[Mapping[str, object]] = []

    def apply(self, ctx: StepContext) -> dict[str, object]:
        self.calls.append(ctx.idempotency_key)
        self.params.append(ctx.params)
        if ctx.idempotency_key not in self.answers:
            self.answers[ctx.idempotency_key] = {"ref": f"R{len(self.answers) + 1}"}
            self.effects.append(ctx.idempotency_key)
        return self.answers[ctx.idempotency_key]

    def undone(self) -> list[str]:
        return [key.split(":")[1] for key in self.effects if key.endswith(":undo")]

    def done(self) -> list[str]:
        return [key.split(":")[1] for key in self.effects if not key.endswith(":undo")]


def step(ext: External, name: str, faults: dict[str, Fault]) -> Step:
    def do(ctx: StepContext) -> Mapping[str, object]:
        fault = faults.get(name)
        if fault:
            fault.fire(after_effect=False)
        answer = ext.apply(ctx)
        if fault:
            fault.fire(after_effect=True)
        return answer

    def undo(ctx: StepContext, data: Mapping[str, object]) -> None:
        assert data == ext.answers[f"{ctx.saga_id}:{name}"]
        fault = faults.get(f"{name}:undo")
        if fault:
            fault.fire(after_effect=False)
        ext.apply(ctx)
        if fault:
            fault.fire(after_effect=True)

    return Step(name, do, undo)


def saga(ext: External, **faults: Fault) -> Saga:
    """The four steps; `faults` keyed by step name, or `name__undo` for its undo."""
    by_name = {key.replace("__", ":"): fault for key, fault in faults.items()}
    return Saga(KIND, tuple(step(ext, name, by_name) for name in NAMES))


def stored(container: Container, saga_id: str = "S1") -> tuple[str, str, dict[str, str]]:
    """The saga's status and error and the status of each real step, as the store has them."""
    with container.engine.connect() as conn:
        row = conn.execute(select(t.sagas).where(t.sagas.c.id == saga_id)).one()
        steps = conn.execute(select(t.saga_steps).where(t.saga_steps.c.saga_id == saga_id,
                                                        t.saga_steps.c.step_no > 0)).all()
    return row.status, row.error, {s.name: s.status for s in steps}


def run(container: Container, definition: Saga, saga_id: str = "S1") -> SagaOutcome:
    return run_saga(container.deps, definition, saga_id, PARAMS)


def rejected(reason: str = "no") -> ConnectorRejected:
    return ConnectorRejected("tms", "tender", reason, status=422)


def test_all_steps_succeed(container: Container) -> None:
    ext = External()
    got = run(container, saga(ext))
    assert (got.status, got.failed_step, got.compensated) == ("completed", "", ())
    assert ext.done() == list(NAMES) and ext.undone() == []
    assert stored(container) == ("completed", "", dict.fromkeys(NAMES, "done"))
    assert all(p == PARAMS for p in ext.params)


def test_failure_at_step_3_undoes_2_then_1(container: Container) -> None:
    ext = External()
    got = run(container, saga(ext, charge=Fault(rejected("card declined"), times=9)))
    assert got.status == "compensated"
    assert (got.failed_step, got.compensated) == ("charge", ("tender", "reserve"))
    assert "card declined" in got.error
    assert ext.effects == ["S1:reserve", "S1:tender", "S1:tender:undo", "S1:reserve:undo"]
    assert ext.calls == ext.effects
    status, error, steps = stored(container)
    assert (status, steps) == ("compensated", {"reserve": "compensated",
                                               "tender": "compensated"})
    assert error.startswith("charge:") and "card declined" in error
    assert resume(container.deps, {KIND: saga(ext)}) == []


def test_failure_at_step_1_has_nothing_to_undo(container: Container) -> None:
    ext = External()
    got = run(container, saga(ext, reserve=Fault(ConnectorUnavailable("wms", "r", "down"))))
    assert (got.status, got.failed_step, got.compensated) == ("compensated", "reserve", ())
    assert ext.calls == []
    assert stored(container)[::2] == ("compensated", {})


def test_worker_dies_during_compensation_and_resume_finishes(container: Container) -> None:
    ext = External()
    dying = saga(ext, notify=Fault(rejected(), times=9),
                 tender__undo=Fault(WorkerDied(), after_effect=True))
    with pytest.raises(WorkerDied):
        run(container, dying)
    assert stored(container)[::2] == ("compensating", {
        "reserve": "done", "tender": "compensating", "charge": "compensated"})

    got = resume(container.deps, {KIND: dying})
    assert [(o.saga_id, o.status, o.failed_step) for o in got] == [
        ("S1", "compensated", "notify")]
    assert got[0].compensated == ("charge", "tender", "reserve")
    assert ext.undone() == ["charge", "tender", "reserve"]
    assert ext.calls.count("S1:tender:undo") == 2
    assert stored(container)[::2] == ("compensated", dict.fromkeys(NAMES[:3], "compensated"))
    assert resume(container.deps, {KIND: dying}) == []


def test_worker_dies_after_do_before_done_is_recorded(container: Container) -> None:
    ext = External()
    dying = saga(ext, tender=Fault(WorkerDied(), after_effect=True))
    with pytest.raises(WorkerDied):
        run(container, dying)
    assert stored(container)[::2] == ("running", {"reserve": "done"})

    got = resume(container.deps, {KIND: dying})
    assert [o.status for o in got] == ["completed"]
    assert ext.calls.count("S1:tender") == 2
    assert ext.done() == list(NAMES)
    assert ext.calls.count("S1:reserve") == 1
    assert all(p == PARAMS for p in ext.params), "params come back from the store"


def test_retryable_undo_failure_waits_for_resume(container: Container) -> None:
    ext = External()
    flaky = saga(ext, charge=Fault(rejected(), times=9),
                 reserve__undo=Fault(ConnectorUnavailable("wms", "release", "timeout")))
    got = run(container, flaky)
    assert (got.status, got.compensated) == ("compensating", ("tender",))
    assert "timeout" in got.undo_error
    assert stored(container)[::2] == ("compensating", {"reserve": "compensating",
                                                       "tender": "compensated"})

    again = resume(container.deps, {KIND: flaky})
    assert [(o.status, o.compensated, o.undo_error) for o in again] == [
        ("compensated", ("tender", "reserve"), "")]
    assert ext.undone() == ["tender", "reserve"]


def test_final_undo_failure_marks_the_saga_failed(container: Container) -> None:
    ext = External()
    broken = saga(ext, notify=Fault(rejected(), times=9),
                  tender__undo=Fault(rejected("already shipped"), times=9))
    got = run(container, broken)
    assert (got.status, got.failed_step, got.compensated) == ("failed", "notify", ("charge",))
    assert "already shipped" in got.undo_error
    status, error, steps = stored(container)
    assert (status, steps) == ("failed", {"reserve": "done", "tender": "compensating",
                                          "charge": "compensated"})
    assert "already shipped" in error
    assert resume(container.deps, {KIND: broken}) == []
    assert ext.undone() == ["charge"]


def test_running_the_same_saga_twice_redoes_nothing(container: Container) -> None:
    ext = External()
    first = run(container, saga(ext))
    second = run(container, saga(ext))
    assert first == second
    assert ext.calls == [f"S1:{name}" for name in NAMES]

    failing = saga(ext, tender=Fault(rejected(), times=9))
    assert run(container, failing, "S2").status == "compensated"
    calls = len(ext.calls)
    assert run(container, failing, "S2").compensated == ("reserve",)
    assert len(ext.calls) == calls


def test_resume_continues_only_unfinished_sagas_of_the_kinds_given(container: Container) -> None:
    ext = External()
    run(container, saga(ext), "DONE")
    with pytest.raises(WorkerDied):
        run(container, saga(ext, charge=Fault(WorkerDied())), "HALF")
    assert resume(container.deps, {"other_kind": saga(ext)}) == []
    got = resume(container.deps, {KIND: saga(ext)})
    assert [(o.saga_id, o.status) for o in got] == [("HALF", "completed")]


def test_a_changed_definition_is_refused_on_resume(container: Container) -> None:
    ext = External()
    with pytest.raises(WorkerDied):
        run(container, saga(ext, charge=Fault(WorkerDied())))
    renamed = Saga(KIND, (saga(ext).steps[1], *saga(ext).steps))
    with pytest.raises(Conflict, match="reserve"):
        resume(container.deps, {KIND: renamed})
    assert stored(container)[::2] == ("running", {"reserve": "done", "tender": "done"})
