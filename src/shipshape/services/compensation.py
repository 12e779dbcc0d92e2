"""Multi-step operations that undo what they did when a later step fails (sagas).

A `Saga` is a kind and an ordered tuple of `Step`s. `run_saga` records the saga, then runs
each step's `do` **outside any transaction** (it talks to another system) and, in one unit of
work after it returns, records the step as done with the data its `undo` will need (say the
reference the other system gave). When step k raises, the saga becomes *compensating*
(recorded with the error) and every done step before k is undone, once each, in reverse
order: the step is recorded *compensating* (commit), its `undo` is called, and it is recorded
*compensated* (commit). The saga then ends *compensated*. The failed step itself is not
undone: its `do` must either take effect or raise (a `do` that cannot tell must clean up after
itself). Every state change is a committed row in the `SagaStore`.

**Idempotency keys.** `do` gets `f"{saga_id}:{name}"`, `undo` `f"{saga_id}:{name}:undo"`; the
other system must apply each key once, because a worker can die between a side effect and the
row that records it, and `resume` then makes the same call again: a `do` whose *done* was never
recorded runs again; an `undo` left *compensating* is called again, then the steps before it.

**Failing undos.** A retryable error (`ConnectorUnavailable`, an exhausted retry policy whose
last error was retryable, `RetryLater`, timeouts) stops compensation and leaves the saga
*compensating*; a later `resume` finishes it. A final error (`ConnectorRejected`, anything
else) marks the saga *failed* with the error and leaves the remaining steps as they are
(*done*, and the rejected one *compensating*): the other systems now disagree with each other
and only a person can decide, so the caller opens an exception case from the outcome.

**The saga's input.** `params` (JSON values) are stored with the saga, because `resume` must
call the steps with them after a restart: `SagaStore` has no column for them, so they live in
the data of a header row, step number 0 named `_saga`, next to which step failed and why
(`failed_step`, `error`, `undo_error`). Real steps are numbered from 1.

One worker should resume a given kind at a time; two at once stay correct in effect (same
keys), but undos could then reach the other system out of order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from shipshape.domain.errors import Conflict, NotFound
from shipshape.services.delivery.consume import RETRYABLE
from shipshape.services.deps import Deps
from shipshape.services.ports import SagaStep, SagaStore
from shipshape.services.ports.connectors import ConnectorError, ConnectorExhausted

RUNNING, COMPENSATING, COMPENSATED = "running", "compensating", "compensated"
COMPLETED, FAILED, DONE = "completed", "failed", "done"
HEADER_NO, HEADER_NAME = 0, "_saga"


@dataclass(frozen=True, slots=True)
class StepContext:
    saga_id: str
    step_name: str
    idempotency_key: str
    """`saga_id:name` for do, `saga_id:name:undo` for undo: the other system applies it once."""
    params: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    do: Callable[[StepContext], Mapping[str, object]]
    """Performs the step; returns (JSON) what `undo` needs, e.g. the other system's reference."""
    undo: Callable[[StepContext, Mapping[str, object]], None]


@dataclass(frozen=True, slots=True)
class Saga:
    kind: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class SagaOutcome:
    saga_id: str
    status: str
    """completed, compensated, compensating (an undo will be retried by `resume`) or failed."""
    failed_step: str = ""
    error: str = ""
    """Why `failed_step` failed."""
    compensated: tuple[str, ...] = ()
    """The steps undone, in the order they were undone."""
    undo_error: str = ""
    """Why compensation is not finished (compensating or failed)."""


@dataclass(frozen=True, slots=True)
class _State:
    saga_id: str
    status: str
    header: Mapping[str, object]
    steps: tuple[SagaStep, ...]
    """The recorded steps from number 1, in order."""

    @property
    def params(self) -> Mapping[str, object]:
        params = self.header.get("params")
        return params if isinstance(params, dict) else {}

    def text(self, key: str) -> str:
        return str(self.header.get(key, ""))


def run_saga(deps: Deps, saga: Saga, saga_id: str, params: Mapping[str, object]) -> SagaOutcome:
    """Run `saga` as `saga_id`; an id seen before is resumed with its stored params (the ones
    given now are ignored), so running it twice never redoes completed work."""
    _start(deps, saga, saga_id, params)
    return _drive(deps, saga, saga_id)


def resume(deps: Deps, sagas: Mapping[str, Saga]) -> list[SagaOutcome]:
    """Finish every running or compensating saga of the kinds given (keyed by kind), e.g.
    when a worker restarts: a running saga goes on from its first step not done (a step whose
    *done* was never recorded runs again with the same idempotency key, so its side effect must
    be idempotent by that key); a compensating one undoes the steps not yet compensated."""
    return [_drive(deps, saga, saga_id)
            for kind, saga in sagas.items() for saga_id in _unfinished(deps, kind)]


def _unfinished(deps: Deps, kind: str) -> list[str]:
    with deps.uow.reading() as uow:
        return uow.sagas.unfinished(kind)


def _start(deps: Deps, saga: Saga, saga_id: str, params: Mapping[str, object]) -> None:
    header = {"params": dict(params), "failed_step": "", "error": "", "undo_error": ""}
    with deps.uow() as uow:
        now = deps.clock.now()
        if uow.sagas.start(saga_id, saga.kind, now):
            uow.sagas.record_step(SagaStep(saga_id, HEADER_NO, HEADER_NAME, DONE, header), now)
            uow.commit()


