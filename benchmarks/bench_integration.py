"""Events from the outbox to the consumers, in-process and through NATS, beside raw JetStream.

Three parts, in one run:

1. **Raw JetStream** (the baseline, plain nats-py on a fresh stream): publish N messages of
   the size of an order event with the headers ours carry, awaiting each PubAck (as the
   relay does) and pipelined with `publish_async` (the broker's ceiling), and the same
   through `NatsTransport.publish`; consume them with a durable pull consumer, one fetched
   and acked (`ack_sync`) at a time under `max_ack_pending=1` (the protocol of our
   transport), in fetches of 100 with plain acks (the ceiling), and through
   `NatsTransport.fetch` + `ack`.
2. **Outbox -> applied, from a backlog**: K orders are submitted first (their events wait
   in the outbox), then the relay (`relay_forever`, a thread) and a `Worker` (its threads)
   start in this process and run until every OrderAccepted has its inbox row for
   `erp-order-mirror`. With the in-process transport on SQLite and on PostgreSQL, and with
   NATS JetStream on PostgreSQL.
3. **End to end on PostgreSQL + NATS**: `shipshape relay` and 1 or 2 `shipshape worker`
   subprocesses, three ways: *flat*, this process submits orders as fast as it can
   meanwhile (`intake.submit_orders`, 100 per transaction, the fastest intake path);
   *drain*, the orders wait in the outbox before the relay starts (consumer capacity
   without intake beside it); *paced*, one order per transaction (`intake.submit_order`) at
   a steady rate below capacity, for the lag. Orders/s from the first submit (or the relay's
   start) to the last OrderAccepted applied, the event lag, and the cores each process used.

Every store is fresh (a SQLite file; one PostgreSQL schema, dropped afterwards); every NATS
run gets its own stream and subject prefix, deleted afterwards. Speed is measured and
printed, never asserted. The machine has few cores: the benchmark, the relay and the
workers share them (the CPU count is printed).

Usage: python benchmarks/bench_integration.py [--messages N] [--orders K] [--e2e-orders M]
       [--modes flat,drain,paced] [--pace R] [--paced-seconds S] [--relay-interval S]
       [--nats URL] [--skip-end-to-end]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import (
    Catalog,
    Store,
    Unavailable,
    console,
    drafts,
    fresh_store,
    latency_ms,
    order_bodies,
    percentile,
    print_table,
    seed,
    skipped,
    write_json,
)
from sqlalchemy import func, select, update

from shipshape.adapters.db import tables as t
from shipshape.adapters.messaging import event_subject
from shipshape.bootstrap import Container, build
from shipshape.domain.catalogue import OrderAccepted, OrderHeld
from shipshape.domain.orders import OrderDraft
from shipshape.services import intake
from shipshape.services.delivery.outbound import ERP_ORDER_MIRROR
from shipshape.services.delivery.relay import relay_forever
from shipshape.worker import Worker, worker_durable

SHIPSHAPE = str(Path(sys.executable).with_name("shipshape"))
NATS_URL = os.environ.get("SHIPSHAPE_TEST_NATS", "nats://127.0.0.1:4222")
HANDLED = (f"order.{OrderAccepted.TYPE}", f"order.{OrderHeld.TYPE}")
SUBMIT_BATCH = 100
PARTITIONS = 4
RAW_CONSUME_BATCH = 100
COLUMNS = ("part", "measure", "backend", "transport", "workers", "count", "seconds", "rate",
           "unit", "p50_ms", "p99_ms", "vs_raw")


# --------------------------------------------------------------------------- NATS helpers


def nats_reachable(url: str) -> str | None:
    import nats

    async def probe() -> None:
        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0,
                                allow_reconnect=False)
        try:
            await nc.jetstream().account_info()
        finally:
            await nc.close()

    try:
        asyncio.run(asyncio.wait_for(probe(), 10))
    except Exception as error:
        return f"NATS JetStream at {url} is not reachable: {error!r}"
    return None


def delete_streams(url: str, names: Sequence[str]) -> None:
    """Delete the run's streams (and so their consumers); quiet when they are gone."""
    import nats

    async def delete() -> None:
        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0,
                                allow_reconnect=False)
        try:
            js = nc.jetstream()
            for name in names:
                with contextlib.suppress(Exception):
                    await js.delete_stream(name)
        finally:
            await nc.close()

    with contextlib.suppress(Exception):
        asyncio.run(asyncio.wait_for(delete(), 20))


