"""Faults, end to end: a worker killed mid-flow, a broker stopped during intake, several
consumers with redeliveries. PostgreSQL, a private nats-server and a webhook ERP; the store, the
stream and the ERP are compared from outside afterwards.

Each test prints its figures (run with `-s` to see them).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from shipshape.adapters.channels.bulk_files import read_masterdata
from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.messaging import partition_subject
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.services import intake
from shipshape.services import masterdata as md
from shipshape.services.delivery.consume import ConsumeResult, RetryLater
from shipshape.services.delivery.dispatch import consume_once
from shipshape.services.delivery.relay import relay_forever
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import ConsumerPolicy, Message, event_type_of
from shipshape.sim.sample import sample_day, sample_masterdata
from shipshape.worker import worker_durable
from tests.builders import order, seed_distributor
from tests.contract.natsserver import NatsServer
from tests.e2e.fault_support import (
    PARTITIONS,
    Audit,
    Stack,
    audit,
    broker_redeliveries,
    feed,
    private_nats,
    redelivered_at_erp,
    stack,
    stream_message_ids,
    wait_until,
)
from tests.worlds.events import FaultProbeApplied

pytestmark = [pytest.mark.slow,
              pytest.mark.parametrize("database_url", ["postgres"], indirect=True)]

READY = "consumer threads"
"""What `shipshape worker` prints once its threads run."""
ERP_CONSUMERS = [worker_durable(p) for p in range(PARTITIONS)]
"""The durables of `shipshape worker` (every consumer, one durable per partition)."""


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    with private_nats(tmp_path) as server:
        yield server


def seed_sample(s: Stack) -> dict[str, list[dict[str, object]]]:
    masterdata = sample_masterdata()
    path = s.workdir / "sample-masterdata.json"
    path.write_text(json.dumps(masterdata), encoding="utf-8")
    data = read_masterdata(path)
    md.load(s.container.deps, data.records, data.receipts)
    return masterdata


def explain(found: Audit, problems: list[str], **figures: object) -> str:
    lines = [*problems, f"mirrored events {len(found.mirrored)}, outbox rows "
             f"{found.outbox_rows}, orders {dict(found.statuses)}"]
    lines += [f"{name}: {value}" for name, value in figures.items()]
    return "\n".join(lines)


def worker_summary(output: str) -> dict[str, int]:
    found = re.search(r"worker stopped: (\d+) applied, (\d+) duplicates", output)
    return {"applied": int(found[1]), "duplicates": int(found[2])} if found else {}


# -- 1. a worker SIGKILLed at random moments ------------------------------------------------

ORDERS = 400
KILLS = 3
DRAIN_S = 90.0


def test_a_worker_killed_at_random_moments_loses_nothing_and_applies_nothing_twice(
        database_url: str, nats_server: NatsServer, tmp_path: Path) -> None:
    rng = random.Random(20261127)
    started = time.monotonic()
    with stack(database_url, nats_server, tmp_path, erp_latency_ms=5) as s:
        orders = sample_day(seed_sample(s), orders=ORDERS)
        procs = [s.proc("relay", "relay"), s.proc("worker-0", "worker")]
        kills: list[str] = []
        try:
            with ThreadPoolExecutor(1) as pool:
                fed = pool.submit(feed, s.container, orders, 25, 0.05)
                for n in range(1, KILLS + 1):
                    procs[-1].wait_for(READY)
                    pause = rng.uniform(0.3, 2.0)
                    time.sleep(pause)
                    procs[-1].kill()
                    kills.append(f"after {pause:.2f} s, {len(s.peer.system.applied)} applied "
                                 f"at the ERP, intake {'done' if fed.done() else 'running'}")
                    procs.append(s.proc(f"worker-{n}", "worker"))
                tally = fed.result(timeout=60)
            done = wait_until(lambda: audit(s.container).complete(), DRAIN_S)
            status = procs[-1].stop()
            last = worker_summary(procs[-1].output())
        finally:
            for proc in procs:
                proc.stop()
        found = audit(s.container)
        erp = set(s.peer.system.applied)
        problems = found.problems(erp)
        figures = {
            "intake": dict(tally), "kills": kills,
            "broker redeliveries": broker_redeliveries(s.nats.url, s.stream, ERP_CONSUMERS),
            "ERP calls repeated (same webhook-id)": redelivered_at_erp(s.peer),
            "SystemCalled with a duplicate ERP reply": found.duplicate_replies,
            "last worker": last, "seconds": round(time.monotonic() - started, 1)}
        print("\nworker kills:", figures)
        assert done, f"not drained within {DRAIN_S:.0f} s:\n" + explain(found, problems,
                                                                        **figures)
        assert not problems, explain(found, problems, **figures)
        assert sum(tally.values()) == ORDERS and not tally["rejected"], tally
        assert sum(found.statuses.values()) == tally["accepted"] + tally["held"]
        assert len(erp) == len(found.mirrored) == tally["accepted"] + tally["held"]
        assert status == 0 and last, procs[-1].output()[-2000:]


# -- 2. the broker stopped for 8 s during intake ----------------------------------------------

OUTAGE_S = 8.0
OUTAGE_ORDERS = 300
STOP_AFTER_S = 2.0
"""Into the intake (300 orders, 25 every ~0.6 s), while the relay and the worker are busy."""


def test_a_broker_stopped_during_intake_loses_nothing_and_publishes_each_event_once(
        database_url: str, nats_server: NatsServer, tmp_path: Path) -> None:
    started = time.monotonic()
    with stack(database_url, nats_server, tmp_path) as s:
        orders = sample_day(seed_sample(s), orders=OUTAGE_ORDERS, seed=23)
        procs = [s.proc("relay", "relay"), s.proc("worker", "worker")]
        try:
            procs[-1].wait_for(READY)
            with ThreadPoolExecutor(1) as pool:
                fed = pool.submit(feed, s.container, orders, 25, 0.5)
                time.sleep(STOP_AFTER_S)
                s.nats.stop()
                stopped, at_stop = time.monotonic(), audit(s.container)
                tally = fed.result(timeout=60)
            intake_s = time.monotonic() - stopped
            at_end = audit(s.container)
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
            s.nats.start()
            restarted = time.monotonic()
            done = wait_until(lambda: audit(s.container).complete(), 60)
            drain_s = time.monotonic() - restarted
            status = procs[-1].stop()
        finally:
            for proc in procs:
                proc.stop()
        found = audit(s.container)
        problems = found.problems(set(s.peer.system.applied))
        with s.container.engine.connect() as conn:
            outbox_ids = set(conn.execute(select(t.outbox.c.event_id)).scalars())
        in_stream = Counter(stream_message_ids(s.nats.url, s.stream, f"{s.prefix}.>"))
        figures = {
            "intake": dict(tally), "orders stored before the stop":
            sum(at_stop.statuses.values()), "orders stored during the outage":
            sum(at_end.statuses.values()) - sum(at_stop.statuses.values()),
            "intake after the stop (s)": round(intake_s, 1),
            "unsent at the stop": at_stop.unsent, "unsent at the end of intake": at_end.unsent,
            "drained after restart (s)": round(drain_s, 1),
            "stream messages": sum(in_stream.values()),
            "outbox rows": len(outbox_ids),
            "broker redeliveries": broker_redeliveries(s.nats.url, s.stream, ERP_CONSUMERS),
            "seconds": round(time.monotonic() - started, 1)}
        print("\nbroker outage:", figures)
        assert done, explain(found, problems, **figures)
        assert not problems, explain(found, problems, **figures)
        assert sum(tally.values()) == OUTAGE_ORDERS and not tally["rejected"], tally
        assert sum(at_end.statuses.values()) > sum(at_stop.statuses.values()), figures
        assert at_end.unsent > at_stop.unsent, figures
        twice = sorted(i for i, n in in_stream.items() if n > 1)
        assert not twice, f"published more than once: {twice[:20]}"
        assert set(in_stream) == outbox_ids, (
            f"missing from the stream: {sorted(outbox_ids - set(in_stream))[:20]}; "
            f"not in the outbox: {sorted(set(in_stream) - outbox_ids)[:20]}")
        assert status == 0, procs[-1].output()[-2000:]


# -- 3. per-order order with redeliveries and two workers -------------------------------------

PROBE = FaultProbeApplied.TYPE
PROBE_CONSUMER = "fault-probe"
PREFIX, STREAM = "probe", "PROBE"
PROBE_ORDERS = 150
POLICY = ConsumerPolicy(ack_wait_s=2.0, max_deliver=0, backoff_s=(0.05,))
CRASH_AT = frozenset({40, 140, 240})
"""The deliveries (counted over both workers) that a handler holds without acking or nakking."""


class Crash(BaseException):
    """A worker thread dying with a delivery in hand: neither acked nor nakked."""


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.prepared = 0
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def next_delivery(self) -> int:
        with self.lock:
            self.prepared += 1
            return self.prepared


class FlakyProbe:
    """Applies every order event (but its own) by appending a `FaultProbeApplied` event that
    names it, so the store shows what was applied, in which order, by which worker. At random it
    fails before applying (RetryLater: nak with delay) or while applying (RetryLater after the
    write: rolled back); at `CRASH_AT` it crashes holding the delivery (redelivered after the
    ack wait, maybe to the other worker)."""

    def __init__(self, worker: str, partition: int, tally: Tally, rate: float = 0.15) -> None:
        self.worker = worker
        self.tally = tally
        self.rate = rate
        self.rng = random.Random(f"{worker}-{partition}")

    def wants(self, message: Message) -> bool:
        return event_type_of(message) != PROBE

    def prepare(self, message: Message) -> object:
        if self.tally.next_delivery() in CRASH_AT:
            self.tally.count("crashes")
            raise Crash(message.id)
        if self.rng.random() < self.rate:
            self.tally.count("failed before applying")
            raise RetryLater("flaky before", delay_s=0.05)
        return None

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        uow.events.append([FaultProbeApplied(occurred_at=datetime.now(UTC), key=message.key,
                                             source_event=message.id, worker=self.worker)])
        if self.rng.random() < self.rate:
            self.tally.count("failed while applying")
            raise RetryLater("flaky while applying", delay_s=0.05)


def consume_partition(container: Container, worker: str, partition: int,
                      stop: threading.Event, tally: Tally) -> None:
    """What one thread of `shipshape worker` does, with the flaky handler."""
    handler = FlakyProbe(worker, partition, tally)
    result = ConsumeResult()
    while not stop.is_set():
        try:
            result.add(consume_once(
                container.deps, container.transport, PROBE_CONSUMER,
                [partition_subject(PREFIX, partition)], handler, POLICY, batch=10, timeout_s=0.3,
                durable=f"{PROBE_CONSUMER}-p{partition}"))
        except Crash:
            continue
        except Exception as error:
            with tally.lock:
                tally.errors.append(f"{worker}-p{partition}: {error!r}")
            time.sleep(0.2)
    with tally.lock:
        tally.counts["nakked"] += result.retried + result.failed
        tally.counts["duplicates"] += result.duplicates


def probe_orders() -> list[intake.SubmitOrder]:
    """Accepted orders (4 events each) and, every fourth, held ones at a wrong price."""
    ship = (date.today() + timedelta(days=7)).isoformat()
    out = []
    for n in range(PROBE_ORDERS):
        price = "99.00" if n % 4 == 3 else "10.00"
        body = order(external_id=f"F-{n}", customer_po=f"PO-F-{n}", requested_ship_date=ship,
                     lines=[{"line_no": 1, "sku": "SKU1", "quantity": 1, "unit_price": price}])
        out.append(intake.SubmitOrder(OrderIn.model_validate(body).to_domain()))
    return out


@dataclass
class Applied:
    expected: dict[str, list[str]]
    """Per order: its events (but the probe's) in outbox id order."""
    applied: dict[str, list[str]]
    """Per order: the events the probe applied, in the order it applied them (its events are
    appended in apply order, and an order's next delivery waits for the ack of the last)."""
    per_worker: Counter[str]
    inbox: Counter[str]

    @property
    def events(self) -> int:
        return sum(map(len, self.expected.values()))


def applied_in_order(container: Container) -> Applied:
    with container.engine.connect() as conn:
        events = conn.execute(
            select(t.outbox.c.stream, t.outbox.c.event_id, t.outbox.c.payload)
            .order_by(t.outbox.c.id)).all()
        probes = conn.execute(
            select(t.order_events.c.order_id, t.order_events.c.payload)
            .where(t.order_events.c.type == PROBE).order_by(t.order_events.c.id)).all()
        inbox = Counter(conn.execute(select(t.inbox.c.event_id).where(
            t.inbox.c.consumer == PROBE_CONSUMER)).scalars())
    expected: dict[str, list[str]] = {}
    for order_id, event_id, payload in events:
        if payload["type"] != PROBE:
            expected.setdefault(order_id, []).append(event_id)
    applied: dict[str, list[str]] = {}
    for order_id, payload in probes:
        applied.setdefault(order_id, []).append(payload["source_event"])
    return Applied(expected, applied, Counter(payload["worker"] for _, payload in probes), inbox)


def test_two_workers_with_redeliveries_apply_each_order_s_events_once_and_in_order(
        database_url: str, nats_server: NatsServer) -> None:
    settings = Settings(database_url=database_url, env="test", broker_url=nats_server.url,
                        broker_stream=STREAM, broker_subject_prefix=PREFIX,
                        broker_partitions=PARTITIONS)
    started = time.monotonic()
    workers = {"a": build(settings, migrate=True), "b": build(settings)}
    stop, stop_relay, tally = threading.Event(), threading.Event(), Tally()
    threads = [threading.Thread(target=consume_partition, args=(c, name, p, stop, tally))
               for name, c in workers.items() for p in range(PARTITIONS)]
    first = workers["a"]
    relay = threading.Thread(target=relay_forever,
                             args=(first.deps, first.transport, stop_relay, 0.05))

    def stop_threads() -> None:
        stop.set()
        stop_relay.set()
        for thread in [*threads, relay]:
            if thread.ident is not None:
                thread.join(30)

    try:
        seed_distributor(first, {("DAL", "SKU1"): 10_000})
        relay.start()
        for thread in threads:
            thread.start()
        commands = probe_orders()
        for i in range(0, len(commands), 10):
            intake.submit_orders(first.deps, commands[i:i + 10])

        def all_applied() -> bool:
            seen = applied_in_order(first)
            return sum(seen.inbox.values()) >= seen.events

        done = wait_until(all_applied, 60)
        time.sleep(0.5)  # anything applied twice would show now
        stop_threads()
        seen = applied_in_order(first)
        redelivered = broker_redeliveries(nats_server.url, STREAM, [
            f"{PROBE_CONSUMER}-p{p}" for p in range(PARTITIONS)])
    finally:
        stop_threads()
        for container in workers.values():
            container.close()
    figures = {"events": seen.events, "orders": len(seen.expected),
               "applied per worker": dict(seen.per_worker), **tally.counts,
               "broker redeliveries": redelivered,
               "seconds": round(time.monotonic() - started, 1)}
    print("\ntwo workers:", figures)
    wrong = {o: {"applied": seen.applied.get(o), "outbox order": e}
             for o, e in seen.expected.items() if seen.applied.get(o) != e}
    assert done and not wrong, (
        f"{len(wrong)} orders not applied exactly once each in outbox order, e.g. "
        f"{list(wrong.items())[:3]}; {figures}")
    everything = {e for events in seen.expected.values() for e in events}
    assert set(seen.inbox) == everything and max(seen.inbox.values()) == 1
    assert not tally.errors, tally.errors[:10]
    assert len(seen.per_worker) == 2 and min(seen.per_worker.values()) > 0, figures
    assert tally.counts["crashes"] == len(CRASH_AT), figures
    assert tally.counts["failed before applying"] and tally.counts["failed while applying"]
