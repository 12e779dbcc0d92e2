"""The outbox relay on SQLite and PostgreSQL, into the in-process transport and NATS JetStream.

The guarantee under test: every committed outbox row is published, in outbox id order, and
outbox ids are in commit order (PostgreSQL: an advisory lock serialises outbox inserts), so a
transaction that commits late is never passed over and is published before every transaction
that committed after it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.migrate import head_revision, upgrade
from shipshape.adapters.db.outbox_store import SqlOutbox, outbox_lag
from shipshape.adapters.messaging import event_subject
from shipshape.domain.catalogue import DomainEvent
from shipshape.services.delivery.relay import (
    PublishFailed,
    relay_forever,
    relay_once,
    relay_pending,
)
from shipshape.services.ports.messaging import Message
from tests.builders import seed_distributor
from tests.conftest import BACKENDS
from tests.worlds.events import notes
from tests.worlds.relay import (
    Recording,
    Wired,
    applied,
    consume_until,
    counting,
    events_by_order,
    nothing_more,
    outbox_rows,
    submit,
    wired,
)

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def store(database_url: str) -> Iterator[Wired]:
    """A store with the in-process transport, for what does not depend on the transport."""
    with wired(database_url, "memory") as built:
        yield built


def events_of(order_id: str, n: int) -> list[DomainEvent]:
    return notes(order_id, n)


def per_order(keys: Iterable[str]) -> dict[str, int]:
    return dict(Counter(keys))


def per_order_ids(messages: Iterable[Message]) -> dict[str, list[str]]:
    """The ids of each order's messages, in the order they came."""
    out: dict[str, list[str]] = {}
    for message in messages:
        out.setdefault(message.key, []).append(message.id)
    return out


@pytest.mark.empty_store
def test_the_migrations_match_the_tables(store: Wired) -> None:
    """The migrations replayed one by one build exactly the schema of `tables.py` (which an
    empty store gets in one step)."""
    engine = store.container.engine
    with engine.begin() as conn:
        t.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE alembic_version")
    assert upgrade(engine, replay=True) == head_revision() == "0027"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), t.metadata) == []
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("outbox")}
    assert "ix_outbox_unsent" in indexes


def test_relay_of_an_empty_outbox_does_nothing(w: Wired) -> None:
    recording = Recording(w.transport)
    assert relay_once(w.container.deps, recording) == 0
    assert relay_pending(w.container.deps, recording) == 0
    assert recording.published == []
    assert outbox_lag(w.container.engine).unsent == 0
    assert nothing_more(w, "audit", counting(w)).fetched == 0


def test_submitted_orders_are_published_once_each_in_order_per_order(w: Wired) -> None:
    deps = w.container.deps
    seed_distributor(w.container)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: submit(w, n), range(12)))
    assert {r.status for r in results} == {"accepted"}
    rows = outbox_rows(w)
    assert len(rows) >= 12 * 3
    lag = outbox_lag(w.container.engine)
    assert lag.unsent == len(rows) and lag.oldest_created_at is not None

    recording = Recording(w.transport)
    progress: list[tuple[int, int]] = []
    assert relay_pending(deps, recording, batch=10, on_progress=lambda *p: progress.append(p)) \
        == len(rows)
    assert [m.id for m in recording.published] == [r["event_id"] for r in rows]
    assert progress[-1][1] == len(rows) and all(count <= 10 for count, _ in progress)
    assert all(r["published_at"] is not None for r in outbox_rows(w))
    assert outbox_lag(w.container.engine).unsent == 0
    assert relay_once(deps, recording) == 0

    first = recording.published[0]
    body = json.loads(first.payload)
    assert first.key == body["order_id"] == rows[0]["stream"]
    partitions = w.container.settings.broker_partitions
    assert first.subject == event_subject(body["type"], first.key, w.prefix, partitions)
    assert first.headers["Event-Type"] == body["type"]

    got = consume_until(w, "audit", counting(w), lambda r: r.applied >= len(rows))
    assert (got.applied, got.duplicates, got.retried, got.failed) == (len(rows), 0, 0, 0)
    assert nothing_more(w, "audit", counting(w)).fetched == 0
    assert per_order_ids(w.applied_messages) == events_by_order(w)
    assert applied(w) == len(rows)


def test_a_transaction_committing_late_is_published_before_those_that_committed_after_it(
    store: Wired,
) -> None:
    """A writes its outbox rows and stays open; B writes later and tries to commit first."""
    deps = store.container.deps
    late = deps.uow().__enter__()
    late.events.append(events_of("ORD-A", 3))
    late.events.flush()     # what commit does first: A now holds the outbox lock
    b_done = threading.Event()

    def b() -> None:
        with deps.uow() as uow:
            uow.events.append(events_of("ORD-B", 2))
            uow.commit()
        b_done.set()

    writer = threading.Thread(target=b)
    writer.start()
    try:
        assert not b_done.wait(0.5), "B committed outbox rows while A's were uncommitted"
        if store.backend == "postgresql":   # on SQLite the relay would queue behind A too
            assert relay_once(deps, store.transport) == 0
        late.commit()
    finally:
        late.__exit__(None, None, None)
        writer.join(10)
    assert b_done.is_set()

    rows = outbox_rows(store)
    assert [r["stream"] for r in rows] == ["ORD-A"] * 3 + ["ORD-B"] * 2
    recording = Recording(store.transport)
    assert relay_once(deps, recording) == 5
    assert [m.key for m in recording.published] == ["ORD-A"] * 3 + ["ORD-B"] * 2
    assert [json.loads(m.payload)["n"] for m in recording.published] == [0, 1, 2, 0, 1]