@dataclass(frozen=True)
class Broker:
    """One run's stream and subject prefix on the shared server."""

    url: str
    stream: str
    prefix: str

    @classmethod
    def fresh(cls, url: str, what: str) -> Broker:
        tag = uuid.uuid4().hex[:10]
        return cls(url, f"BENCH_{what.upper()}_{tag}", f"bench{what}{tag}")

    @property
    def streams(self) -> list[str]:
        return [self.stream, f"{self.stream}_DLQ"]

    def env(self) -> dict[str, str]:
        return {"SHIPSHAPE_BROKER_URL": self.url, "SHIPSHAPE_BROKER_STREAM": self.stream,
                "SHIPSHAPE_BROKER_SUBJECT_PREFIX": self.prefix}

    def settings(self) -> dict[str, Any]:
        return {"broker_url": self.url, "broker_stream": self.stream,
                "broker_subject_prefix": self.prefix}


@contextmanager
def fresh_broker(url: str, what: str) -> Iterator[Broker]:
    broker = Broker.fresh(url, what)
    try:
        yield broker
    finally:
        delete_streams(url, broker.streams)


def acked_by_consumers(broker: Broker) -> int:
    """Deliveries acked so far by every durable consumer of the stream (each consumer of the
    worker, each partition), summed."""
    import nats

    async def read() -> int:
        nc = await nats.connect(broker.url, connect_timeout=3)
        try:
            infos = await nc.jetstream().consumers_info(broker.stream)
            return sum(int(i.ack_floor.consumer_seq or 0) for i in infos if i.ack_floor)
        finally:
            await nc.close()

    return asyncio.run(asyncio.wait_for(read(), 20))


def partition_consumers_exist(broker: Broker) -> bool:
    import nats

    async def check() -> bool:
        nc = await nats.connect(broker.url, connect_timeout=3)
        try:
            js = nc.jetstream()
            for p in range(PARTITIONS):
                try:
                    await js.consumer_info(broker.stream, worker_durable(p))
                except Exception:
                    return False
            return True
        finally:
            await nc.close()

    try:
        return asyncio.run(asyncio.wait_for(check(), 20))
    except Exception:
        return False


# --------------------------------------------------------------------------- 1. raw JetStream


def sample_event(catalog: Catalog) -> tuple[bytes, dict[str, str]]:
    """A payload of the size of an average order event (its JSON as the relay encodes it)."""
    body = order_bodies(catalog, 1, "raw")[0]
    payload = {"type": "StockReserved", "order_id": "ord_" + "0" * 20,
               "reservations": [{"line_no": ln["line_no"], "site": "DAL", "sku": ln["sku"],
                                 "quantity": ln["quantity"]} for ln in body["lines"]],
               "occurred_at": datetime.now(UTC).isoformat()}
    data = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return data, {"Event-Type": "StockReserved"}


Timing = tuple[int, float, list[float]]
"""One timed pass: messages, seconds, per-call durations (empty when not per call)."""


class RawJetStream:
    """The raw paths on one fresh stream, created by `NatsTransport` as production would
    (file storage, dedup window); every path takes its turn in every round."""

    def __init__(self, broker: Broker, payload: bytes, headers: dict[str, str]) -> None:
        from shipshape.adapters.messaging.nats import NatsTransport
        from shipshape.services.ports.messaging import ConsumerPolicy

        self.broker, self.payload, self.headers = broker, payload, headers
        self.transport = NatsTransport(broker.url, broker.stream, [f"{broker.prefix}.>"])
        self.policy = ConsumerPolicy(ack_wait_s=30.0, max_deliver=5)
        self.timings: dict[str, list[Timing]] = {}

    def subject(self, key: str) -> str:
        return str(event_subject("StockReserved", key, self.broker.prefix, PARTITIONS))

    def add(self, path: str, timing: Timing) -> None:
        self.timings.setdefault(path, []).append(timing)

    def publish_round(self, keys: Sequence[str]) -> None:
        async def raw() -> None:
            import nats

            nc = await nats.connect(self.broker.url)
            js, stream = nc.jetstream(), self.broker.stream
            try:
                args = (js, stream, keys, self.subject, self.payload, self.headers)
                self.add("raw_publish_sync", await _publish_sync(*args))
                self.add("raw_publish_async", await _publish_async(*args))
            finally:
                await nc.close()

        asyncio.run(raw())
        self.add("transport_publish", self.publish_via_transport(keys))

    def publish_via_transport(self, keys: Sequence[str]) -> Timing:
        from shipshape.services.ports.messaging import Message

        samples = []
        started = time.perf_counter()
        for key in keys:
            t0 = time.perf_counter()
            self.transport.publish(Message(uuid.uuid4().hex, self.subject(key), key,
                                           self.payload, self.headers))
            samples.append(time.perf_counter() - t0)
        return len(keys), time.perf_counter() - started, samples

    def consume_round(self, count: int) -> None:
        async def raw() -> None:
            import nats

            nc = await nats.connect(self.broker.url)
            js, stream = nc.jetstream(), self.broker.stream
            try:
                one = await _pull(js, stream, "bench-raw-one", 1)
                many = await _pull(js, stream, "bench-raw-many", 1000)
                self.add("raw_consume_one", await _consume(one, count, 1, sync_ack=True))
                self.add("raw_consume_batch", await _consume(many, count, RAW_CONSUME_BATCH,
                                                             sync_ack=False))
            finally:
                await nc.close()

        asyncio.run(raw())
        self.add("transport_consume", self.consume_via_transport(count))

    def consume_via_transport(self, count: int) -> Timing:
        """What a worker's partition thread does, without a handler: fetch (batch 10, of
        which max_ack_pending=1 lets one come) and ack."""
        got, subjects = 0, [f"{self.broker.prefix}.>"]
        started = time.perf_counter()
        while got < count:
            for delivery in self.transport.fetch("bench-transport", subjects, 10, 1.0,
                                                 self.policy):
                self.transport.ack(delivery)
                got += 1
        return got, time.perf_counter() - started, []


