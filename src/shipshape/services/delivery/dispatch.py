"""A worker's deliveries, a fetched batch at a time: every handler's share of the batch applied
in one transaction, one commit for all, then every delivery settled.

For a batch of deliveries: the inbox is read once for the events whose handlers call another
system (`prepare` is skipped for what was applied before); each handler prepares, in delivery
order, outside any transaction; then one unit of work records every (consumer, event id) in the
inbox with its effects (or its dead letter) and commits. If anything in that transaction fails,
it is rolled back and each (delivery, handler) is applied again in a transaction of its own
with what it prepared (`consume.apply_prepared`), so a failing event costs the others nothing
but the retry, and its own errors are sorted as `consume` describes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from shipshape.services.delivery.consume import (
    RETRYABLE,
    ApplyFn,
    ConsumeResult,
    FunctionHandler,
    Handler,
    RetryLater,
    Unsettled,
    after_commit,
    apply_in,
    apply_prepared,
    as_handler,
)
from shipshape.services.delivery.dead_letters import record_dead_letter
from shipshape.services.deps import Deps
from shipshape.services.ports.messaging import ConsumerPolicy, Delivery, Transport

log = logging.getLogger(__name__)
DEFAULT_FETCH_TIMEOUT_S = 1.0
UNSTORED_RETRY_S = 10.0
"""Nak delay after the store failed to take a dead letter, when the policy has no backoff."""
FINAL_ERROR_DELAY_S = 0.001
"""Nak delay after a final error: redeliver at once (0 would mean "use the backoff")."""


@dataclass(frozen=True, slots=True)
class _Task:
    """One handler's share of one delivery."""

    delivery: Delivery
    consumer: str
    handler: Handler


@dataclass(frozen=True, slots=True)
class _Verdict:
    outcome: str
    nak_delay_s: float | None
    """None: done with the delivery; else redeliver after this delay (0: the backoff)."""


def consume_once(deps: Deps, transport: Transport, consumer: str, subjects: Sequence[str],
                 handler: Handler | ApplyFn, policy: ConsumerPolicy | None = None,
                 batch: int = 10, timeout_s: float = DEFAULT_FETCH_TIMEOUT_S,
                 durable: str | None = None) -> ConsumeResult:
    """Fetch up to `batch` deliveries for one handler. `consumer` names it in the inbox and the
    dead letters; `durable` the transport's durable consumer (default: the same)."""
    return dispatch_once(deps, transport, durable or consumer, subjects,
                         {consumer: as_handler(handler)}, policy, batch, timeout_s)


def dispatch_once(deps: Deps, transport: Transport, durable: str, subjects: Sequence[str],
                  handlers: Mapping[str, Handler], policy: ConsumerPolicy | None = None,
                  batch: int = 10, timeout_s: float = DEFAULT_FETCH_TIMEOUT_S) -> ConsumeResult:
    """Fetch up to `batch` deliveries of one durable consumer and give each to every handler
    that wants it, each with its own inbox row, so one delivery serves all consumers. A delivery
    is acked when every handler is done with it (applied, already applied or dead-lettered) and
    nakked otherwise: on redelivery the handlers that applied it find it in their inbox and only
    the others run again."""
    policy = policy or ConsumerPolicy()
    unlimited = replace(policy, max_deliver=0)
    deliveries = transport.fetch(durable, subjects, batch, timeout_s, unlimited)
    result = ConsumeResult()
    if not deliveries:
        return result
    started = time.perf_counter()
    tasks = [_Task(delivery, name, handler) for delivery in deliveries
             for name, handler in handlers.items() if handler.wants(delivery.message)]
    verdicts = _verdicts(deps, tasks, policy)
    seconds = (time.perf_counter() - started) / max(len(tasks), 1)
    by_delivery: dict[int, list[tuple[_Task, _Verdict]]] = {}
    for task in tasks:
        by_delivery.setdefault(id(task.delivery), []).append((task, verdicts[id(task)]))
    for delivery in deliveries:
        mine = by_delivery.get(id(delivery), [])
        _settle(transport, delivery, [verdict for _, verdict in mine])
        if not mine:
            result.skipped += 1
        for task, verdict in mine:
            setattr(result, verdict.outcome, getattr(result, verdict.outcome) + 1)
            deps.metrics.consumed(task.consumer, verdict.outcome, seconds)
    return result


def _verdicts(deps: Deps, tasks: Sequence[_Task], policy: ConsumerPolicy) -> dict[int, _Verdict]:
    """Each task's verdict, by `id(task)`."""
    verdicts: dict[int, _Verdict] = {}
    live = []
    for task in tasks:
        if policy.max_deliver > 0 and task.delivery.attempt > policy.max_deliver:
            verdicts[id(task)] = _give_up(deps, task, policy, Unsettled(task.delivery.attempt))
        else:
            live.append(task)
    seen = _applied_before(deps, [task for task in live
                                  if not isinstance(task.handler, FunctionHandler)])
    prepared: dict[int, object] = {}
    for task in live:
        if (task.consumer, task.delivery.message.id) in seen:
            verdicts[id(task)] = _Verdict("duplicates", None)
            continue
        try:
            prepared[id(task)] = task.handler.prepare(task.delivery.message)
        except Exception as error:
            verdicts[id(task)] = _failed(deps, task, policy, error)
    ready = [task for task in live if id(task) in prepared]
    verdicts.update(_apply_together(deps, ready, prepared, policy))
    return verdicts


