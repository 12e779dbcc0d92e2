"""Consuming events exactly once in effect: at-least-once delivery plus an inbox.

Each (consumer, event id) a handler applies is recorded in the inbox in the transaction of its
effects, and the delivery is acked only after that commit. An event already in the inbox is
acked with no effects, so a redelivery (after a lost ack, a crash before the ack, or a relay
that published twice) changes nothing. A crash before the commit leaves neither the effects nor
the inbox row, and the transport delivers again. A worker applies a fetched batch in one
transaction (`dispatch.dispatch_once`); this module holds the handler's contract and the
application of one delivery.

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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from shipshape.domain.errors import ConcurrencyConflict, ShipshapeError
from shipshape.services.delivery.dead_letters import Failed, record_dead_letter
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import Message

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


def apply_once(deps: Deps, consumer: str, handler: Handler | ApplyFn, message: Message) -> bool:
    """Prepare and apply `message` with its inbox record in one transaction; False (no effects)
    if the inbox has it already."""
    handler = as_handler(handler)
    if _seen(deps, consumer, message.id):
        return False
    prepared = handler.prepare(message)
    return apply_prepared(deps, consumer, handler, message, prepared) != "duplicates"


def apply_prepared(deps: Deps, consumer: str, handler: Handler, message: Message,
                   prepared: object) -> str:
    """Apply what `prepare` gave, with the inbox record, in a transaction of its own: applied,
    duplicates (the inbox has it already), or dead_lettered (`prepare` returned `Failed`)."""
    with deps.uow() as uow:
        outcome = apply_in(deps, uow, consumer, handler, message, prepared)
        uow.commit()
    after_commit(deps, consumer, outcome, prepared)
    return outcome


def apply_in(deps: Deps, uow: UnitOfWork, consumer: str, handler: Handler, message: Message,
             prepared: object) -> str:
    """The inbox record and the handler's effects (or the dead letter) in `uow`, uncommitted."""
    if not uow.inbox.record(consumer, message.id, deps.clock.now()):
        return "duplicates"
    if isinstance(prepared, Failed):
        record_dead_letter(deps, uow, consumer, message, prepared.error, prepared.attempts,
                           prepared.system, prepared.operation)
        return "dead_lettered"
    handler.apply(uow, message, prepared)
    return "applied"


def after_commit(deps: Deps, consumer: str, outcome: str, prepared: object) -> None:
    if outcome == "dead_lettered" and isinstance(prepared, Failed):
        deps.metrics.dead_lettered(consumer, prepared.system)


def _seen(deps: Deps, consumer: str, event_id: str) -> bool:
    with deps.uow.reading() as uow:
        return uow.inbox.seen(consumer, event_id)
