"""Consuming events exactly once in effect: at-least-once delivery plus an inbox.

For each delivery, one unit of work records (consumer, event id) in the inbox and runs the
handler; both commit together, and only then is the delivery acked. An event already in the
inbox is acked with no effects, so a redelivery (after a lost ack, a crash before the ack, or
a relay that published twice) changes nothing. A crash before the commit leaves neither the
effects nor the inbox row, and the transport delivers again.

**Errors of the handler** (its unit of work is rolled back, no inbox row is written):

* *retryable*: `RetryLater`, `ConcurrencyConflict`, `TimeoutError`, `ConnectionError`. The
  delivery is nakked with the policy's backoff (or the delay `RetryLater` names), expecting the
  cause to pass; after `max_deliver` deliveries the transport dead-letters it.
* *anything else* is final: logged with its traceback and nakked for redelivery at once, so
  that it runs through its remaining deliveries quickly and lands in the transport's dead
  letters (`Transport.dead_letters(consumer)`) without holding up the messages behind it for
  the whole backoff. Nothing is dead-lettered by the consumer itself: the port has no such
  call, and a final error that was in fact transient still gets its few more chances.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shipshape.domain.errors import ConcurrencyConflict, ShipshapeError
from shipshape.services.deps import Deps
from shipshape.services.messaging import ConsumerPolicy, Delivery, Message, Transport
from shipshape.services.ports import UnitOfWork

log = logging.getLogger(__name__)
DEFAULT_FETCH_TIMEOUT_S = 1.0
FINAL_ERROR_DELAY_S = 0.001
"""Nak delay after a final error: redeliver at once (0 would mean "use the backoff")."""

Handler = Callable[[UnitOfWork, Message], None]
"""Applies one message through the unit of work it is given; it must not commit."""


class RetryLater(ShipshapeError):
    """Raised by a handler when the cause should pass (a system down, a lock held)."""

    def __init__(self, reason: str, delay_s: float = 0.0) -> None:
        super().__init__(reason)
        self.delay_s = delay_s


RETRYABLE: tuple[type[BaseException], ...] = (
    RetryLater, ConcurrencyConflict, TimeoutError, ConnectionError)


@dataclass(slots=True)
class ConsumeResult:
    applied: int = 0
    """Deliveries whose effects were committed now."""
    duplicates: int = 0
    """Deliveries of events the inbox already had: acked with no effects."""
    retried: int = 0
    """Retryable errors: nakked with backoff."""
    failed: int = 0
    """Final errors: nakked for quick redelivery towards the dead letters."""

    @property
    def fetched(self) -> int:
        return self.applied + self.duplicates + self.retried + self.failed


def consume_once(deps: Deps, transport: Transport, consumer: str, subjects: Sequence[str],
                 handler: Handler, policy: ConsumerPolicy | None = None, batch: int = 10,
                 timeout_s: float = DEFAULT_FETCH_TIMEOUT_S) -> ConsumeResult:
    """Fetch up to `batch` deliveries for `consumer` and handle each in a unit of work."""
    policy = policy or ConsumerPolicy()
    result = ConsumeResult()
    for delivery in transport.fetch(consumer, subjects, batch, timeout_s, policy):
        _handle(deps, transport, consumer, handler, delivery, result)
    return result


def apply_once(deps: Deps, consumer: str, handler: Handler, message: Message) -> bool:
    """Run `handler` and record the event in one transaction; False (no effects) if recorded."""
    with deps.uow() as uow:
        if not uow.inbox.record(consumer, message.id, deps.clock.now()):
            return False
        handler(uow, message)
        uow.commit()
    return True


def _handle(deps: Deps, transport: Transport, consumer: str, handler: Handler,
            delivery: Delivery, result: ConsumeResult) -> None:
    message = delivery.message
    try:
        applied = apply_once(deps, consumer, handler, message)
    except RETRYABLE as error:
        delay = error.delay_s if isinstance(error, RetryLater) else 0.0
        log.warning("%s: event %s (delivery %d) will be retried: %s", consumer, message.id,
                    delivery.attempt, error)
        transport.nak(delivery, delay)
        result.retried += 1
        return
    except Exception:
        log.exception("%s: event %s (delivery %d) failed; it goes to the dead letters after "
                      "its last delivery", consumer, message.id, delivery.attempt)
        transport.nak(delivery, FINAL_ERROR_DELAY_S)
        result.failed += 1
        return
    transport.ack(delivery)
    if applied:
        result.applied += 1
    else:
        result.duplicates += 1