def _applied_before(deps: Deps, tasks: Sequence[_Task]) -> set[tuple[str, str]]:
    """The (consumer, event id) pairs of `tasks` that the inbox has already: one read."""
    if not tasks:
        return set()
    by_consumer: dict[str, list[str]] = {}
    for task in tasks:
        by_consumer.setdefault(task.consumer, []).append(task.delivery.message.id)
    with deps.uow.reading() as uow:
        return {(consumer, event_id) for consumer, ids in by_consumer.items()
                for event_id in uow.inbox.applied(consumer, ids)}


def _apply_together(deps: Deps, tasks: Sequence[_Task], prepared: Mapping[int, object],
                    policy: ConsumerPolicy) -> dict[int, _Verdict]:
    """Every task's effects in one transaction; each in its own if that one fails."""
    if not tasks:
        return {}
    try:
        with deps.uow() as uow:
            outcomes = {id(task): apply_in(deps, uow, task.consumer, task.handler,
                                           task.delivery.message, prepared[id(task)])
                        for task in tasks}
            uow.commit()
    except Exception as error:
        if len(tasks) == 1:
            return {id(tasks[0]): _failed(deps, tasks[0], policy, error)}
        log.info("a batch of %d deliveries failed together (%s: %s); applying them one by one",
                 len(tasks), type(error).__name__, error)
        return {id(task): _apply_alone(deps, task, prepared[id(task)], policy)
                for task in tasks}
    for task in tasks:
        after_commit(deps, task.consumer, outcomes[id(task)], prepared[id(task)])
    return {key: _Verdict(outcome, None) for key, outcome in outcomes.items()}


def _apply_alone(deps: Deps, task: _Task, prepared: object,
                 policy: ConsumerPolicy) -> _Verdict:
    try:
        return _Verdict(apply_prepared(deps, task.consumer, task.handler,
                                       task.delivery.message, prepared), None)
    except Exception as error:
        return _failed(deps, task, policy, error)


def _settle(transport: Transport, delivery: Delivery, verdicts: Sequence[_Verdict]) -> None:
    retries = [v.nak_delay_s for v in verdicts if v.outcome == "retried"]
    if retries:
        transport.nak(delivery, max(d or 0.0 for d in retries))
    elif any(v.nak_delay_s is not None for v in verdicts):
        transport.nak(delivery, FINAL_ERROR_DELAY_S)
    else:
        transport.ack(delivery)


def _failed(deps: Deps, task: _Task, policy: ConsumerPolicy, error: Exception) -> _Verdict:
    delivery, consumer = task.delivery, task.consumer
    message = delivery.message
    if policy.max_deliver > 0 and delivery.attempt >= policy.max_deliver:
        return _give_up(deps, task, policy, error)
    if isinstance(error, RETRYABLE):
        delay = error.delay_s if isinstance(error, RetryLater) else 0.0
        log.warning("%s: event %s (delivery %d) will be retried: %s", consumer, message.id,
                    delivery.attempt, error)
        return _Verdict("retried", delay)
    log.error("%s: event %s (delivery %d of %d) failed", consumer, message.id,
              delivery.attempt, policy.max_deliver, exc_info=error)
    return _Verdict("failed", FINAL_ERROR_DELAY_S)


def _give_up(deps: Deps, task: _Task, policy: ConsumerPolicy, error: Exception) -> _Verdict:
    """Store the event as a dead letter; if the store cannot, try again after a while."""
    outcome = _dead_letter(deps, task, error)
    if outcome is not None:
        return _Verdict(outcome, None)
    return _Verdict("retried", policy.backoff_s[-1] if policy.backoff_s else UNSTORED_RETRY_S)


def _dead_letter(deps: Deps, task: _Task, error: Exception) -> str | None:
    """dead_lettered, duplicates (the inbox has it already), or None: the store failed."""
    consumer, delivery = task.consumer, task.delivery
    try:
        with deps.uow() as uow:
            recorded = uow.inbox.record(consumer, delivery.message.id, deps.clock.now())
            if recorded:
                record_dead_letter(deps, uow, consumer, delivery.message, error,
                                   delivery.attempt)
            uow.commit()
    except Exception:
        log.exception("%s: could not store event %s as a dead letter; it will be delivered "
                      "again", consumer, delivery.message.id)
        return None
    if not recorded:
        return "duplicates"
    deps.metrics.dead_lettered(consumer, "")
    return "dead_lettered"
