"""Consuming events exactly once in effect: at-least-once delivery plus an inbox.

For each delivery, one unit of work records (consumer, event id) in the inbox and applies the
handler; both commit together, and only then is the delivery acked. An event already in the
inbox is acked with no effects, so a redelivery (after a lost ack, a crash before the ack, or
a relay that published twice) changes nothing. A crash before the commit leaves neither the
effects nor the inbox row, and the transport delivers again.

A handler may first `prepare` outside any transaction (a call to another system, which must
not hold the store's locks) and then `apply` the outcome in the unit of work. `prepare` is
skipped for an event the inbox has already; under a race both copies may prepare, which is why
calls to other systems carry the event id as their idempotency key.

**Errors of the handler** (its unit of work is rolled back, no inbox row is written):

* *retryable*: `RetryLater`, `ConcurrencyConflict`, `TimeoutError`, `ConnectionError`. The
  delivery is nakked with the policy's backoff (or the delay `RetryLater` names);
* *anything else* is final: logged with its traceback and nakked for redelivery at once, so
  that it runs through its remaining deliveries quickly without holding up the messages behind
  it for the whole backoff.

On the last delivery the policy allows, a failing event becomes a **dead letter** in the store
(the message, the error, the attempts) with an `INTEGRATION_FAILURE` case, in the transaction
that records it in the inbox, and is acked: it is visible, `shipshape dlq replay` can apply it
later, and the events behind it go on. A delivery beyond the last (the worker stopped while it
held the earlier ones) is stored as a dead letter without running the handler again. If the
store cannot take the dead letter (a full disk), the delivery is nakked with the longest backoff
and tried again, never dropped: the transport is asked for unlimited deliveries, so the store
alone decides when an event is given up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from shipshape.domain.errors import ConcurrencyConflict, ShipshapeError
from shipshape.services.delivery.dead_letters import Failed, record_dead_letter
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import ConsumerPolicy, Delivery, Message, Transport

log = logging.getLogger(__name__)
DEFAULT_FETCH_TIMEOUT_S = 1.0
UNSTORED_RETRY_S = 10.0
"""Nak delay after the store failed to take a dead letter, when the policy has no backoff."""
FINAL_ERROR_DELAY_S = 0.001
"""Nak delay after a final error: redeliver at once (0 would mean "use the backoff")."""

ApplyFn = Callable[[UnitOfWork, Message], None]
"""Applies one message through the unit of work it is given; it must not commit."""


class Handler(Protocol):
    def wants(self, message: Message) -> bool:
        """False: the event is acked untouched (no inbox row, no effects). Decided by the
        message's id, subject, key and headers alone: delivery accounting asks it without the
        body (`services/delivery.py`)."""
        ...

    def prepare(self, message: Message) -> object:
        """Work outside the transaction (calls to other systems); its result goes to `apply`."""
        ...

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None: ...


class FunctionHandler:
    """A `Handler` that only applies (no preparation, every event wanted)."""

    def __init__(self, fn: ApplyFn) -> None:
        self._fn = fn

    def wants(self, message: Message) -> bool:
        return True

    def prepare(self, message: Message) -> object:
        return None

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        self._fn(uow, message)


class RetryLater(ShipshapeError):
    """Raised by a handler when the cause should pass (a system down, a lock held)."""

    def __init__(self, reason: str, delay_s: float = 0.0) -> None:
        super().__init__(reason)
        self.delay_s = delay_s


RETRYABLE: tuple[type[BaseException], ...] = (
    RetryLater, ConcurrencyConflict, TimeoutError, ConnectionError)


class Unsettled(ShipshapeError):
    """An event delivered more often than the policy allows without being settled."""

    def __init__(self, attempt: int) -> None:
        super().__init__(f"delivered {attempt} times without being settled (did the worker "
                         "stop while handling it?)")


@dataclass(slots=True)
class ConsumeResult:
    applied: int = 0
    """Deliveries whose effects were committed now."""
    duplicates: int = 0
    """Deliveries of events the inbox already had: acked with no effects."""
    skipped: int = 0
    """Events the handler does not want: acked untouched."""
    retried: int = 0
    """Retryable errors: nakked with backoff."""
    failed: int = 0
    """Final errors: nakked for quick redelivery."""
    dead_lettered: int = 0
    """Failures on the last delivery: stored as dead letters and acked."""

    @property
    def fetched(self) -> int:
        return (self.applied + self.duplicates + self.skipped + self.retried + self.failed
                + self.dead_lettered)

    def add(self, other: ConsumeResult) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def as_handler(handler: Handler | ApplyFn) -> Handler:
    return FunctionHandler(handler) if callable(handler) else handler


def consume_once(deps: Deps, transport: Transport, consumer: str, subjects: Sequence[str],
                 handler: Handler | ApplyFn, policy: ConsumerPolicy | None = None,
                 batch: int = 10, timeout_s: float = DEFAULT_FETCH_TIMEOUT_S,
                 durable: str | None = None) -> ConsumeResult:
    """Fetch up to `batch` deliveries and handle each in a unit of work. `consumer` names the
    consumer in the inbox and the dead letters; `durable` the transport's durable consumer
    (default: the same)."""
    return dispatch_once(deps, transport, durable or consumer, subjects,
                         {consumer: as_handler(handler)}, policy, batch, timeout_s)


def dispatch_once(deps: Deps, transport: Transport, durable: str, subjects: Sequence[str],
                  handlers: Mapping[str, Handler], policy: ConsumerPolicy | None = None,
                  batch: int = 10, timeout_s: float = DEFAULT_FETCH_TIMEOUT_S) -> ConsumeResult:
    """Fetch up to `batch` deliveries of one durable consumer and give each to every handler
    that wants it, each with its own inbox row, so one delivery serves all consumers. The
    delivery is acked when every handler is done with it (applied, already applied or
    dead-lettered) and nakked otherwise: on redelivery the handlers that applied it find it in
    their inbox and only the others run again."""
    policy = policy or ConsumerPolicy()
    result = ConsumeResult()
    unlimited = replace(policy, max_deliver=0)
    for delivery in transport.fetch(durable, subjects, batch, timeout_s, unlimited):
        verdicts = [_verdict(deps, name, handler, delivery, policy)
                    for name, handler in handlers.items() if handler.wants(delivery.message)]
        _settle(transport, delivery, verdicts)
        for verdict in verdicts or [_Verdict("", "skipped", None, 0.0)]:
            setattr(result, verdict.outcome, getattr(result, verdict.outcome) + 1)
            if verdict.consumer:
                deps.metrics.consumed(verdict.consumer, verdict.outcome, verdict.seconds)
    return result


def apply_once(deps: Deps, consumer: str, handler: Handler | ApplyFn, message: Message) -> bool:
    """Prepare and apply `message` with its inbox record in one transaction; False (no effects)
    if the inbox has it already."""
    return _apply(deps, consumer, as_handler(handler), message) != "duplicates"


def _apply(deps: Deps, consumer: str, handler: Handler, message: Message) -> str:
    """applied, duplicates, or dead_lettered (`prepare` returned `Failed`)."""
    if _seen(deps, consumer, message.id):
        return "duplicates"
    prepared = handler.prepare(message)
    with deps.uow() as uow:
        if not uow.inbox.record(consumer, message.id, deps.clock.now()):
            return "duplicates"
        if isinstance(prepared, Failed):
            record_dead_letter(deps, uow, consumer, message, prepared.error, prepared.attempts,
                               prepared.system, prepared.operation)
        else:
            handler.apply(uow, message, prepared)
        uow.commit()
    if isinstance(prepared, Failed):
        deps.metrics.dead_lettered(consumer, prepared.system)
        return "dead_lettered"
    return "applied"


def _seen(deps: Deps, consumer: str, event_id: str) -> bool:
    with deps.uow() as uow:
        return uow.inbox.seen(consumer, event_id)


@dataclass(frozen=True, slots=True)
class _Verdict:
    consumer: str
    outcome: str
    nak_delay_s: float | None
    """None: done with the delivery; else redeliver after this delay (0: the backoff)."""
    seconds: float


def _verdict(deps: Deps, consumer: str, handler: Handler, delivery: Delivery,
             policy: ConsumerPolicy) -> _Verdict:
    started = time.perf_counter()
    if policy.max_deliver > 0 and delivery.attempt > policy.max_deliver:
        outcome, delay = _give_up(deps, consumer, delivery, policy, Unsettled(delivery.attempt))
    else:
        try:
            outcome, delay = _apply(deps, consumer, handler, delivery.message), None
        except Exception as error:
            outcome, delay = _failed(deps, consumer, delivery, policy, error)
    return _Verdict(consumer, outcome, delay, time.perf_counter() - started)


def _settle(transport: Transport, delivery: Delivery, verdicts: Sequence[_Verdict]) -> None:
    retries = [v.nak_delay_s for v in verdicts if v.outcome == "retried"]
    if retries:
        transport.nak(delivery, max(d or 0.0 for d in retries))
    elif any(v.nak_delay_s is not None for v in verdicts):
        transport.nak(delivery, FINAL_ERROR_DELAY_S)
    else:
        transport.ack(delivery)


def _failed(deps: Deps, consumer: str, delivery: Delivery, policy: ConsumerPolicy,
            error: Exception) -> tuple[str, float | None]:
    message = delivery.message
    if policy.max_deliver > 0 and delivery.attempt >= policy.max_deliver:
        return _give_up(deps, consumer, delivery, policy, error)
    if isinstance(error, RETRYABLE):
        delay = error.delay_s if isinstance(error, RetryLater) else 0.0
        log.warning("%s: event %s (delivery %d) will be retried: %s", consumer, message.id,
                    delivery.attempt, error)
        return "retried", delay
    log.error("%s: event %s (delivery %d of %d) failed", consumer, message.id,
              delivery.attempt, policy.max_deliver, exc_info=error)
    return "failed", FINAL_ERROR_DELAY_S


def _give_up(deps: Deps, consumer: str, delivery: Delivery, policy: ConsumerPolicy,
             error: Exception) -> tuple[str, float | None]:
    """Store the event as a dead letter; if the store cannot, try again after a while."""
    outcome = _dead_letter(deps, consumer, delivery, error)
    if outcome is not None:
        return outcome, None
    return "retried", policy.backoff_s[-1] if policy.backoff_s else UNSTORED_RETRY_S


def _dead_letter(deps: Deps, consumer: str, delivery: Delivery,
                 error: Exception) -> str | None:
    """dead_lettered, duplicates (the inbox has it already), or None: the store failed."""
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
