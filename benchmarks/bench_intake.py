"""Intake through the service layer against the same transaction in hand-written SQL.

For 3-line orders with every control point on, on SQLite and on PostgreSQL:

* service, one by one: `intake.submit_order` per order (orders/s, p50/p99 latency);
* service, batched: `intake.submit_orders` with 100 orders per transaction (orders/s);
* service, concurrent: CALLERS callers on an event loop posting at once through the API's order
  intake, whose writer thread takes the orders waiting together in one transaction (compared
  with raw batched);
* raw SQL, one by one and batched: the same reads and writes per order issued with the
  sqlite3 / psycopg driver directly on a store migrated by shipshape (same tables and
  indexes) -- the machine's limit -- and the ratio service / raw.

The paths take turns, round after round (default 3), so that other load on the machine
hurts them alike; orders/s is the median of the rounds, latency covers every order.

SQLite runs with the configured `synchronous` (Settings: SHIPSHAPE_SQLITE_SYNCHRONOUS,
default FULL, one fsync per commit); one extra raw row shows NORMAL for comparison.

Usage: python benchmarks/bench_intake.py [--orders N] [--seconds S] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from common import (
    BACKENDS,
    Catalog,
    Store,
    console,
    drafts,
    fresh_store,
    latency_ms,
    order_bodies,
    over_backends,
    print_table,
    seeded_container,
    write_json,
)

from shipshape.domain.orders import OrderDraft
from shipshape.services import intake

BATCH = 100
WARMUP = 100
CALLERS = 8
COLUMNS = ("backend", "path", "orders", "seconds", "orders_per_s", "p50_ms", "p99_ms",
           "batch_p50_ms", "batch_p99_ms", "ratio_to_raw", "sqlite_synchronous")


# --------------------------------------------------------------------------- service layer


@dataclass
class Round:
    """One timed pass of one path: how many orders, how long, each transaction's duration."""

    orders: int
    seconds: float
    txn_seconds: list[float]
    per_txn: int


def run_service_single(container: Any, orders: Sequence[OrderDraft], deadline_s: float) -> Round:
    deps = container.deps
    samples: list[float] = []
    started = time.perf_counter()
    stop_at = started + deadline_s
    for draft in orders:
        t0 = time.perf_counter()
        result = intake.submit_order(deps, intake.SubmitOrder(draft))
        samples.append(time.perf_counter() - t0)
        if result.status != "accepted":
            raise RuntimeError(f"order not accepted: {result.body}")
        if t0 > stop_at:
            break
    return Round(len(samples), time.perf_counter() - started, samples, 1)


def run_service_batched(container: Any, orders: Sequence[OrderDraft], deadline_s: float
                        ) -> Round:
    deps = container.deps
    samples: list[float] = []
    done = 0
    started = time.perf_counter()
    stop_at = started + deadline_s
    for i in range(0, len(orders), BATCH):
        chunk = [intake.SubmitOrder(d) for d in orders[i:i + BATCH]]
        t0 = time.perf_counter()
        results = intake.submit_orders(deps, chunk)
        samples.append(time.perf_counter() - t0)
        bad = [r for r in results if not isinstance(r, intake.IntakeResult)
               or r.status != "accepted"]
        if bad:
            raise RuntimeError(f"{len(bad)} orders of a batch not accepted: {bad[0]}")
        done += len(chunk)
        if t0 > stop_at:
            break
    return Round(done, time.perf_counter() - started, samples, BATCH)


def summarise(rounds: Sequence[Round]) -> dict[str, Any]:
    """Median rate over the rounds; latency over every transaction of every round."""
    rates = [r.orders / r.seconds for r in rounds]
    samples = [s for r in rounds for s in r.txn_seconds]
    stats = latency_ms(samples)
    per_txn = rounds[0].per_txn
    if per_txn > 1:
        stats = {"batch_size": per_txn, "batch_p50_ms": stats["p50_ms"],
                 "batch_p99_ms": stats["p99_ms"]}
    return {"orders": sum(r.orders for r in rounds), "seconds": sum(r.seconds for r in rounds),
            "orders_per_s": statistics.median(rates), "orders_per_s_rounds": rates, **stats}


# --------------------------------------------------------------------------- raw SQL


@dataclass(frozen=True)
class Flavour:
    """What differs between the two drivers: placeholders, locking, value encodings."""

    name: str
    mark: str
    for_update: str
    begin: str | None
    encode_json: Callable[[Any], Any]
    encode_time: Callable[[datetime], Any]
    encode_decimal: Callable[[Decimal], Any]


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _flavour(backend: str) -> Flavour:
    if backend == "sqlite":
        return Flavour("sqlite", "?", "", "BEGIN IMMEDIATE", json.dumps, _sqlite_time, str)
    from psycopg.types.json import Json

    return Flavour("postgres", "%s", " FOR UPDATE", None, Json, lambda m: m, lambda d: d)


