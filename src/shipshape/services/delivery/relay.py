"""The outbox relay: publish what business transactions wrote to the outbox, then mark it sent.

**What it guarantees.** Every committed outbox row is published at least once, in outbox id
order, and is then marked published. Outbox ids are handed out in commit order (on PostgreSQL
outbox inserts are serialised by an advisory lock, see `adapters/db/outbox_store.py`; SQLite
has one writer at a time), so the relay publishes in commit order: all events of a transaction
before those of any transaction that committed after it, and one order's events in the order
they happened. The relay reads the rows not yet marked (there is no cursor that could pass over
a transaction committing late).

**Failures.** A publish that fails stops the batch: what was published before it is marked, the
rest stays unsent and comes first in the next batch (`PublishFailed`). A crash between publish
and mark publishes those rows again: the message id is the event id, so the transport's dedup
window drops the copy, and a copy that gets through anyway is ignored by every consumer's
inbox. Two relays at once stay correct (each publishes in id order and marks only what it
published) but do the work twice; run one.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from shipshape.domain.errors import ShipshapeError
from shipshape.services.deps import Deps
from shipshape.services.ports import OutboxLag, OutboxMessage
from shipshape.services.ports.messaging import EVENT_TYPE_HEADER, Message, Transport

log = logging.getLogger(__name__)
DEFAULT_BATCH = 500
DEFAULT_INTERVAL_S = 0.5
MAX_PAUSE_S = 30.0
SETTLE_EVERY_S = 1.0
STOP_POLL_S = 0.05
"""How often a relay waiting for events looks at its stop signal."""

Progress = Callable[[int, int], None]
"""Called after every batch that published something, with its count and the running total."""


class StopSignal(Protocol):
    """What `relay_forever` watches; a `threading.Event` is one."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class PublishFailed(ShipshapeError):
    """Publishing stopped midway; `published` rows went out and were marked before it did."""

    def __init__(self, published: int, cause: Exception) -> None:
        super().__init__(f"publishing stopped after {published} messages: {cause}")
        self.published = published


def message_of(row: OutboxMessage) -> Message:
    """The message of one outbox row: id = event id (dedup), key = order id (ordering)."""
    payload = json.dumps(dict(row.payload), sort_keys=True, separators=(",", ":"))
    return Message(id=row.event_id, subject=row.subject, key=row.stream,
                   payload=payload.encode(), headers={EVENT_TYPE_HEADER: row.event_type})


def relay_once(deps: Deps, transport: Transport, batch: int = DEFAULT_BATCH) -> int:
    """Publish up to `batch` unsent rows in id order and mark them; returns how many."""
    with deps.uow.reading() as uow:
        rows = uow.outbox.unsent(batch)
    published: list[int] = []
    try:
        for row in rows:
            transport.publish(message_of(row))
            published.append(row.position)
    except Exception as error:
        _mark(deps, published)
        raise PublishFailed(len(published), error) from error
    _mark(deps, published)
    return len(published)


def relay_pending(deps: Deps, transport: Transport, batch: int = DEFAULT_BATCH,
                  on_progress: Progress | None = None) -> int:
    """Publish until the outbox has nothing unsent (as of the last batch); returns how many."""
    total = 0
    while True:
        count = relay_once(deps, transport, batch)
        total += count
        if count and on_progress is not None:
            on_progress(count, total)
        if count < batch:
            return total


def relay_forever(deps: Deps, transport: Transport, stop: StopSignal,
                  interval_s: float = DEFAULT_INTERVAL_S, batch: int = DEFAULT_BATCH,
                  on_progress: Progress | None = None,
                  settle: Callable[[], object] | None = None) -> int:
    """Relay until `stop` is set: a full batch goes on at once; otherwise wait until this
    process commits events, or at most `interval_s` (another process's commits).
    `settle` (delivery accounting) runs between batches, at most every `SETTLE_EVERY_S`.

    A failure (broker down, store busy) is logged and tried again after a pause that doubles
    up to `MAX_PAUSE_S`. Returns how many messages were published.
    """
    total, failures = 0, 0
    settled_at = float("-inf")
    if not deps.uow.listen_for_commits():
        log.warning("relay: not woken by other processes' commits; polling every %.1f s",
                    interval_s)
    while not stop.is_set():
        try:
            count = relay_once(deps, transport, batch)
            if settle is not None and time.monotonic() - settled_at >= SETTLE_EVERY_S:
                settle()
                settled_at = time.monotonic()
        except Exception as error:
            total += error.published if isinstance(error, PublishFailed) else 0
            failures += 1
            pause = min(interval_s * 2 ** failures, MAX_PAUSE_S)
            log.warning("relay: %s; trying again in %.1f s", error, pause,
                        exc_info=not isinstance(error, ShipshapeError))
            stop.wait(pause)
            continue
        failures = 0
        total += count
        if count and on_progress is not None:
            on_progress(count, total)
        if count < batch:
            _await_events(deps, stop, interval_s)
    return total


def _await_events(deps: Deps, stop: StopSignal, interval_s: float) -> None:
    """Until this process commits events, `stop` is set, or `interval_s` passes (for the
    commits of other processes)."""
    deadline = time.monotonic() + interval_s
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        if deps.uow.await_events(min(left, STOP_POLL_S)):
            return


def outbox_lag(deps: Deps) -> OutboxLag:
    with deps.uow.reading() as uow:
        return uow.outbox.lag()


def _mark(deps: Deps, positions: Sequence[int]) -> None:
    if positions:
        deps.metrics.published(len(positions))
        with deps.uow() as uow:
            uow.outbox.mark_published(positions, deps.clock.now())
            uow.commit()