def test_a_row_that_becomes_visible_after_higher_ids_were_published_is_not_skipped(
    store: Wired,
) -> None:
    """Without the outbox lock a lower id could commit after a higher one: the relay reads
    unsent rows, not rows after a cursor, so it would publish it late but never skip it."""
    deps, now = store.container.deps, datetime.now(UTC)

    def insert(position: int, order_id: str) -> None:
        with store.container.engine.begin() as conn:
            conn.execute(t.outbox.insert(), {
                "id": position, "event_id": f"ev-{position}", "topic": "order.OrderNoted",
                "stream": order_id, "payload": {"type": "OrderNoted"}, "created_at": now})

    insert(1000, "ORD-B")
    recording = Recording(store.transport)
    assert relay_once(deps, recording) == 1
    insert(500, "ORD-A")
    assert relay_once(deps, recording) == 1
    assert [m.id for m in recording.published] == ["ev-1000", "ev-500"]


def test_a_relay_running_alongside_writers_never_publishes_an_id_lower_than_one_it_published(
    store: Wired,
) -> None:
    deps = store.container.deps
    seed_distributor(store.container)
    recording = Recording(store.transport)
    stop = threading.Event()
    relay = threading.Thread(target=relay_forever, args=(deps, recording, stop, 0.01, 7))
    relay.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda n: submit(store, n), range(40)))
        deadline = time.monotonic() + 20
        while outbox_lag(store.container.engine).unsent and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        relay.join(10)
    position = {r["event_id"]: r["id"] for r in outbox_rows(store)}
    published = [position[m.id] for m in recording.published]
    assert published == sorted(position.values())


def test_a_commit_wakes_the_relay_before_its_poll_interval(store: Wired) -> None:
    """Polling every minute, the relay still publishes a commit of this process at once."""
    deps = store.container.deps
    recording = Recording(store.transport)
    stop = threading.Event()
    relay = threading.Thread(target=relay_forever, args=(deps, recording, stop, 60.0))
    relay.start()
    try:
        time.sleep(0.2)  # the relay has found nothing and waits
        with deps.uow() as uow:
            uow.events.append(notes("ORD-1", 1))
            uow.commit()
        deadline = time.monotonic() + 20
        while not recording.published and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [m.key for m in recording.published] == ["ORD-1"]
    finally:
        stop.set()
        relay.join(10)
    assert not relay.is_alive()


def test_a_failure_midway_marks_what_went_out_and_the_rest_goes_next_time(w: Wired) -> None:
    deps = w.container.deps
    with deps.uow() as uow:
        uow.events.append(events_of("ORD-1", 3) + events_of("ORD-2", 2))
        uow.commit()
    rows = outbox_rows(w)
    failing = Recording(w.transport, fail_at=3)
    with pytest.raises(PublishFailed) as failed:
        relay_once(deps, failing)
    assert failed.value.published == 2
    assert [r["published_at"] is not None for r in outbox_rows(w)] == [True] * 2 + [False] * 3
    assert outbox_lag(w.container.engine).unsent == 3

    recording = Recording(w.transport)
    assert relay_once(deps, recording) == 3
    assert [m.id for m in recording.published] == [r["event_id"] for r in rows[2:]]
    got = consume_until(w, "audit", counting(w), lambda r: r.applied >= 5)
    assert (got.applied, got.duplicates) == (5, 0)
    assert per_order(m.key for m in w.applied_messages) == per_order(r["stream"] for r in rows)
    assert per_order_ids(w.applied_messages) == events_by_order(w)


def test_a_crash_between_publish_and_mark_republishes_and_the_consumer_applies_once(
    w: Wired, monkeypatch: pytest.MonkeyPatch,
) -> None:
    deps = w.container.deps
    seed_distributor(w.container)
    for n in range(3):
        submit(w, n)
    rows = outbox_rows(w)

    def crash(self: SqlOutbox, positions: object, at: object) -> None:
        raise RuntimeError("the relay died before marking")

    with monkeypatch.context() as patched:
        patched.setattr(SqlOutbox, "mark_published", crash)
        with pytest.raises(RuntimeError):
            relay_once(deps, w.transport)
    assert outbox_lag(w.container.engine).unsent == len(rows)

    assert relay_once(deps, w.transport) == len(rows)   # republished after the "restart"
    assert outbox_lag(w.container.engine).unsent == 0

    copies = 2 if w.kind == "memory-nodedup" else 1   # the transport's dedup drops the copy
    got = consume_until(w, "billing", counting(w),
                        lambda r: r.applied + r.duplicates >= copies * len(rows))
    assert (got.applied, got.duplicates) == (len(rows), (copies - 1) * len(rows))
    assert nothing_more(w, "billing", counting(w)).fetched == 0
    assert applied(w) == len(rows)
    assert sorted(m.id for m in w.applied_messages) == sorted(r["event_id"] for r in rows)