def _drive(deps: Deps, saga: Saga, saga_id: str) -> SagaOutcome:
    state = _load(deps, saga_id)
    _check_names(saga, state)
    if state.status == RUNNING:
        return _forward(deps, saga, state)
    if state.status == COMPENSATING:
        return _compensate(deps, saga, state)
    return _outcome(state)


def _load(deps: Deps, saga_id: str) -> _State:
    with deps.uow.reading() as uow:
        status = uow.sagas.status(saga_id)
        rows = uow.sagas.steps(saga_id)
    if status is None:
        raise NotFound(f"saga {saga_id} does not exist")
    header = next((row.data for row in rows if row.step_no == HEADER_NO), {})
    steps = tuple(row for row in rows if row.step_no > HEADER_NO)
    return _State(saga_id, status, header, steps)


def _check_names(saga: Saga, state: _State) -> None:
    names = [step.name for step in saga.steps]
    for row in state.steps:
        if row.step_no > len(names) or names[row.step_no - 1] != row.name:
            raise Conflict(f"saga {state.saga_id}: step {row.step_no} {row.name!r} was "
                           f"recorded, but {saga.kind} does not define it there")


def _context(state: _State, name: str, suffix: str = "") -> StepContext:
    return StepContext(state.saga_id, name, f"{state.saga_id}:{name}{suffix}", state.params)


def _forward(deps: Deps, saga: Saga, state: _State) -> SagaOutcome:
    done = {row.step_no for row in state.steps}
    for step_no, step in enumerate(saga.steps, start=1):
        if step_no in done:
            continue
        try:
            data = step.do(_context(state, step.name))
        except Exception as error:
            return _compensate(deps, saga, _fail(deps, state, step.name, error))
        _record(deps, SagaStep(state.saga_id, step_no, step.name, DONE, dict(data)))
    return _finish(deps, state.saga_id, COMPLETED)


def _fail(deps: Deps, state: _State, name: str, error: Exception) -> _State:
    """The saga becomes compensating, recorded with the step that failed and why."""
    with deps.uow() as uow:
        now = deps.clock.now()
        uow.sagas.set_status(state.saga_id, COMPENSATING, now, f"{name}: {error}")
        _update_header(uow.sagas, state.saga_id, now, failed_step=name, error=str(error))
        uow.commit()
    return _load(deps, state.saga_id)


def _compensate(deps: Deps, saga: Saga, state: _State) -> SagaOutcome:
    for row in reversed(state.steps):
        if row.status == COMPENSATED:
            continue
        error = _undo(deps, saga.steps[row.step_no - 1], state, row)
        if error is not None:
            return _undo_failed(deps, state, row.name, error)
    return _finish(deps, state.saga_id, COMPENSATED)


def _undo(deps: Deps, step: Step, state: _State, row: SagaStep) -> Exception | None:
    """Undo one step between two commits; the error of the undo, None when it took effect."""
    _record(deps, replace(row, status=COMPENSATING))
    try:
        step.undo(_context(state, step.name, ":undo"), row.data)
    except Exception as error:
        return error
    _record(deps, replace(row, status=COMPENSATED))
    return None


def _undo_failed(deps: Deps, state: _State, name: str, error: Exception) -> SagaOutcome:
    """Retryable: stay compensating for `resume`. Final: failed, for a person to settle."""
    status = COMPENSATING if _retryable(error) else FAILED
    text = f"undo of {name}: {error}"
    with deps.uow() as uow:
        now = deps.clock.now()
        uow.sagas.set_status(state.saga_id, status, now, text)
        _update_header(uow.sagas, state.saga_id, now, undo_error=text)
        uow.commit()
    return _outcome(_load(deps, state.saga_id))


def _retryable(error: Exception) -> bool:
    if isinstance(error, ConnectorExhausted):
        return error.last.retryable
    if isinstance(error, ConnectorError):
        return error.retryable
    return isinstance(error, RETRYABLE)


def _finish(deps: Deps, saga_id: str, status: str) -> SagaOutcome:
    """Completed or compensated; a compensated saga keeps the error of the step that failed."""
    state = _load(deps, saga_id)
    error = f"{state.text('failed_step')}: {state.text('error')}" if status == COMPENSATED else ""
    with deps.uow() as uow:
        now = deps.clock.now()
        uow.sagas.set_status(saga_id, status, now, error)
        _update_header(uow.sagas, saga_id, now, undo_error="")
        uow.commit()
    return _outcome(_load(deps, saga_id))


def _record(deps: Deps, step: SagaStep) -> None:
    with deps.uow() as uow:
        uow.sagas.record_step(step, deps.clock.now())
        uow.commit()


def _update_header(store: SagaStore, saga_id: str, at: datetime, **changes: str) -> None:
    header = next((row for row in store.steps(saga_id) if row.step_no == HEADER_NO),
                  SagaStep(saga_id, HEADER_NO, HEADER_NAME, DONE, {}))
    store.record_step(replace(header, data={**header.data, **changes}), at)


def _outcome(state: _State) -> SagaOutcome:
    undone = tuple(row.name for row in reversed(state.steps) if row.status == COMPENSATED)
    return SagaOutcome(state.saga_id, state.status, state.text("failed_step"),
                       state.text("error"), undone, state.text("undo_error"))
