"""The consumer inbox: (consumer, event id) is recorded with the effects, so redelivery is harmless.

On SQLite and PostgreSQL, with the in-process transport (with and without its dedup window)
and NATS JetStream.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from shipshape.adapters.db import tables as t
from shipshape.domain.errors import ConcurrencyConflict
from shipshape.services.delivery.consume import RetryLater, apply_once
from shipshape.services.delivery.dispatch import consume_once
from shipshape.services.delivery.relay import relay_once
from shipshape.services.delivery.replay import open_letters
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import ConsumerPolicy, Delivery, Message
from tests.conftest import BACKENDS
from tests.worlds.events import notes
from tests.worlds.relay import (
    COUNTER,
    QUICK,
    Wired,
    applied,
    consume_until,
    counting,
    inbox_rows,
    nothing_more,
    outbox_rows,
    wired,
)

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def store(database_url: str) -> Iterator[Wired]:
    """A store with the in-process transport, for what does not depend on the transport."""
    with wired(database_url, "memory") as built:
        yield built


def publish_events(w: Wired, order_id: str, n: int) -> list[str]:
    """`n` events of one order written in one transaction and relayed; their event ids."""
    with w.container.deps.uow() as uow:
        uow.events.append(notes(order_id, n))
        uow.commit()
    assert relay_once(w.container.deps, w.transport) == n
    return [row["event_id"] for row in outbox_rows(w)]


class LostAcks:
    """A transport whose first ack of each message gets lost (a crash after the commit)."""

    def __init__(self, w: Wired) -> None:
        self.inner = w.transport
        self.lost: set[str] = set()

    def ack(self, delivery: Delivery) -> None:
        if delivery.message.id not in self.lost:
            self.lost.add(delivery.message.id)
            return
        self.inner.ack(delivery)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_redelivered_event_changes_nothing(w: Wired) -> None:
    ids = publish_events(w, "ORD-1", 2)
    w.transport = LostAcks(w)  # type: ignore[assignment]
    got = consume_until(w, "billing", counting(w), lambda r: r.applied + r.duplicates >= 4)
    assert (got.applied, got.duplicates, got.retried, got.failed) == (2, 2, 0, 0)
    assert applied(w) == 2
    assert sorted(inbox_rows(w, "billing")) == sorted(ids)
    assert nothing_more(w, "billing", counting(w)).fetched == 0


def test_each_consumer_applies_an_event_once_of_its_own(w: Wired) -> None:
    ids = publish_events(w, "ORD-1", 3)
    for consumer in ("billing", "audit"):
        got = consume_until(w, consumer, counting(w), lambda r: r.applied >= 3)
        assert got.applied == 3
        assert sorted(inbox_rows(w, consumer)) == sorted(ids)
    assert applied(w) == 6
    assert [json.loads(m.payload)["n"] for m in w.applied_messages] == [0, 1, 2] * 2


@pytest.mark.parametrize("error", [RetryLater("the ERP is down"), ConcurrencyConflict("busy"),
                                   TimeoutError("slow")], ids=type)
def test_a_retryable_error_leaves_no_trace_and_the_event_is_applied_later(
    w: Wired, error: Exception,
) -> None:
    [event_id] = publish_events(w, "ORD-1", 1)
    failed_once: set[str] = set()
    count = counting(w)

    def flaky(uow: UnitOfWork, message: Message) -> None:
        count(uow, message)
        if message.id not in failed_once:
            failed_once.add(message.id)
            raise error

    first = consume_until(w, "billing", flaky, lambda r: r.fetched >= 1)
    assert (first.applied, first.retried) == (0, 1)
    assert (applied(w), inbox_rows(w, "billing")) == (0, [])
    later = consume_until(w, "billing", flaky, lambda r: r.applied >= 1)
    assert (later.applied, later.retried, later.failed) == (1, 0, 0)
    assert (applied(w), inbox_rows(w, "billing")) == (1, [event_id])


def test_a_final_error_becomes_a_dead_letter_at_once_and_unblocks_the_order(
    w: Wired,
) -> None:
    """A final error does not wait for the (long) backoff: its deliveries run out at once, and
    the last one stores the event as a dead letter with an INTEGRATION_FAILURE case."""
    poison, fine = publish_events(w, "ORD-1", 2)
    policy = ConsumerPolicy(ack_wait_s=2.0, max_deliver=3, backoff_s=(60.0,))
    count = counting(w)

    def picky(uow: UnitOfWork, message: Message) -> None:
        count(uow, message)
        if message.id == poison:
            raise ValueError("this event cannot be applied")

    started = time.monotonic()
    got = consume_until(w, "billing", picky, lambda r: r.applied >= 1, policy, within_s=20)
    assert (got.applied, got.failed, got.dead_lettered, got.retried) == (1, 2, 1, 0)
    assert time.monotonic() - started < 15
    assert (applied(w), sorted(inbox_rows(w, "billing"))) == (1, sorted([poison, fine]))
    letters = open_letters(w.container.deps)
    assert [(d.event_id, d.consumer, d.attempts) for d in letters] == [(poison, "billing", 3)]
    assert "ValueError: this event cannot be applied" in letters[0].error
    with w.container.engine.connect() as conn:
        case = conn.execute(select(t.exception_cases)
                            .where(t.exception_cases.c.id == letters[0].case_id)).one()
    assert (case.code, case.kind, case.order_id, case.status) == (
        "INTEGRATION_FAILURE", "integration", "ORD-1", "open")
    assert w.transport.dead_letters("billing") == []


def test_concurrent_deliveries_of_one_event_apply_it_once(store: Wired) -> None:
    message = Message("ev-1", f"{store.prefix}.OrderNoted.ORD-1", "ORD-1", b"{}")
    entered = threading.Event()

    def slow(uow: UnitOfWork, _message: Message) -> None:
        entered.set()
        uow.credit.add_exposure(COUNTER, Decimal(1))
        time.sleep(0.3)

    outcomes: list[bool] = []

    def deliver() -> None:
        outcomes.append(apply_once(store.container.deps, "billing", slow, message))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    threads[0].start()
    assert entered.wait(5)
    threads[1].start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == [False, True]
    assert applied(store) == 1
    assert inbox_rows(store, "billing") == ["ev-1"]


def test_an_empty_fetch_handles_nothing(w: Wired) -> None:
    got = consume_once(w.container.deps, w.transport, "billing", w.subjects, counting(w), QUICK,
                       batch=5, timeout_s=0.2)
    assert got.fetched == 0


def one_event_each(w: Wired, orders: int) -> list[str]:
    """One event for each of `orders` orders (so one fetch may take them all), relayed."""
    with w.container.deps.uow() as uow:
        for n in range(orders):
            uow.events.append(notes(f"ORD-{n}", 1))
        uow.commit()
    assert relay_once(w.container.deps, w.transport) == orders
    return [row["event_id"] for row in outbox_rows(w)]


def test_a_fetched_batch_is_applied_in_one_transaction(store: Wired) -> None:
    ids = one_event_each(store, 10)
    commits: list[object] = []

    def committed(conn: object) -> None:
        commits.append(conn)

    event.listen(store.container.engine, "commit", committed)
    try:
        got = consume_once(store.container.deps, store.transport, "billing", store.subjects,
                           counting(store), QUICK, batch=10, timeout_s=1.0)
    finally:
        event.remove(store.container.engine, "commit", committed)
    assert (got.fetched, got.applied) == (10, 10)
    assert len(commits) == 1
    assert sorted(inbox_rows(store, "billing")) == sorted(ids)
    assert applied(store) == 10


def test_one_failing_event_of_a_batch_costs_the_others_nothing(store: Wired) -> None:
    ids = one_event_each(store, 5)
    poison = ids[2]
    count = counting(store)

    def picky(uow: UnitOfWork, message: Message) -> None:
        count(uow, message)
        if message.id == poison:
            raise ValueError("this event cannot be applied")

    got = consume_once(store.container.deps, store.transport, "billing", store.subjects, picky,
                       QUICK, batch=5, timeout_s=1.0)
    assert (got.fetched, got.applied, got.failed) == (5, 4, 1)
    assert sorted(inbox_rows(store, "billing")) == sorted(set(ids) - {poison})
    assert applied(store) == 4