class RawIntake:
    """The same transaction as `intake.submit_order`, in plain SQL on the raw driver.

    Per order: idempotency lookup, customer-PO lookup, customer, items, prices, carriers,
    credit exposure (locked), recent same-lines lookup, stock rows (locked), sites; then
    insert the order and its lines, 3 conditional reservation UPDATEs, the reservations,
    the credit exposure upsert, 4 events into order_events and 4 into the outbox, the
    idempotency row; commit. Decisions in Python are kept to the minimum.
    """

    def __init__(self, store: Store, sqlite_synchronous: str) -> None:
        self.f = _flavour(store.backend)
        self.conn = self._connect(store, sqlite_synchronous)
        self.rule_version = "raw"

    def _connect(self, store: Store, synchronous: str) -> Any:
        if store.backend == "sqlite":
            import sqlite3

            conn = sqlite3.connect(str(store.sqlite_path), isolation_level=None, timeout=30,
                                   check_same_thread=False)
            for pragma in ("journal_mode=WAL", f"synchronous={synchronous}",
                           "busy_timeout=30000", "foreign_keys=ON"):
                conn.execute(f"PRAGMA {pragma}")
            return conn
        import psycopg

        return psycopg.connect(store.pg_dsn or "", autocommit=False)

    def close(self) -> None:
        self.conn.close()

    def q(self, sql: str) -> str:
        return sql.replace("?", self.f.mark)

    def _in(self, n: int) -> str:
        return ", ".join([self.f.mark] * n)

    def run(self, orders: Sequence[OrderDraft], per_txn: int, deadline_s: float) -> Round:
        samples: list[float] = []
        done = 0
        started = time.perf_counter()
        stop_at = started + deadline_s
        for i in range(0, len(orders), per_txn):
            t0 = time.perf_counter()
            cur = self.conn.cursor()
            if self.f.begin:
                cur.execute(self.f.begin)
            chunk = orders[i:i + per_txn]
            for draft in chunk:
                self.submit(cur, draft)
            if self.f.begin:
                cur.execute("COMMIT")
            else:
                self.conn.commit()
            samples.append(time.perf_counter() - t0)
            done += len(chunk)
            if t0 > stop_at:
                break
        return Round(done, time.perf_counter() - started, samples, per_txn)

    def submit(self, cur: Any, d: OrderDraft) -> None:
        q, f, now = self.q, self.f, datetime.now(UTC)
        key = f"{d.channel}:{d.external_id}"
        skus = [ln.sku for ln in d.lines]
        n = len(skus)
        if cur.execute(q("SELECT request_hash, status_code, body FROM idempotency_keys "
                         "WHERE scope = ? AND key = ?"), (f"channel:{d.channel}", key)
                       ).fetchone():
            raise RuntimeError("replay in the raw benchmark")
        if cur.execute(q("SELECT id FROM orders WHERE customer_id = ? AND customer_po = ?"),
                       (d.customer_id, d.customer_po)).fetchone():
            raise RuntimeError("duplicate in the raw benchmark")
        customer = cur.execute(q(
            "SELECT id, name, active, segment, priority, credit_limit, credit_hold, "
            "payment_terms, allow_split, allow_substitutes, preferred_site, "
            "min_remaining_shelf_life_days FROM customers WHERE id = ?"),
                               (d.customer_id,)).fetchone()
        items = cur.execute(q(f"SELECT * FROM items WHERE sku IN ({self._in(n)})"),
                            skus).fetchall()
        prices = {r[1]: Decimal(str(r[2])) for r in cur.execute(
            q("SELECT customer_id, sku, unit_price, currency, tolerance_pct FROM prices "
              f"WHERE customer_id = ? AND sku IN ({self._in(n)})"),
            [d.customer_id, *skus])}
        cur.execute("SELECT * FROM carriers").fetchall()
        row = cur.execute(q("SELECT open_value FROM credit_exposure WHERE customer_id = ?"
                            + f.for_update), (d.customer_id,)).fetchone()
        exposure = Decimal(str(row[0])) if row else Decimal("0")
        signature = d.line_signature()
        cur.execute(q("SELECT customer_po, external_id FROM orders WHERE customer_id = ? AND "
                      "line_signature = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1"),
                    (d.customer_id, signature, f.encode_time(now - timedelta(hours=24))))
        cur.fetchone()
        stock = cur.execute(q(f"SELECT site, sku, on_hand, reserved FROM inventory WHERE sku IN "
                              f"({self._in(n)}) ORDER BY sku, site" + f.for_update),
                            skus).fetchall()
        cur.execute("SELECT * FROM sites").fetchall()
        value = d.value
        if (customer is None or len(items) != n or len(prices) != n
                or any(abs((ln.unit_price or 0) - prices[ln.sku]) > prices[ln.sku] / 50
                       for ln in d.lines)):
            raise RuntimeError("raw order would not pass its control points")
        site = customer[10]
        available = {(s, k): on - res for s, k, on, res in stock}
        if any(available.get((site, ln.sku), 0) < (ln.quantity or 0) for ln in d.lines):
            raise RuntimeError("raw order short of stock")
        order_id = f"ord_{uuid.uuid4().hex[:20]}"
        stamp = f.encode_time(now)
        cur.execute(q(
            "INSERT INTO orders (id, channel, external_id, customer_id, customer_po, "
            "requested_ship_date, ship_to, carrier_service, status, value, line_signature, "
            "content_hash, rule_version, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (order_id, d.channel, d.external_id, d.customer_id, d.customer_po,
             d.requested_ship_date.isoformat() if f.name == "sqlite" and d.requested_ship_date
             else d.requested_ship_date,
             f.encode_json({k: getattr(d.ship_to, k) for k in d.ship_to.__slots__}),
             d.carrier_service, "accepted", f.encode_decimal(value), signature,
             d.content_hash(), self.rule_version, stamp, stamp))
        cur.executemany(q("INSERT INTO order_lines (order_id, line_no, sku, quantity, "
                          "unit_price, uom) VALUES (?, ?, ?, ?, ?, ?)"),
                        [(order_id, ln.line_no, ln.sku, ln.quantity,
                          None if ln.unit_price is None else f.encode_decimal(ln.unit_price),
                          ln.uom) for ln in d.lines])
        for ln in sorted(d.lines, key=lambda ln: ln.sku):
            cur.execute(q("UPDATE inventory SET reserved = reserved + ? WHERE site = ? AND "
                          "sku = ? AND on_hand - reserved >= ?"),
                        (ln.quantity, site, ln.sku, ln.quantity))
            if cur.rowcount != 1:
                raise RuntimeError(f"stock of {ln.sku} at {site} changed while reserving")
        reservations = [{"line_no": ln.line_no, "site": site, "sku": ln.sku,
                         "quantity": ln.quantity} for ln in d.lines]
        cur.executemany(q("INSERT INTO reservations (order_id, line_no, site, sku, quantity, "
                          "created_at) VALUES (?, ?, ?, ?, ?, ?)"),
                        [(order_id, r["line_no"], site, r["sku"], r["quantity"], stamp)
                         for r in reservations])
        cur.execute(q("INSERT INTO credit_exposure (customer_id, open_value) VALUES (?, ?) "
                      "ON CONFLICT (customer_id) DO UPDATE SET open_value = excluded.open_value"),
                    (d.customer_id, f.encode_decimal(exposure + value)))
        events = [
            ("OrderReceived", {"channel": d.channel, "external_id": d.external_id,
                               "customer_id": d.customer_id, "customer_po": d.customer_po,
                               "lines": n, "value": str(value)}),
            ("ControlsEvaluated", {"rule_version": self.rule_version, "findings": []}),
            ("StockReserved", {"reservations": reservations}),
            ("OrderAccepted", {"from": "received", "to": "accepted", "blocking": []}),
        ]
        ids = [uuid.uuid4().hex for _ in events]
        cur.executemany(q("INSERT INTO order_events (event_id, order_id, stream, type, "
                          "payload, occurred_at) VALUES (?, ?, ?, ?, ?, ?)"),
                        [(i, order_id, order_id, t, f.encode_json(p), stamp)
                         for i, (t, p) in zip(ids, events, strict=True)])
        links = [(i, "order", order_id, "order") for i in ids]
        links.append((ids[0], "customer", d.customer_id, "customer"))
        links += [(ids[2], kind, f"{order_id}:{r['line_no']}" + (f":{site}" if kind ==
                   "reservation" else ""), kind)
                  for r in reservations for kind in ("reservation", "line")]
        cur.executemany(q("INSERT INTO event_objects (event_id, object_type, object_id, "
                          "qualifier) VALUES (?, ?, ?, ?)"), links)
        cur.executemany(q("INSERT INTO outbox (event_id, topic, stream, payload, created_at) "
                          "VALUES (?, ?, ?, ?, ?)"),
                        [(i, f"order.{t}", order_id,
                          f.encode_json({"type": t, "order_id": order_id, **p,
                                         "occurred_at": now.isoformat()}), stamp)
                         for i, (t, p) in zip(ids, events, strict=True)])
        body = {"order_id": order_id, "status": "accepted", "findings": [],
                "reservations": reservations, "cases": [], "rule_version": self.rule_version}
        cur.execute(q("INSERT INTO idempotency_keys (scope, key, request_hash, status_code, "
                      "body, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
                    (f"channel:{d.channel}", key, d.content_hash(), 201, f.encode_json(body),
                     stamp))


# --------------------------------------------------------------------------- one backend


def run_service_concurrent(container: Any, orders: Sequence[OrderDraft], deadline_s: float
                           ) -> Round:
    """`CALLERS` callers on an event loop posting at once through the API's order intake, as
    the async server's requests do (group commit by its writer thread)."""
    samples: list[float] = []
    queue = iter(orders)
    started = time.perf_counter()
    stop_at = started + deadline_s

    async def caller() -> None:
        for draft in queue:
            if time.perf_counter() > stop_at:
                return
            t0 = time.perf_counter()
            result = await container.order_intake.submit(intake.SubmitOrder(draft))
            samples.append(time.perf_counter() - t0)
            if result.status != "accepted":
                raise RuntimeError(f"order not accepted: {result.body}")

    async def callers() -> None:
        await asyncio.gather(*(caller() for _ in range(CALLERS)))

    asyncio.run(callers())
    return Round(len(samples), time.perf_counter() - started, samples, 1)


def bench_backend(backend: str, count: int, seconds: float, rounds: int
                  ) -> list[dict[str, Any]]:
    """Every path in turn, `rounds` times over, so a busy machine hurts them alike."""
    catalog = Catalog()
    paths = ["raw", "service", "raw_batched", "service_batched", "service_concurrent"]
    if backend == "sqlite":
        paths.insert(1, "raw_sync_normal")
    orders = {path: drafts(order_bodies(catalog, count, f"{backend}-{path}")) for path in paths}
    per_round = max(BATCH, count // rounds)
    measured: dict[str, list[Round]] = {path: [] for path in paths}
    with fresh_store(backend) as store, seeded_container(store, catalog) as container:
        console.print(f"[bold]{backend}[/]: seeded; warming up with {WARMUP} orders")
        run_service_single(container, drafts(order_bodies(catalog, WARMUP, f"{backend}-w")),
                           seconds)
        synchronous = container.settings.sqlite_synchronous
        raw = RawIntake(store, synchronous)
        raw_normal = RawIntake(store, "NORMAL") if backend == "sqlite" else None
        runners: dict[str, Callable[[Sequence[OrderDraft], float], Round]] = {
            "raw": lambda o, d: raw.run(o, 1, d),
            "raw_sync_normal": lambda o, d: (raw_normal or raw).run(o, 1, d),
            "service": lambda o, d: run_service_single(container, o, d),
            "raw_batched": lambda o, d: raw.run(o, BATCH, d),
            "service_batched": lambda o, d: run_service_batched(container, o, d),
            "service_concurrent": lambda o, d: run_service_concurrent(container, o, d),
        }
        try:
            raw.run(drafts(order_bodies(catalog, WARMUP, f"{backend}-rw")), 1, seconds)
            for n in range(rounds):
                console.print(f"[bold]{backend}[/]: round {n + 1} of {rounds}")
                for path in paths:
                    chunk = orders[path][n * per_round:(n + 1) * per_round]
                    measured[path].append(runners[path](chunk, seconds / rounds))
        finally:
            raw.close()
            if raw_normal:
                raw_normal.close()
    summaries = {path: summarise(measured[path]) for path in paths}
    rows = []
    for path, result in summaries.items():
        row = {"backend": backend, "path": path, **result}
        if path.startswith("service"):
            base = summaries["raw" if path == "service" else "raw_batched"]
            row["ratio_to_raw"] = result["orders_per_s"] / base["orders_per_s"]
        if backend == "sqlite":
            row["sqlite_synchronous"] = "NORMAL" if path == "raw_sync_normal" else synchronous
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000,
                        help="orders per measurement (default 3000)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="time budget of each path, over all rounds (default 10)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate the paths this many times (default 3)")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args(argv)
    rows, skips = over_backends("intake", args.backend, lambda backend: bench_backend(
        backend, args.orders, args.seconds, args.rounds))
    print_table("Intake of 3-line orders, every control point on", rows, COLUMNS)
    console.print("[dim]service = intake.submit_order one by one; service_batched = "
                  f"intake.submit_orders, {BATCH} per transaction; raw = the same statements "
                  "on the bare driver; ratio = service / raw (1.0 = at the machine's limit); "
                  "orders/s = median of the rounds[/]")
    payload = {"results": rows, "skipped": skips, "batch_size": BATCH, "rounds": args.rounds,
               "orders_per_measurement": args.orders, "max_seconds": args.seconds}
    write_json("intake", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
