"""Event lag against `shipshape serve` as shipped: orders posted at a steady pace, each event
from its commit in the API's process to its handling in the engine's process.

`serve` runs the relay and the workers in a process of their own, so the relay learns of the
API's commits from another process: a datagram on SQLite, LISTEN/NOTIFY on PostgreSQL (or, in a
checkout without them, its polling interval, `relay_interval_s`, 0.5 s). One client posts
3-line orders at `--pace` per second; afterwards the store says when each OrderAccepted was
written (outbox.created_at, in the intake's transaction) and when `erp-order-mirror` applied it
(inbox.processed_at). Lag p50 / p99 / max in ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from bench_http import ORDERS_PATH, running_server
from common import (
    BACKENDS,
    Catalog,
    console,
    fresh_store,
    order_bodies,
    over_backends,
    percentile,
    print_table,
    write_json,
)
from sqlalchemy import create_engine, select

from shipshape.adapters.db import tables as t
from shipshape.services.delivery.outbound import ERP_ORDER_MIRROR

COLUMNS = ("backend", "orders", "pace_per_s", "p50_ms", "p99_ms", "max_ms", "unapplied")
SETTLE_S = 60.0


def post_paced(base: str, token: str, bodies: Sequence[dict[str, Any]], pace: float) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:
        start = time.monotonic()
        for n, body in enumerate(bodies):
            time.sleep(max(0.0, start + n / pace - time.monotonic()))
            answer = client.post(ORDERS_PATH, json=body)
            if answer.status_code >= 300:
                raise RuntimeError(f"order {n}: {answer.status_code} {answer.text[:300]}")


def lags_ms(url: str) -> tuple[list[float], int]:
    """Each OrderAccepted's lag to erp-order-mirror, once all are applied (or SETTLE_S)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    ob, ib = t.outbox.c, t.inbox.c
    query = (select(ob.created_at, ib.processed_at)
             .join_from(t.outbox, t.inbox, (ib.event_id == ob.event_id)
                        & (ib.consumer == ERP_ORDER_MIRROR), isouter=True)
             .where(ob.topic.like("%OrderAccepted%")))
    deadline = time.monotonic() + SETTLE_S
    try:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(query).all()
            waiting = sum(1 for r in rows if r.processed_at is None)
            if not waiting or time.monotonic() > deadline:
                done = [r for r in rows if r.processed_at is not None]
                return ([(r.processed_at - r.created_at).total_seconds() * 1000 for r in done],
                        waiting)
            time.sleep(0.5)
    finally:
        engine.dispose()


def bench_backend(backend: str, count: int, pace: float) -> list[dict[str, Any]]:
    catalog = Catalog()
    bodies = order_bodies(catalog, count, f"{backend}-lag")
    with (tempfile.TemporaryDirectory(prefix="shipshape-lag-") as tmp,
          fresh_store(backend) as store,
          running_server(store, Path(tmp), catalog) as (base, token, _)):
        console.print(f"[bold]{backend}[/]: {count} orders at {pace}/s to {base}")
        post_paced(base, token, bodies, pace)
        lags, waiting = lags_ms(store.url)
    return [{"backend": backend, "orders": len(lags), "pace_per_s": pace,
             "p50_ms": percentile(lags, 50), "p99_ms": percentile(lags, 99),
             "max_ms": max(lags) if lags else float("nan"), "unapplied": waiting}]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="orders posted (default 200)")
    parser.add_argument("--pace", type=float, default=20.0,
                        help="orders per second (default 20)")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args(argv)
    rows, skips = over_backends("event_lag", args.backend,
                                lambda backend: bench_backend(backend, args.orders, args.pace))
    print_table("Event lag, API commit -> erp-order-mirror applied (shipshape serve)", rows,
                COLUMNS)
    payload = {"results": rows, "skipped": skips, "orders": args.orders, "pace": args.pace}
    write_json("event_lag", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
