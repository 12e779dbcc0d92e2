"""Durable delivery in the embedded default: an event written is an event applied, once, even
when the process stops with events in its in-process transport; and the monitors (`/health`,
`/metrics`, `shipshape check`) say so while events wait."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.errors import StoreUnavailable
from shipshape.adapters.messaging.memory import MemoryBroker, MemoryTransport
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build, recover_deliveries, start_relay_thread
from shipshape.cli import app as cli_app
from shipshape.config import Settings
from shipshape.domain.catalogue import SystemCalled
from shipshape.services.delivery import accounting as delivery
from shipshape.services.delivery import dispatch, inbound
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.dispatch import dispatch_once
from shipshape.services.delivery.outbound import ERP_ORDER_MIRROR
from shipshape.services.delivery.relay import relay_pending
from shipshape.services.edi_outbound import EDI_DOCUMENTS
from shipshape.services.intake import SubmitOrder, submit_order
from shipshape.services.outcomes import Outcome
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import EVENT_TYPE_HEADER, ConsumerPolicy, Message
from shipshape.worker import start_worker_threads
from tests.builders import order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
ORDERS = 3


def settings_of(database_url: str, **overrides: object) -> Settings:
    return Settings(database_url=database_url, env="test", **overrides)  # type: ignore[arg-type]


@contextmanager
def process(database_url: str, **overrides: object) -> Iterator[Container]:
    """One run of Shipshape on the store: a container with a fresh in-process transport."""
    container = build(settings_of(database_url, **overrides), migrate=True)
    try:
        yield container
    finally:
        container.close()


def place_orders(container: Container, count: int = ORDERS) -> list[str]:
    ids = []
    for n in range(count):
        draft = OrderIn.model_validate(order(external_id=f"W-{n}", customer_po=f"PO-{n}"))
        result = submit_order(container.deps, SubmitOrder(draft.to_domain()))
        assert result.outcome is Outcome.CREATED, result.body
        ids.append(str(result.body["order_id"]))
    return ids


def mirror_calls(container: Container) -> Counter[str]:
    """How often each order's ERP mirror call was recorded as applied."""
    with container.engine.connect() as conn:
        rows = conn.execute(select(t.order_events.c.order_id, t.order_events.c.payload)
                            .where(t.order_events.c.type == SystemCalled.TYPE)).all()
    return Counter(order_id for order_id, payload in rows
                   if payload.get("operation") == "order_mirror")


def wait_until(done: Callable[[], bool], within_s: float = 30.0) -> bool:
    deadline = time.monotonic() + within_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
    return done()


def published_not_applied(database_url: str) -> list[str]:
    """A process that published its orders' events and stopped before any consumer ran."""
    with process(database_url) as first:
        seed_distributor(first)
        ids = place_orders(first)
        assert relay_pending(first.deps, first.transport) > 0
    return ids


def test_events_published_and_not_applied_are_delivered_again_after_a_restart(
        database_url: str) -> None:
    ids = published_not_applied(database_url)
    with process(database_url) as second:
        debt = second.delivery_debt()
        assert debt.by_consumer == {ERP_ORDER_MIRROR: ORDERS, EDI_DOCUMENTS: ORDERS}
        assert debt.unsent == 0

        stop_relay = start_relay_thread(second)
        stop_worker = start_worker_threads(second)
        try:
            assert wait_until(lambda: sum(mirror_calls(second).values()) == ORDERS)
            assert wait_until(lambda: not second.delivery_debt().unapplied)
        finally:
            stop_worker()
            stop_relay()
        assert mirror_calls(second) == dict.fromkeys(ids, 1)


def test_a_restart_delivers_nothing_twice(database_url: str) -> None:
    ids = published_not_applied(database_url)
    for _ in range(2):
        with process(database_url) as again:
            stop_relay = start_relay_thread(again)
            stop_worker = start_worker_threads(again)
            try:
                assert wait_until(lambda c=again: not waiting(c))
            finally:
                stop_worker()
                stop_relay()
            assert mirror_calls(again) == dict.fromkeys(ids, 1)
    with process(database_url) as last:
        assert recover_deliveries(last) == 0