def raw_jetstream(url: str, messages: int, rounds: int, catalog: Catalog
                  ) -> list[dict[str, Any]]:
    """Publish and consume rates of plain nats-py, and of `NatsTransport`, on one stream."""
    payload, headers = sample_event(catalog)
    per_round = max(1, messages // rounds)
    keys = [f"ord_{n:020d}" for n in range(per_round * rounds)]
    with fresh_broker(url, "raw") as broker:
        bench = RawJetStream(broker, payload, headers)
        try:
            for r in range(rounds):
                bench.publish_round(keys[r * per_round:(r + 1) * per_round])
            for _ in range(rounds):
                bench.consume_round(per_round)
        finally:
            bench.transport.close()
    console.print(f"raw JetStream: {3 * per_round * rounds:,} messages of {len(payload)} bytes "
                  f"published, {per_round * rounds:,} consumed by each of 3 consumers")
    return _raw_rows(bench.timings, len(payload))


async def _publish_sync(js: Any, stream: str, keys: Sequence[str],
                        subject: Callable[[str], str], payload: bytes,
                        headers: dict[str, str]) -> Timing:
    samples = []
    started = time.perf_counter()
    for key in keys:
        t0 = time.perf_counter()
        await js.publish(subject(key), payload, stream=stream, timeout=5, headers={
            **headers, "Nats-Msg-Id": uuid.uuid4().hex, "Shipshape-Key": key})
        samples.append(time.perf_counter() - t0)
    return len(keys), time.perf_counter() - started, samples


async def _publish_async(js: Any, stream: str, keys: Sequence[str],
                         subject: Callable[[str], str], payload: bytes,
                         headers: dict[str, str]) -> Timing:
    started = time.perf_counter()
    futures = [await js.publish_async(subject(key), payload, stream=stream, headers={
        **headers, "Nats-Msg-Id": uuid.uuid4().hex, "Shipshape-Key": key}) for key in keys]
    await asyncio.gather(*futures)
    return len(keys), time.perf_counter() - started, []


async def _pull(js: Any, stream: str, name: str, max_ack_pending: int) -> Any:
    from nats.js.api import AckPolicy, ConsumerConfig

    await js.add_consumer(stream, ConsumerConfig(
        durable_name=name, ack_policy=AckPolicy.EXPLICIT, ack_wait=30,
        max_ack_pending=max_ack_pending))
    return await js.pull_subscribe_bind(durable=name, stream=stream)


async def _consume(sub: Any, count: int, batch: int, sync_ack: bool) -> Timing:
    got = 0
    samples = []
    started = time.perf_counter()
    while got < count:
        t0 = time.perf_counter()
        messages = await sub.fetch(min(batch, count - got), timeout=2)
        for message in messages:
            await (message.ack_sync(timeout=5) if sync_ack else message.ack())
        got += len(messages)
        if batch == 1:
            samples.append(time.perf_counter() - t0)
    return got, time.perf_counter() - started, samples


RAW_PATHS = {
    "raw_publish_sync": ("JetStream publish, await each PubAck (nats-py)", "raw_publish_sync"),
    "raw_publish_async": ("JetStream publish_async, pipelined (ceiling)", "raw_publish_sync"),
    "transport_publish": ("NatsTransport.publish (the relay's call)", "raw_publish_sync"),
    "raw_consume_one": ("JetStream fetch 1 + ack_sync, max_ack_pending 1", "raw_consume_one"),
    "raw_consume_batch": (f"JetStream fetch {RAW_CONSUME_BATCH} + ack (ceiling)",
                          "raw_consume_one"),
    "transport_consume": ("NatsTransport.fetch + ack (the worker's calls)", "raw_consume_one"),
}


def _raw_rows(timings: dict[str, list[Timing]], size: int) -> list[dict[str, Any]]:
    rates = {path: statistics.median(n / s for n, s, _ in runs) for path, runs in timings.items()}
    rows = []
    for path, (measure, base) in RAW_PATHS.items():
        runs = timings[path]
        samples = [x for _, _, xs in runs for x in xs]
        stats = latency_ms(samples) if samples else {}
        rows.append({"part": "1 raw", "path": path, "measure": measure, "backend": "-",
                     "transport": "nats", "count": sum(n for n, _, _ in runs),
                     "seconds": sum(s for _, s, _ in runs), "rate": rates[path],
                     "rate_rounds": [n / s for n, s, _ in runs], "unit": "msgs/s",
                     "payload_bytes": size, "p50_ms": stats.get("p50_ms"),
                     "p99_ms": stats.get("p99_ms"),
                     "vs_raw": None if path == base else rates[path] / rates[base]})
    return rows


# --------------------------------------------------------------------------- shared pieces


def submit_all(container: Container, catalog: Catalog, count: int, tag: str) -> float:
    """Submit `count` orders in batches (the backlog of part 2); returns the seconds it took."""
    orders = drafts(order_bodies(catalog, count, tag))
    started = time.perf_counter()
    submit_batches(container, orders)
    return time.perf_counter() - started


def submit_batches(container: Container, orders: Sequence[OrderDraft]) -> None:
    """`intake.submit_orders`, SUBMIT_BATCH orders per transaction, as fast as it goes."""
    for i in range(0, len(orders), SUBMIT_BATCH):
        results = intake.submit_orders(
            container.deps, [intake.SubmitOrder(d) for d in orders[i:i + SUBMIT_BATCH]])
        bad = [r for r in results if not isinstance(r, intake.IntakeResult)
               or r.status != "accepted"]
        if bad:
            raise RuntimeError(f"{len(bad)} orders not accepted: {bad[0]}")


def submit_paced(container: Container, orders: Sequence[OrderDraft], pace: float,
                 started: float) -> None:
    """`intake.submit_order`, one per transaction, order i at `started + i / pace`."""
    for i, draft in enumerate(orders):
        delay = started + i / pace - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        result = intake.submit_order(container.deps, intake.SubmitOrder(draft))
        if result.status != "accepted":
            raise RuntimeError(f"order not accepted: {result.body}")


def outbox_mark(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(t.outbox.c.id), 0))).scalar_one())


