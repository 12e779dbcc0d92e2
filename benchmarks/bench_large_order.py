"""One order of 500 lines, end to end through the service layer, on SQLite and PostgreSQL.

Each repetition is a new order with a new PO (and new quantities, so no line signature
repeats), every control point on, accepted and reserved in one transaction.

Python's cyclic garbage collector is timed too: `gc_full` counts the full (oldest-generation)
collections that ran inside the measured orders, `gc_max_ms` is the longest collection, and
`p99_ms_less_gc` is the p99 of each order's time less the collections that ran inside it.
A full collection walks every object of the process not frozen, so its pause grows with the
heap, not with the order. The seeded container settles its heap first, as `serve` does once it
has started (`bootstrap.settle_heap`): without it, a full collection took about 90 ms here and
was the p99 whenever one landed among a few dozen orders.

Usage: python benchmarks/bench_large_order.py [--repeat N] [--lines N] [--backend ...]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Sequence
from typing import Any

from common import (
    BACKENDS,
    Catalog,
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

from shipshape.services import intake

WARMUP = 3
COLUMNS = ("backend", "lines", "orders", "p50_ms", "p99_ms", "max_ms", "lines_per_s", "gc_full",
           "gc_max_ms", "p99_ms_less_gc")


class GcTimer:
    """Collections by the cyclic garbage collector while installed: (generation, seconds)."""

    def __init__(self) -> None:
        self.collections: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.collections.append((info["generation"], time.perf_counter() - self._started))

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    def take(self) -> list[tuple[int, float]]:
        taken, self.collections = self.collections, []
        return taken


def bench_backend(backend: str, repeat: int, lines: int) -> dict[str, Any]:
    catalog = Catalog()
    warm = drafts(order_bodies(catalog, WARMUP, f"{backend}-bigwarm", lines=lines))
    orders = drafts(order_bodies(catalog, repeat, f"{backend}-big", lines=lines))
    samples: list[float] = []
    collections: list[list[tuple[int, float]]] = []
    with (fresh_store(backend) as store, seeded_container(store, catalog) as container,
          GcTimer() as gc_timer):
        console.print(f"[bold]{backend}[/]: seeded; {repeat} orders of {lines} lines")
        for draft in [*warm, *orders]:
            gc_timer.take()
            t0 = time.perf_counter()
            result = intake.submit_order(container.deps, intake.SubmitOrder(draft))
            elapsed = time.perf_counter() - t0
            collections.append(gc_timer.take())
            if result.status != "accepted":
                raise RuntimeError(f"large order not accepted: {result.body['findings']}")
            if len(result.body["reservations"]) != lines:  # type: ignore[arg-type]
                raise RuntimeError("large order not fully reserved")
            samples.append(elapsed)
    measured = samples[WARMUP:]
    stats = latency_ms(measured)
    gcs = collections[WARMUP:]
    full = [seconds for order in gcs for generation, seconds in order if generation == 2]
    less_gc = [elapsed - sum(seconds for _, seconds in order)
               for elapsed, order in zip(measured, gcs, strict=True)]
    return {"backend": backend, "lines": lines, "orders": len(measured), **stats,
            "lines_per_s": lines * len(measured) / sum(measured), "gc_full": len(full),
            "gc_max_ms": max((s for order in gcs for _, s in order), default=0.0) * 1000,
            "p99_ms_less_gc": latency_ms(less_gc)["p99_ms"]}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="orders measured (default 50)")
    parser.add_argument("--lines", type=int, default=500, help="lines per order (default 500)")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args(argv)
    rows, skips = over_backends("large_order", args.backend, lambda backend: [bench_backend(
        backend, args.repeat, args.lines)])
    print_table(f"One order of {args.lines} lines, end to end (service layer)", rows, COLUMNS)
    payload = {"results": rows, "skipped": skips, "warmup": WARMUP}
    write_json("large_order", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
