"""The synchronous pre-wave check for a wave of 1,000 orders (target: under 100 ms).

One site holds `--orders` accepted 3-line orders (every one passes the check). Each round
measures, in turn:

* check (pure): `domain.waves.decide_wave` on data loaded once: the control points alone;
* check (loads + pure): `services.release.prewave` in a unit of work that is rolled back:
  choosing and locking the orders, the batched loads and the check (what `waves.check_ms`
  records);
* release_wave: the whole transaction (check, status moves, wave rows, 1,001 events with
  their outbox rows, commit);
* raw loads / raw transaction: the same statements written by hand on the bare driver
  (sqlite3 / psycopg), decoding nothing: the machine's limit for this shape of work.

After a committed run the orders are put back to accepted (and the wave rows deleted) so every
round works on the same data. Figures are medians over the rounds, in milliseconds.

Usage: python benchmarks/bench_prewave.py [--orders N] [--rounds N] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from common import (
    BACKENDS,
    SITES,
    Catalog,
    Store,
    console,
    drafts,
    fresh_store,
    order_bodies,
    over_backends,
    print_table,
    seeded_container,
    write_json,
)

from shipshape.adapters.db.outbox_store import OUTBOX_LOCK
from shipshape.bootstrap import Container
from shipshape.domain.waves import decide_wave
from shipshape.services import intake, release

SITE = SITES[0]
TARGET_MS = 100.0
COLUMNS = ("backend", "path", "orders", "rounds", "p50_ms", "min_ms", "max_ms", "target",
           "ratio_to_raw")


def site_orders(catalog: Catalog, count: int) -> list[dict[str, Any]]:
    """`count` order bodies, all from customers whose preferred site is `SITE`."""
    mine = [c for i, c in enumerate(catalog.customers) if SITES[i % len(SITES)] == SITE]
    bodies = order_bodies(catalog, count, "wave")
    for i, body in enumerate(bodies):
        body["customer_id"] = customer = mine[i % len(mine)]
        for line in body["lines"]:
            line["unit_price"] = str(catalog.prices[(customer, line["sku"])])
    return bodies


def place(container: Container, catalog: Catalog, count: int) -> None:
    commands = [intake.SubmitOrder(d) for d in drafts(site_orders(catalog, count))]
    for i in range(0, len(commands), 100):
        results = intake.submit_orders(container.deps, commands[i:i + 100])
        bad = [r for r in results if not isinstance(r, intake.IntakeResult)
               or r.status != "accepted"]
        if bad:
            raise RuntimeError(f"{len(bad)} orders not accepted: {bad[0]}")


def reset(container: Container) -> None:
    with container.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE orders SET status = 'accepted' "
                             "WHERE status IN ('released', 'held')")
        conn.exec_driver_sql("DELETE FROM wave_orders")
        conn.exec_driver_sql("DELETE FROM waves")


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


# --------------------------------------------------------------------------- raw SQL


DUE = """SELECT o.id FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
WHERE o.status IN ('accepted', 'released')
  AND EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.id AND r.site = {m})
  AND (o.status = 'accepted' OR NOT EXISTS (SELECT 1 FROM wave_orders wo JOIN waves w
       ON w.id = wo.wave_id WHERE wo.order_id = o.id AND wo.outcome = 'released'
       AND w.site = {m}))