def inbox_count(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.inbox)
                                .where(t.inbox.c.consumer == ERP_ORDER_MIRROR)).scalar_one())


def wait_for_inbox(container: Container, target: int, timeout_s: float,
                   alive: Callable[[], str | None] = lambda: None) -> None:
    deadline = time.monotonic() + timeout_s
    while inbox_count(container) < target:
        problem = alive()
        if problem:
            raise RuntimeError(problem)
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {inbox_count(container)} of {target} inbox rows after "
                               f"{timeout_s:.0f} s")
        time.sleep(0.05)


@dataclass
class Applied:
    """The run's handled events (OrderAccepted/Held), as the store recorded them."""

    created: list[datetime]
    published: list[datetime | None]
    processed: list[datetime]
    last_published: datetime | None
    relayed_rows: int


def applied_since(container: Container, mark: int, upto: int) -> Applied:
    """Handled events of outbox ids in (mark, upto] with their inbox rows; relay progress."""
    ob, ib = t.outbox.c, t.inbox.c
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(ob.created_at, ob.published_at, ib.processed_at)
            .join_from(t.outbox, t.inbox, (ib.event_id == ob.event_id)
                       & (ib.consumer == ERP_ORDER_MIRROR))
            .where(ob.id > mark, ob.id <= upto, ob.topic.in_(HANDLED))).all()
        relayed, last = conn.execute(
            select(func.count(ob.published_at), func.max(ob.published_at))
            .where(ob.id > mark, ob.id <= upto)).one()
    return Applied([r.created_at for r in rows], [r.published_at for r in rows],
                   [r.processed_at for r in rows], last, int(relayed or 0))


def lag_ms(applied: Applied, since: datetime | None = None) -> dict[str, float]:
    """Event lag: processed_at - max(created_at, since), p50 and p99 in ms."""
    lags = [((p - max(c, since) if since else p - c).total_seconds()) * 1000
            for c, p in zip(applied.created, applied.processed, strict=True)]
    return {"p50_ms": percentile(lags, 50), "p99_ms": percentile(lags, 99),
            "max_ms": max(lags) if lags else float("nan")}


