"""One order of 500 lines, end to end through the service layer, on SQLite and PostgreSQL.

Each repetition is a new order with a new PO (and new quantities, so no line signature
repeats), every control point on, accepted and reserved in one transaction.

Usage: python benchmarks/bench_large_order.py [--repeat N] [--lines N] [--backend ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from common import (
    BACKENDS,
    Catalog,
    Unavailable,
    console,
    drafts,
    fresh_store,
    latency_ms,
    order_bodies,
    print_table,
    seeded_container,
    skipped,
    write_json,
)

from shipshape.services import intake

WARMUP = 3
COLUMNS = ("backend", "lines", "orders", "p50_ms", "p99_ms", "max_ms", "lines_per_s")


def bench_backend(backend: str, repeat: int, lines: int) -> dict[str, Any]:
    catalog = Catalog()
    warm = drafts(order_bodies(catalog, WARMUP, f"{backend}-bigwarm", lines=lines))
    orders = drafts(order_bodies(catalog, repeat, f"{backend}-big", lines=lines))
    samples: list[float] = []
    with fresh_store(backend) as store, seeded_container(store, catalog) as container:
        console.print(f"[bold]{backend}[/]: seeded; {repeat} orders of {lines} lines")
        for draft in [*warm, *orders]:
            t0 = time.perf_counter()
            result = intake.submit_order(container.deps, intake.SubmitOrder(draft))
            elapsed = time.perf_counter() - t0
            if result.status != "accepted":
                raise RuntimeError(f"large order not accepted: {result.body['findings']}")
            if len(result.body["reservations"]) != lines:  # type: ignore[arg-type]
                raise RuntimeError("large order not fully reserved")
            samples.append(elapsed)
    measured = samples[WARMUP:]
    stats = latency_ms(measured)
    return {"backend": backend, "lines": lines, "orders": len(measured), **stats,
            "lines_per_s": lines * len(measured) / sum(measured)}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="orders measured (default 50)")
    parser.add_argument("--lines", type=int, default=500, help="lines per order (default 500)")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    for backend in args.backend or BACKENDS:
        try:
            rows.append(bench_backend(backend, args.repeat, args.lines))
        except Unavailable as reason:
            skips.append(skipped("large_order", backend, str(reason)))
    print_table(f"One order of {args.lines} lines, end to end (service layer)", rows, COLUMNS)
    payload = {"results": rows, "skipped": skips, "warmup": WARMUP}
    write_json("large_order", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
