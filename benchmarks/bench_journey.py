"""Orders per second from release to invoice, with the simulated WMS, TMS and ERP.

`--orders` accepted 3-line orders wait at one site. The clock starts when one wave releases
them all and stops when the last of them is `invoiced`: in between, every order is sent to the
WMS in the wave, picked (the WMS's `pick_confirmed`), tendered to the TMS, released for
shipping, shipped (`shipment_confirmed`: stock leaves, the invoice is issued), posted to the ERP
and acknowledged (`invoice_posted`). An outbox relay thread (polling every 50 ms) and a worker
(one thread per partition and one for the systems' events) run in this process, as
`shipshape serve` runs them embedded; the systems answer at once (no latency).

Setups: SQLite + the in-process broker (the embedded default), PostgreSQL + the in-process
broker, PostgreSQL + NATS JetStream.

Baseline, measured in the same run on the same store: the journey's work per order is a chain
of units (the wave's share, one per consumer delivery, one per system event applied:
`units_per_order`), which the worker and the system-event taker apply a batch to a transaction;
`commits_per_order` counts the commits the engine really made during the run. A bare transaction
on the same engine (insert one row, commit) costs `commit_ms`. The floor,
`commits/s / commits per order`, is what this machine could reach if the journey's work were
nothing but its commits; `ratio_to_floor` says how close the journey gets. `cpu_ms_per_order` is
this process's CPU time (every thread) from release to the last invoice, per order: the
journey is CPU-bound, and this figure moves less with a noisy neighbour than the rate does.

Usage: python benchmarks/bench_journey.py [--orders N] [--setup sqlite-memory ...]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from bench_integration import NATS_URL, delete_streams, nats_reachable
from bench_prewave import SITE, place
from common import (
    Catalog,
    Unavailable,
    fresh_store,
    machine,
    print_table,
    seeded_container,
    skipped,
    write_json,
)
from sqlalchemy import event, func, select, text

from shipshape.adapters.db import queries
from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container, build, start_relay_thread
from shipshape.services.release import release_wave
from shipshape.worker import Worker

SETUPS = ("sqlite-memory", "postgres-memory", "postgres-nats")
COLUMNS = ("setup", "orders", "seconds", "orders_per_s", "cpu_ms_per_order", "p50_ms", "p99_ms",
           "units_per_order", "commits_per_order", "commit_ms", "floor_orders_per_s",
           "ratio_to_floor")


def wait_for(done: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def units(container: Container) -> int:
    """Consumer deliveries applied plus system events applied."""
    with container.engine.connect() as conn:
        inbox = conn.execute(select(func.count()).select_from(t.inbox)).scalar_one()
        inbound = conn.execute(select(func.count()).select_from(t.idempotency_keys)).scalar_one()
    return int(inbox) + int(inbound)


def commit_ms(container: Container, rounds: int = 300) -> float:
    """Median of a bare transaction on the same engine: one insert, commit."""
    engine = container.engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_commit (id VARCHAR(40))"))
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_commit VALUES (:id)"),
                         {"id": uuid.uuid4().hex})
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def latencies_ms(container: Container) -> list[float]:
    """Per order: from its release to its invoice being posted."""
    e = t.order_events.c
    with container.engine.connect() as conn:
        rows = conn.execute(select(e.order_id, e.type, e.occurred_at).where(
            e.type.in_(["OrderReleased", "InvoicePosted"]))).all()
    released = {r.order_id: r.occurred_at for r in rows if r.type == "OrderReleased"}
    posted = {r.order_id: r.occurred_at for r in rows if r.type == "InvoicePosted"}
    return sorted((posted[o] - released[o]).total_seconds() * 1000
                  for o in posted if o in released)


def settings_of(setup: str, stream: str) -> dict[str, Any]:
    overrides: dict[str, Any] = {"relay_interval_s": 0.05}
    if setup.endswith("nats"):
        reason = nats_reachable(NATS_URL)
        if reason:
            raise Unavailable(reason)
        overrides.update(broker_url=NATS_URL, broker_stream=stream,
                         broker_subject_prefix=stream.lower())
    return overrides


def measure(setup: str, orders: int) -> dict[str, Any]:
    backend = setup.split("-")[0]
    stream = f"SHIPSHAPE_JB_{uuid.uuid4().hex[:10]}"
    catalog = Catalog()
    with fresh_store(backend) as store, seeded_container(store, catalog) as seeded:
        place(seeded, catalog, orders)
        container = build(store.settings(**settings_of(setup, stream)))
        try:
            return run_journey(setup, container, orders)
        finally:
            container.close()
            if setup.endswith("nats"):
                delete_streams(NATS_URL, [stream, f"{stream}_DLQ"])


class Commits:
    """Counts the commits of an engine while it is installed."""

    def __init__(self, container: Container) -> None:
        self.engine = container.engine
        self.count = 0

    def _committed(self, _conn: object) -> None:
        self.count += 1

    def __enter__(self) -> Commits:
        event.listen(self.engine, "commit", self._committed)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "commit", self._committed)


def run_journey(setup: str, container: Container, orders: int) -> dict[str, Any]:
    stop_relay = start_relay_thread(container)
    stop = threading.Event()
    worker = threading.Thread(target=Worker(container).run, args=(stop,), daemon=True)
    worker.start()
    try:
        before = units(container)
        started, cpu_started = time.perf_counter(), time.process_time()
        with Commits(container) as commits:
            result = release_wave(container.deps, SITE, orders)
            if len(result.released) != orders:
                raise RuntimeError(f"released {len(result.released)} of {orders}")
            wait_for(lambda: queries.orders_by_status(container.engine).get("invoiced", 0)
                     == orders, 60 + orders / 5, f"{orders} orders invoiced")
            seconds = time.perf_counter() - started
            cpu_s = time.process_time() - cpu_started
        per_order = (units(container) - before + 1) / orders
        commits_per_order = commits.count / orders
    finally:
        stop.set()
        worker.join(30)
        stop_relay()
    bare = commit_ms(container)
    lat = latencies_ms(container)
    floor = 1000 / bare / commits_per_order
    rate = orders / seconds
    return {"setup": setup, "orders": orders, "seconds": round(seconds, 2),
            "orders_per_s": round(rate, 1), "cpu_ms_per_order": round(cpu_s * 1000 / orders, 2),
            "p50_ms": round(statistics.median(lat), 1),
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1),
            "units_per_order": round(per_order, 2),
            "commits_per_order": round(commits_per_order, 2), "commit_ms": round(bare, 3),
            "floor_orders_per_s": round(floor, 1), "ratio_to_floor": round(rate / floor, 3)}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--setup", action="append", choices=SETUPS)
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    for setup in args.setup or SETUPS:
        try:
            rows.append(measure(setup, args.orders))
        except Unavailable as reason:
            skips.append(skipped("journey", setup, str(reason)))
    print_table(f"release to invoice, {args.orders} orders", rows, COLUMNS)
    payload = {"benchmark": "journey", "machine": machine(), "results": rows + skips}
    write_json("journey", payload)
    return payload


if __name__ == "__main__":
    main()