def lag_parts_ms(applied: Applied) -> dict[str, float]:
    """The end-to-end lag split at the relay's mark (published_at is stamped after the
    relay's whole batch went out, so the second part can be short by up to a batch)."""
    pairs = [(c, u, p) for c, u, p in zip(applied.created, applied.published, applied.processed,
                                          strict=True) if u is not None]
    to_published = [(u - c).total_seconds() * 1000 for c, u, _ in pairs]
    to_processed = [(p - u).total_seconds() * 1000 for _, u, p in pairs]
    return {"created_to_published_p50_ms": percentile(to_published, 50),
            "created_to_published_p99_ms": percentile(to_published, 99),
            "published_to_processed_p50_ms": percentile(to_processed, 50),
            "published_to_processed_p99_ms": percentile(to_processed, 99)}


def settle_outbox(container: Container) -> int:
    """Mark what a run left unsent (the SystemCalled events of its last orders) as sent, so
    that the next run, on a new stream, starts from an empty outbox. Benchmark housekeeping."""
    with container.engine.begin() as conn:
        done = conn.execute(update(t.outbox).where(t.outbox.c.published_at.is_(None))
                            .values(published_at=datetime.now(UTC)))
        return int(done.rowcount or 0)


# --------------------------------------------------------------------------- 2. backlog


def backlog_run(store: Store, catalog: Catalog, orders: int, kind: str,
                broker: Broker | None, seeded: bool) -> list[dict[str, Any]]:
    """K orders submitted first; then relay + worker in this process until all applied."""
    settings = store.settings(**(broker.settings() if broker else {}))
    container = build(settings, migrate=True)
    try:
        if not seeded:
            seed(container, catalog)
        mark = outbox_mark(container)
        before = inbox_count(container)
        tag = f"backlog-{kind}-{uuid.uuid4().hex[:8]}"   # distinct orders in every run
        submit_s = submit_all(container, catalog, orders, tag)
        upto = outbox_mark(container)
        rows_in = upto - mark
        transport = container.transport       # connected before the clock starts
        stop = threading.Event()
        worker = Worker(container)
        worker_thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        worker_thread.start()
        if broker:
            _wait(lambda: partition_consumers_exist(broker), 30, "durable consumers")
        t0 = datetime.now(UTC)
        started = time.perf_counter()
        relay_thread = threading.Thread(target=relay_forever, args=(
            container.deps, transport, stop, settings.relay_interval_s, settings.relay_batch),
            daemon=True)
        relay_thread.start()
        try:
            wait_for_inbox(container, before + orders, 600)
            wall = time.perf_counter() - started
            with worker.tally.lock:
                tally = dataclasses.asdict(worker.tally.result)
                delivered = worker.tally.result.fetched
                retried = worker.tally.result.retried + worker.tally.result.failed
        finally:
            stop.set()
            relay_thread.join(30)
            worker_thread.join(90)
        applied = applied_since(container, mark, upto)
        settle_outbox(container)
    finally:
        container.close()
    if len(applied.processed) != orders:
        raise RuntimeError(f"{len(applied.processed)} handled events applied, expected {orders}")
    apply_s = (max(applied.processed) - t0).total_seconds()
    relay_s = (applied.last_published - t0).total_seconds() if applied.last_published else wall
    lag = lag_ms(applied, since=t0)
    label = f"{kind}/{store.backend}"
    console.print(f"backlog {label}: {orders:,} orders ({rows_in:,} outbox rows) submitted in "
                  f"{submit_s:.1f} s; relayed in {relay_s:.1f} s, applied in {apply_s:.1f} s; "
                  f"{delivered:,} deliveries, {retried} retried")
    common = {"part": "2 backlog", "backend": store.backend, "transport": kind,
              "workers": "1 (in-process)", "orders": orders, "outbox_rows": rows_in,
              "consumers": list(worker.handlers)}
    return [
        {**common, "path": f"backlog_relay_{kind}",
         "measure": "outbox -> published (relay, beside the worker)",
         "count": rows_in, "seconds": relay_s, "rate": rows_in / relay_s, "unit": "events/s"},
        {**common, "path": f"backlog_delivered_{kind}",
         "measure": "deliveries to the worker (one per event and partition)",
         "count": delivered, "seconds": wall,
         "rate": delivered / wall, "unit": "msgs/s", "retried": retried, "tally": tally},
        {**common, "path": f"backlog_applied_{kind}",
         "measure": "outbox -> applied (OrderAccepted)", "count": orders, "seconds": apply_s,
         "rate": orders / apply_s, "unit": "events/s", **lag,
         "events_per_s_all_rows": rows_in / apply_s},
    ]