ORDER BY CASE WHEN c.id IS NULL THEN 3 WHEN c.priority = 'strategic' THEN 0
              WHEN c.priority = 'low' THEN 2 ELSE 1 END,
         o.requested_ship_date NULLS LAST, o.created_at, o.id LIMIT {m}{lock}"""
LOADS = (
    ("orders", "SELECT id, status, channel, external_id, customer_id, customer_po, "
     "requested_ship_date, ship_to, carrier_service, created_at FROM orders WHERE id {ids}"),
    ("lines", "SELECT order_id, line_no, sku, quantity, unit_price, uom FROM order_lines "
     "WHERE order_id {ids} ORDER BY order_id, line_no"),
    ("reservations", "SELECT order_id, line_no, sku, SUM(quantity) FROM reservations "
     "WHERE order_id {ids} AND site = {m} GROUP BY order_id, line_no, sku"),
    ("customers", "SELECT * FROM customers WHERE id {customers}"),
    ("items", "SELECT * FROM items WHERE sku {skus}"),
    ("carriers", "SELECT * FROM carriers"),
    ("on_hand", "SELECT sku, on_hand FROM inventory WHERE site = {m} AND sku {skus}"),
    ("reserved", "SELECT r.sku, SUM(r.quantity) FROM reservations r JOIN orders o "
     "ON o.id = r.order_id WHERE r.site = {m} AND r.sku {skus} AND o.status IN "
     "('accepted', 'released', 'picked', 'held') GROUP BY r.sku"),
    ("exposure", "SELECT customer_id, open_value FROM credit_exposure "
     "WHERE customer_id {customers}"),
)


class RawWave:
    """The wave's statements on the bare driver: the loads, then (for a transaction) the
    writes of `release_wave`: wave row, wave orders, one status update, events and outbox."""

    def __init__(self, store: Store) -> None:
        self.sqlite = store.backend == "sqlite"
        if self.sqlite:
            import sqlite3

            self.conn: Any = sqlite3.connect(str(store.sqlite_path), isolation_level=None,
                                             timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
        else:
            import psycopg

            self.conn = psycopg.connect(store.pg_dsn or "", autocommit=False)
        self.m = "?" if self.sqlite else "%s"
        self.list_in = "IN (SELECT value FROM json_each(?))" if self.sqlite else "= ANY(%s)"

    def close(self) -> None:
        self.conn.close()

    def _list(self, values: Sequence[str]) -> Any:
        return json.dumps(list(values)) if self.sqlite else list(values)

    def run(self, limit: int, commit: bool) -> None:
        cur = self.conn.cursor()
        if self.sqlite:
            cur.execute("BEGIN IMMEDIATE")
        lock = "" if self.sqlite else " FOR UPDATE OF o SKIP LOCKED"
        cur.execute(DUE.format(m=self.m, lock=lock), (SITE, SITE, limit))
        ids = [row[0] for row in cur.fetchall()]
        found = self._loads(cur, ids)
        if commit:
            self._writes(cur, ids)
            self.conn.commit()
        else:
            self.conn.rollback()
        if len(found["orders"]) != len(ids):
            raise RuntimeError("raw loads lost orders")

    def _loads(self, cur: Any, ids: list[str]) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        cur.execute(LOADS[0][1].format(ids=self.list_in), (self._list(ids),))
        found["orders"] = orders = cur.fetchall()
        cur.execute(LOADS[1][1].format(ids=self.list_in), (self._list(ids),))
        found["lines"] = cur.fetchall()
        skus = sorted({row[2] for row in found["lines"]})
        customers = sorted({row[4] for row in orders})
        for name, sql in LOADS[2:]:
            text = sql.format(ids=self.list_in, skus=self.list_in, customers=self.list_in,
                              m=self.m)
            args = {"reservations": (self._list(ids), SITE), "customers": (self._list(customers),),
                    "items": (self._list(skus),), "carriers": (),
                    "on_hand": (SITE, self._list(skus)), "reserved": (SITE, self._list(skus)),
                    "exposure": (self._list(customers),)}[name]
            cur.execute(text, args)
            found[name] = cur.fetchall()
        return found

    def _writes(self, cur: Any, ids: list[str]) -> None:
        m, now = self.m, datetime.now(UTC)
        at = now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now
        wave_id = f"wave_{uuid.uuid4().hex[:20]}"
        cur.execute(f"INSERT INTO waves VALUES ({', '.join([m] * 8)})",
                    (wave_id, SITE, "demand", "released", len(ids), 0, 1.0, at))
        cur.executemany(f"INSERT INTO wave_orders VALUES ({m}, {m}, 'released', '[]')",
                        [(wave_id, i) for i in ids])
        cur.execute(f"UPDATE orders SET status = 'released', updated_at = {m} "
                    f"WHERE id {self.list_in}", (at, self._list(ids)))
        payload = json.dumps({"wave_id": wave_id, "site": SITE, "from": "accepted",
                              "to": "released"})
        rows = [(uuid.uuid4().hex, i, "OrderReleased", payload, at) for i in ids]
        rows.append((uuid.uuid4().hex, wave_id, "WaveReleased", json.dumps(
            {"wave_id": wave_id, "orders": [{"order_id": i, "lines": []} for i in ids]}), at))
        cur.executemany("INSERT INTO order_events (event_id, order_id, type, payload, "
                        f"occurred_at) VALUES ({m}, {m}, {m}, {m}, {m})", rows)
        if not self.sqlite:
            cur.execute(f"SELECT pg_advisory_xact_lock({OUTBOX_LOCK})")
        cur.executemany("INSERT INTO outbox (event_id, order_id, topic, payload, created_at) "
                        f"VALUES ({m}, {m}, {m}, {m}, {m})", rows)


# --------------------------------------------------------------------------- measuring


def bench_backend(backend: str, orders: int, rounds: int) -> list[dict[str, Any]]:
    catalog = Catalog()
    with fresh_store(backend) as store, seeded_container(store, catalog) as container:
        place(container, catalog, orders)
        raw = RawWave(store)
        try:
            samples = measure(container, raw, orders, rounds)
        finally:
            raw.close()
    return rows_of(backend, orders, rounds, samples)


def measure(container: Container, raw: RawWave, orders: int, rounds: int
            ) -> dict[str, list[float]]:
    deps = container.deps
    with deps.uow() as uow:
        run = release.prewave(uow, SITE, orders, deps.clock.now())
    if run is None or len(run.outcomes) != orders:
        raise RuntimeError(f"expected {orders} orders due at {SITE}")
    candidates = [o.candidate for o in run.outcomes]

    def check_with_loads() -> None:
        with deps.uow() as uow:
            release.prewave(uow, SITE, orders, deps.clock.now())

    def whole() -> None:
        result = release.release_wave(deps, SITE, orders)
        if len(result.released) != orders:
            raise RuntimeError(f"released {len(result.released)} of {orders}")

    paths: dict[str, Callable[[], object]] = {
        "check (pure)": lambda: decide_wave(candidates, run.facts),
        "raw loads": lambda: raw.run(orders, commit=False),
        "check (loads + pure)": check_with_loads,
        "raw transaction": lambda: raw.run(orders, commit=True),
        "release_wave": whole,
    }
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds + 1):  # the first round warms up and is dropped
        for name, fn in paths.items():
            samples[name].append(timed(fn))
            if name in ("raw transaction", "release_wave"):
                reset(container)
    return {name: values[1:] for name, values in samples.items()}


def rows_of(backend: str, orders: int, rounds: int, samples: dict[str, list[float]]
            ) -> list[dict[str, Any]]:
    raw_of = {"check (loads + pure)": "raw loads", "release_wave": "raw transaction"}
    medians = {name: statistics.median(values) for name, values in samples.items()}
    rows = []
    for name, values in samples.items():
        baseline = raw_of.get(name)
        rows.append({
            "backend": backend, "path": name, "orders": orders, "rounds": rounds,
            "p50_ms": medians[name], "min_ms": min(values), "max_ms": max(values),
            "target": f"< {TARGET_MS:.0f} ms" if name.startswith("check") else "",
            "ratio_to_raw": medians[baseline] / medians[name] if baseline else None,
            "samples_ms": values})
    return rows


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders in the wave")
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds (median)")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args(argv)
    rows, skips = over_backends("prewave", args.backend, lambda backend: bench_backend(
        backend, args.orders, args.rounds))
    print_table(f"Pre-wave check and release of a wave of {args.orders:,} 3-line orders",
                rows, COLUMNS)
    console.print("[dim]ratio = raw / service (1.0 = at the machine's limit); medians over "
                  "the rounds, after one warm-up round[/]")
    payload = {"results": rows, "skipped": skips, "orders": args.orders,
               "rounds": args.rounds, "target_ms": TARGET_MS}
    write_json("prewave", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