def test_an_event_is_delivered_when_every_consumer_taking_it_applied_it(
        database_url: str) -> None:
    with process(database_url) as c:
        seed_distributor(c)
        place_orders(c, 1)
        relay_pending(c.deps, c.transport)
        consumers = {"a": TakesOrderAccepted(), "b": TakesOrderAccepted()}
        accepted = owed_of_type(c, "OrderAccepted")

        delivery.settle(c.deps, consumers)
        assert owed_of_type(c, "OrderAccepted") == accepted
        assert all_owed(c) == accepted, "events nobody takes are delivered at once"

        record_inbox(c, "a", accepted)
        delivery.settle(c.deps, consumers)
        assert owed_of_type(c, "OrderAccepted") == accepted
        assert delivery.debt(c.deps, consumers).by_consumer == {"b": len(accepted)}

        record_inbox(c, "b", accepted)
        delivery.settle(c.deps, consumers)
        assert all_owed(c) == []


def test_health_metrics_and_check_report_events_waiting_to_be_applied(
        database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    published_not_applied(database_url)
    with process(database_url, delivery_max_lag_s=0.01) as c, \
            TestClient(create_app(c)) as client:
        time.sleep(0.05)
        health = client.get("/api/v1/health").json()
        assert health["status"] == "degraded"
        assert health["delivery"]["ok"] is False
        assert health["delivery"]["unapplied"] == {ERP_ORDER_MIRROR: ORDERS, EDI_DOCUMENTS: ORDERS}
        assert "waited" in health["delivery"]["detail"]
        scrape = client.get("/metrics").text
        assert f'shipshape_events_unapplied{{consumer="{ERP_ORDER_MIRROR}"}} {ORDERS}.0' in scrape
        assert "shipshape_events_unapplied_oldest_age_seconds" in scrape

        env = {"SHIPSHAPE_DATABASE_URL": database_url, "SHIPSHAPE_DELIVERY_MAX_LAG_S": "0.01"}
        waiting = CliRunner().invoke(cli_app, ["check"], env=env)
        assert waiting.exit_code == 1, waiting.output
        assert ERP_ORDER_MIRROR in waiting.output and "not applied" in waiting.output

        drain(c)
        health = client.get("/api/v1/health").json()
        assert health["delivery"]["ok"] is True, health
        assert health["status"] == "ok", health
        clean = CliRunner().invoke(cli_app, ["check"], env=env)
        assert clean.exit_code == 0, clean.output


def test_a_dead_letter_the_store_cannot_take_is_retried_not_dropped(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with process(database_url) as c:
        seed_distributor(c)
        place_orders(c, 1)
        transport = MemoryTransport(MemoryBroker(("shipshape.>",)))
        relay_pending(c.deps, transport)
        policy = ConsumerPolicy(ack_wait_s=5, max_deliver=2, backoff_s=(0.01,))
        failures = {"left": 2}
        real = dispatch.record_dead_letter

        def full_disk(*args: object, **kwargs: object) -> object:
            if failures["left"]:
                failures["left"] -= 1
                raise OSError("database or disk is full")
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(dispatch, "record_dead_letter", full_disk)
        handlers = {"always-fails": Failing()}
        outcomes: Counter[str] = Counter()
        deadline = time.monotonic() + 20
        while not outcomes["dead_lettered"] and time.monotonic() < deadline:
            got = dispatch_once(c.deps, transport, "w", ["shipshape.>"], handlers, policy,
                                timeout_s=0.1)
            outcomes.update({"dead_lettered": got.dead_lettered, "retried": got.retried})
        assert outcomes["dead_lettered"] == 1
        assert failures["left"] == 0 and outcomes["retried"] >= 2
        assert transport.dead_letters("w") == []
        with c.engine.connect() as conn:
            letters = conn.execute(select(t.dead_letters.c.consumer)).scalars().all()
        assert letters == ["always-fails"]


def test_a_delivery_past_the_last_is_a_dead_letter_without_running_again(
        database_url: str) -> None:
    """The worker died holding it each time: the handler is not run a further time."""
    with process(database_url) as c:
        seed_distributor(c)
        place_orders(c, 1)
        transport = MemoryTransport(MemoryBroker(("shipshape.>",)))
        relay_pending(c.deps, transport)
        policy = ConsumerPolicy(ack_wait_s=0.01, max_deliver=2, backoff_s=(0.01,))
        handler = Counting()
        for _ in range(2):   # taken and never settled: the worker died
            [taken] = transport.fetch("w", ["shipshape.>"], 1, 0.5, policy)
            time.sleep(0.05)
        got = dispatch_once(c.deps, transport, "w", ["shipshape.>"], {"counting": handler},
                            policy, batch=1, timeout_s=0.5)
        assert (got.dead_lettered, handler.applied) == (1, 0)
        with c.engine.connect() as conn:
            [(event_id, error)] = conn.execute(select(t.dead_letters.c.event_id,
                                                      t.dead_letters.c.error)).all()
        assert event_id == taken.message.id
        assert "delivered 3 times without being settled" in error


class TakesOrderAccepted:
    def wants(self, message: Message) -> bool:
        return message.headers.get(EVENT_TYPE_HEADER) == "OrderAccepted"

    def prepare(self, message: Message) -> object:
        return None

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        return None


class Failing(TakesOrderAccepted):
    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        raise ValueError("this handler always fails")


class Counting(TakesOrderAccepted):
    def __init__(self) -> None:
        self.applied = 0

    def wants(self, message: Message) -> bool:
        return True

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        self.applied += 1


def owed_of_type(c: Container, event_type: str) -> list[str]:
    return [row.event_id for row in owed(c) if row.event_type == event_type]


def all_owed(c: Container) -> list[str]:
    return [row.event_id for row in owed(c)]


def owed(c: Container) -> list[object]:
    with c.deps.uow() as uow:
        return list(uow.outbox.owed(1000))


def record_inbox(c: Container, consumer: str, event_ids: list[str]) -> None:
    with c.deps.uow() as uow:
        for event_id in event_ids:
            uow.inbox.record(consumer, event_id, c.deps.clock.now())
        uow.commit()


def waiting(c: Container) -> bool:
    debt = c.delivery_debt()
    return bool(debt.unapplied or debt.unsent)


def drain(c: Container) -> None:
    stop_relay = start_relay_thread(c)
    stop = threading.Event()
    handlers: dict[str, Handler] = dict(c.consumers)
    try:
        deadline = time.monotonic() + 30
        while waiting(c) and time.monotonic() < deadline:
            for partition in range(c.settings.broker_partitions):
                dispatch_once(c.deps, c.transport, f"worker-p{partition}",
                              [f"shipshape.p{partition}.>"], handlers, timeout_s=0.05)
    finally:
        stop.set()
        stop_relay()


def test_system_events_taken_while_the_store_is_down_wait_for_it(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A simulated ERP's events taken when the store refuses writes go back to its queue."""
    with process(database_url) as c:
        seed_distributor(c)
        erp = c.connectors.simulated("erp")
        assert erp is not None
        for n in range(3):
            erp.emit("credit_status_changed", {"customer_id": "C1", "on_hold": n % 2 == 0},
                     c.deps.clock.now())
        real, store = inbound._receive_in, {"taken": 0, "down": False}

        def down_after_one(*args: object, **kwargs: object) -> object:
            if store["down"]:
                raise StoreUnavailable("the database is full", "SQLITE_FULL")
            store["taken"] += 1
            store["down"] = store["taken"] == 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(inbound, "_receive_in", down_after_one)
        first = inbound.take_events(c.deps, c.ownership, erp)
        # The store went down inside the batch's transaction: it rolled back, so all three wait.
        assert (first["applied"], first["deferred"]) == (0, 3)
        store["down"] = False
        second = inbound.take_events(c.deps, c.ownership, erp)
        assert second["applied"] == 3 and not second["deferred"]
        with c.deps.uow() as uow:
            customer = uow.masterdata.customer("C1")
        assert customer is not None and customer.credit_hold is True