def _wait(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout_s:.0f} s")
        time.sleep(0.1)


# --------------------------------------------------------------------------- 3. end to end


class Process:
    """A `shipshape` subprocess with its output in a log file; stopped by SIGTERM."""

    def __init__(self, args: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.popen = subprocess.Popen([SHIPSHAPE, *args], env=env, stdout=self._out,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return " ".join(self.log.read_text(errors="replace").split())

    def problem(self) -> str | None:
        if self.popen.poll() is not None:
            return f"{self.log.name} exited {self.popen.returncode}: {self.text()[-1500:]}"
        return None

    def wait_for(self, needle: str, timeout_s: float = 60, poll_s: float = 0.1) -> None:
        deadline = time.monotonic() + timeout_s
        while needle not in self.text():
            problem = self.problem()
            if problem:
                raise RuntimeError(problem)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.log.name}: no {needle!r} in {timeout_s:.0f} s: "
                                   f"{self.text()[-1500:]}")
            time.sleep(poll_s)

    def stop(self) -> str:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._out.close()
        return self.text()


MODES = {
    "flat": f"{SUBMIT_BATCH} orders per txn, flat out, beside relay + workers",
    "drain": "backlog drained by `shipshape relay` + worker processes",
    "paced": "1 order per txn at {pace:g}/s, beside relay + workers",
}


def end_to_end_run(store: Store, catalog: Catalog, url: str, workers: int, orders: int,
                   mode: str, pace: float, folder: Path,
                   relay_interval: float | None = None) -> dict[str, Any]:
    """`shipshape relay` and `workers` x `shipshape worker` as subprocesses.

    flat: this process submits the orders as fast as it can while they all run; paced: one
    order per transaction at `pace`/s; drain: the orders are submitted first, the workers
    started, and the clock starts when the relay starts publishing. `relay_interval`:
    `shipshape relay --interval` (default: the settings', 0.5 s).
    """
    relay_args = ["relay"] + (["--interval", str(relay_interval)] if relay_interval else [])
    with fresh_broker(url, f"e2e{workers}{mode}") as broker:
        container = build(store.settings(**broker.settings()), migrate=True)
        env = {**os.environ, "SHIPSHAPE_DATABASE_URL": store.url, "SHIPSHAPE_ENV": "test",
               "COLUMNS": "200", **broker.env()}
        tag = f"{workers}-{mode}-{broker.prefix}"
        todo = drafts(order_bodies(catalog, orders, f"e2e-{tag}"))
        mark = outbox_mark(container)
        before = inbox_count(container)
        procs: list[Process] = []
        submit_s = 0.0
        try:
            if mode == "drain":
                submit_s = submit_timed(container, todo, mode, pace)
                upto = outbox_mark(container)
            procs += [Process(["worker"], env, folder / f"worker{n}-{tag}.log")
                      for n in range(workers)]
            if mode != "drain":
                procs.append(Process(relay_args, env, folder / f"relay-{tag}.log"))
            for proc in procs:
                proc.wait_for("publishing to" if proc.log.name.startswith("relay")
                              else "consumer threads")
            _wait(lambda: partition_consumers_exist(broker), 30, "durable consumers")
            if mode == "drain":
                procs.append(Process(relay_args, env, folder / f"relay-{tag}.log"))
                procs[-1].wait_for("publishing to", poll_s=0.01)
            cpu = CpuMeter(procs)
            t0 = datetime.now(UTC)
            if mode != "drain":
                submit_s = submit_timed(container, todo, mode, pace)
                upto = outbox_mark(container)

            def alive() -> str | None:
                return next((p for p in map(Process.problem, procs) if p), None)

            wait_for_inbox(container, before + orders, 600, alive)
            cores = cpu.read()
            acked = acked_by_consumers(broker)
        finally:
            outputs = {proc.log.name: proc.stop() for proc in procs}
        applied = applied_since(container, mark, upto)
        settle_outbox(container)
        container.close()
    if len(applied.processed) != orders:
        raise RuntimeError(f"{len(applied.processed)} handled events applied, expected {orders}")
    total_s = (max(applied.processed) - t0).total_seconds()
    relay_s = (applied.last_published - t0).total_seconds() if applied.last_published else None
    lag = lag_ms(applied, since=t0 if mode == "drain" else None)
    parts = lag_parts_ms(applied) if mode != "drain" else {}
    per_worker = [int(m[1]) for m in (re.search(r"worker stopped: (\d+) applied", out)
                                      for name, out in outputs.items()
                                      if name.startswith("worker")) if m]
    console.print(
        f"end to end, {mode}, {workers} worker(s): {orders:,} orders submitted in "
        f"{submit_s:.1f} s ({orders / submit_s:,.0f}/s), all applied "
        f"{total_s:.1f} s after the {'relay started' if mode == 'drain' else 'first submit'}; "
        + (f"relay published {applied.relayed_rows:,} rows in {relay_s:.1f} s; "
           if mode == "drain" and relay_s else "")
        + f"{acked:,} deliveries acked; applied per worker {per_worker}; lag p50 / p99 "
        f"{lag['p50_ms']:,.0f} / {lag['p99_ms']:,.0f} ms"
        + (f" (created -> marked published p50 {parts['created_to_published_p50_ms']:,.0f} "
           "ms)" if parts else "") + "; cores busy: " + ", ".join(
            f"{name} {value:.2f}" for name, value in cores.items()))
    return {"part": "3 end to end", "path": f"e2e_{mode}_{workers}w",
            "measure": "orders end to end: " + MODES[mode].format(pace=pace),
            "backend": "postgres", "transport": "nats", "workers": workers, "count": orders,
            "seconds": total_s, "rate": orders / total_s, "unit": "orders/s", "mode": mode,
            "submit_s": submit_s, "submit_per_s": orders / submit_s,
            "pace": pace if mode == "paced" else None, "deliveries_acked": acked,
            "deliveries_per_s": acked / total_s, "applied_per_worker": per_worker,
            "cores_busy": cores, "relay_interval_s": relay_interval or 0.5,
            "outbox_rows": applied.relayed_rows,
            "relayed_per_s": applied.relayed_rows / relay_s if relay_s else None, **lag, **parts}


