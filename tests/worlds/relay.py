"""The relay and inbox world: a store wired to a transport, orders submitted to it, and a
consumer run on it until what a test waits for has come.

A `Wired` is a migrated store (SQLite or PostgreSQL, from `database_url`) with a transport of
one of three kinds (`TRANSPORTS`; the `w` fixture takes each in turn):

* `memory`: the in-process transport, dedup window as in production;
* `memory-nodedup`: the in-process transport with no dedup window, so that every copy a relay
  publishes is delivered: what is left to keep effects single is the inbox;
* `nats`: NATS JetStream at SHIPSHAPE_TEST_NATS (default nats://127.0.0.1:4222) built by
  `bootstrap` from the settings, on a stream and subject prefix of its own, deleted afterwards;
  skipped when unreachable, failing under SHIPSHAPE_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.messaging.memory import MemoryBroker, MemoryTransport
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.services.delivery.consume import ConsumeResult, Handler
from shipshape.services.delivery.dispatch import consume_once
from shipshape.services.intake import IntakeResult, SubmitOrder, submit_order
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import ConsumerPolicy, Message, Transport
from tests.builders import order
from tests.contract.natsserver import delete_streams
from tests.services import shared_nats_or_skip

TRANSPORTS = ["memory", "memory-nodedup", "nats"]
QUICK = ConsumerPolicy(ack_wait_s=1.0, max_deliver=5, backoff_s=(0.2,))
COUNTER = "applied-events"
"""A credit exposure row used as a counter: every application of an event adds one."""


@dataclass
class Wired:
    kind: str
    container: Container
    transport: Transport
    prefix: str
    applied_messages: list[Message] = field(default_factory=list)

    @property
    def subjects(self) -> list[str]:
        return [f"{self.prefix}.>"]

    @property
    def backend(self) -> str:
        return self.container.engine.dialect.name


@contextmanager
def wired(database_url: str, kind: str) -> Iterator[Wired]:
    tag = uuid.uuid4().hex[:10]
    prefix, stream = f"t{tag}", f"SHIPSHAPE_T_{tag}"
    url = shared_nats_or_skip() if kind == "nats" else ""
    settings = Settings(database_url=database_url, env="test", broker_url=url,
                        broker_stream=stream, broker_subject_prefix=prefix)
    container = build(settings, migrate=True)
    try:
        if kind == "nats":
            transport = container.transport
        else:
            window = 0.0 if kind == "memory-nodedup" else 120.0
            transport = MemoryTransport(MemoryBroker((f"{prefix}.>",), dedup_window_s=window))
        yield Wired(kind, container, transport, prefix)
    finally:
        container.close()
        if kind == "nats":
            delete_streams(url, [stream, f"{stream}_DLQ"])


def submit(w: Wired, n: int, **overrides: Any) -> IntakeResult:
    draft = OrderIn.model_validate(order(
        external_id=f"W-{n}", customer_po=f"PO-{n}", **overrides)).to_domain()
    return submit_order(w.container.deps, SubmitOrder(draft))


def outbox_rows(w: Wired) -> list[dict[str, Any]]:
    with w.container.engine.connect() as conn:
        rows = conn.execute(select(t.outbox).order_by(t.outbox.c.id)).mappings().all()
    return [dict(row) for row in rows]


def events_by_order(w: Wired) -> dict[str, list[str]]:
    """Each order's event ids in the order they were written."""
    with w.container.engine.connect() as conn:
        rows = conn.execute(select(t.order_events.c.order_id, t.order_events.c.event_id)
                            .order_by(t.order_events.c.id)).all()
    out: dict[str, list[str]] = {}
    for order_id, event_id in rows:
        out.setdefault(order_id, []).append(event_id)
    return out


def counting(w: Wired) -> Handler:
    """A handler with an effect that is not idempotent by itself: it adds one to a counter."""
    def handle(uow: UnitOfWork, message: Message) -> None:
        uow.credit.add_exposure(COUNTER, Decimal(1))
        w.applied_messages.append(message)
    return handle


def applied(w: Wired) -> int:
    with w.container.deps.uow() as uow:
        return int(uow.credit.open_exposure(COUNTER, lock=False))


def inbox_rows(w: Wired, consumer: str) -> list[str]:
    with w.container.engine.connect() as conn:
        return list(conn.execute(select(t.inbox.c.event_id)
                                 .where(t.inbox.c.consumer == consumer)).scalars())


def consume_until(w: Wired, consumer: str, handler: Handler, done: Callable[[ConsumeResult], bool],
                  policy: ConsumerPolicy = QUICK, within_s: float = 15.0) -> ConsumeResult:
    """Consume until `done(total so far)` or `within_s` passed; the summed result."""
    total = ConsumeResult()
    deadline = time.monotonic() + within_s
    while not done(total) and time.monotonic() < deadline:
        got = consume_once(w.container.deps, w.transport, consumer, w.subjects, handler, policy,
                           batch=50, timeout_s=0.3)
        total.add(got)
    return total


def nothing_more(w: Wired, consumer: str, handler: Handler,
                 policy: ConsumerPolicy = QUICK) -> ConsumeResult:
    """One more look (under a second): what still came."""
    return consume_until(w, consumer, handler, lambda _: False, policy, within_s=0.8)


class Recording:
    """A transport wrapper: records what was published; can fail at the `fail_at`-th publish."""

    def __init__(self, inner: Transport, fail_at: int | None = None) -> None:
        self.inner = inner
        self.published: list[Message] = []
        self.fail_at = fail_at

    def publish(self, message: Message) -> None:
        if self.fail_at is not None and len(self.published) + 1 == self.fail_at:
            raise ConnectionError("the broker went away")
        self.inner.publish(message)
        self.published.append(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