def submit_timed(container: Container, orders: Sequence[OrderDraft], mode: str,
                 pace: float) -> float:
    started = time.perf_counter()
    if mode == "paced":
        submit_paced(container, orders, pace, started)
    else:
        submit_batches(container, orders)
    return time.perf_counter() - started


class CpuMeter:
    """CPU time of the subprocesses, of this process and of the machine, from /proc (Linux);
    `read` gives each as cores busy on average since the meter was made."""

    def __init__(self, procs: Sequence[Process]) -> None:
        self.procs = list(procs)
        self.started = time.perf_counter()
        self.start = self._sample()

    def _sample(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        out = {"benchmark": time.process_time()}
        for proc in self.procs:
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{proc.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
                out[proc.log.name.split("-", 1)[0]] = (int(fields[11]) + int(fields[12])) / tick
        with contextlib.suppress(OSError, ValueError):
            cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
            # all but idle and iowait, of every process (PostgreSQL, nats-server, others)
            out["machine, all processes"] = (sum(cpu) - cpu[3] - cpu[4]) / tick
        return out

    def read(self) -> dict[str, float]:
        now, seconds = self._sample(), time.perf_counter() - self.started
        return {name: (now[name] - self.start[name]) / seconds
                for name in now if name in self.start}


# --------------------------------------------------------------------------- the run


@contextmanager
def pg_store_seeded(catalog: Catalog) -> Iterator[Store]:
    """One PostgreSQL schema for every PostgreSQL run, seeded once (seeding takes ~10 s)."""
    with fresh_store("postgres") as store:
        container = build(store.settings(), migrate=True)
        try:
            seed(container, catalog)
        finally:
            container.close()
        yield store


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000,
                        help="raw JetStream messages per path, over all rounds (default 3000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="raw paths take turns this many times (default 3)")
    parser.add_argument("--orders", type=int, default=1500,
                        help="orders in the backlog of part 2 (default 1500)")
    parser.add_argument("--e2e-orders", type=int, default=600,
                        help="orders per flat-out and drain run of part 3 (default 600)")
    parser.add_argument("--modes", default="flat,drain,paced",
                        help="part 3 runs, of flat,drain,paced (default all three)")
    parser.add_argument("--relay-interval", type=float, default=None,
                        help="part 3: `shipshape relay --interval` (default: the settings')")
    parser.add_argument("--pace", type=float, default=30.0,
                        help="orders/s of the paced end-to-end runs; 0: none (default 30)")
    parser.add_argument("--paced-seconds", type=float, default=8.0,
                        help="length of the paced end-to-end runs (default 8)")
    parser.add_argument("--nats", default=NATS_URL, help=f"NATS URL (default {NATS_URL})")
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args(argv)
    catalog = Catalog()
    rows: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    console.print(f"[bold]{cpus} CPUs[/] for this process, the relay, the workers, "
                  "PostgreSQL and NATS together")
    nats_problem = nats_reachable(args.nats)
    if nats_problem:
        skips.append(skipped("integration", "nats", nats_problem))
    else:
        rows += raw_jetstream(args.nats, args.messages, args.rounds, catalog)

    with fresh_store("sqlite") as store:
        rows += backlog_run(store, catalog, args.orders, "memory", None, seeded=False)
    try:
        with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(
                prefix="shipshape-bench-logs-") as logs:
            store = stack.enter_context(pg_store_seeded(catalog))
            rows += backlog_run(store, catalog, args.orders, "memory", None, seeded=True)
            if not nats_problem:
                with fresh_broker(args.nats, "backlog") as broker:
                    rows += backlog_run(store, catalog, args.orders, "nats", broker, seeded=True)
                if not args.skip_end_to_end:
                    paced = round(args.pace * args.paced_seconds)
                    counts = {"flat": args.e2e_orders, "drain": args.e2e_orders, "paced": paced}
                    for mode in args.modes.split(","):
                        for workers in (1, 2):
                            if counts[mode]:
                                rows.append(end_to_end_run(
                                    store, catalog, args.nats, workers, counts[mode], mode,
                                    args.pace, Path(logs), args.relay_interval))
    except Unavailable as reason:
        skips.append(skipped("integration", "postgres", str(reason)))

    add_ratios(rows)
    print_table("Events through the outbox, the relay, the broker and the consumers "
                f"({cpus} CPUs)", rows, COLUMNS)
    consumers: list[str] = next((r["consumers"] for r in rows if "consumers" in r), [])
    console.print(NOTE.format(cpus=cpus, orders=args.orders, n=len(consumers),
                              consumers=", ".join(consumers), partitions=PARTITIONS))
    payload = {"results": rows, "skipped": skips, "cpus": cpus, "partitions": PARTITIONS,
               "backlog_orders": args.orders, "e2e_orders": args.e2e_orders,
               "pace": args.pace, "paced_seconds": args.paced_seconds,
               "relay_interval_s": args.relay_interval or 0.5,
               "raw_messages": args.messages, "rounds": args.rounds,
               "lag_definition": LAG_DEFINITION}
    write_json("integration", payload)
    return payload


LAG_DEFINITION = (
    "event lag = inbox.processed_at (erp-order-mirror) - outbox.created_at of the OrderAccepted "
    "event (its occurred_at, stamped inside the intake transaction, so a 100-order "
    "transaction's own duration counts); in the backlog and drain runs every event was "
    "waiting before the relay started, so there it is measured from the start of the drain "
    "(processed_at - max(created_at, start)): the time into the drain at which the event "
    "was applied")

NOTE = (
    "[dim]vs_raw: publish rows / raw sync publish; consume, delivery and applied rows / raw "
    "'fetch 1 + ack_sync' (our transport's protocol: max_ack_pending 1 per consumer). "
    "Part 2: {orders} orders submitted first (4 outbox rows each), then relay_forever + a "
    "Worker in this process until every OrderAccepted is applied by erp-order-mirror; the "
    "worker runs {n} consumers ({consumers}) over one thread and durable per partition "
    "({partitions}): each delivery goes to every consumer that wants it, and events no "
    "consumer wants (incl. the SystemCalled and SystemEventReceived events the worker itself "
    "causes) are acked untouched; 'deliveries' counts every delivery; relay rate = the "
    "run's outbox rows / time to their last published_at. Part 3: `shipshape relay` + 1 "
    "or 2 `shipshape worker` processes; flat = this process submits 100 orders per "
    "transaction as fast as it can meanwhile; drain = the orders wait in the outbox before "
    "the relay starts; paced = one order per transaction at a steady rate; orders/s = "
    "orders / (last OrderAccepted applied - first submit, or relay start when draining); "
    "vs_raw = deliveries acked by "
    "all durable consumers per second / raw fetch 1. p50/p99: " + LAG_DEFINITION
    + ". Raw p50/p99: per publish, or per fetch + ack. {cpus} CPUs shared by everything "
    "(the benchmark, relay, workers, PostgreSQL and nats-server): read ratios and medians, "
    "not single figures.[/]")


def add_ratios(rows: list[dict[str, Any]]) -> None:
    raw = {row["path"]: row["rate"] for row in rows if row["part"] == "1 raw"}
    publish, consume = raw.get("raw_publish_sync"), raw.get("raw_consume_one")
    for row in rows:
        if row["part"] == "1 raw" or row.get("transport") != "nats":
            continue
        if row["path"].startswith("backlog_relay") and publish:
            row["vs_raw"] = row["rate"] / publish
        elif consume and row["path"].startswith(("backlog_delivered", "backlog_applied")):
            row["vs_raw"] = row["rate"] / consume
        elif consume and row["path"].startswith(("e2e_flat", "e2e_drain")):
            row["vs_raw"] = row["deliveries_per_s"] / consume


if __name__ == "__main__":
    main(sys.argv[1:])
