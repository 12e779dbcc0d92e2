"""The order-risk model's speed (targets: inline scoring under 1 ms per order p99 on one
thread; batch scoring at least 50,000 orders/s).

A model is trained on synthetic orders (the time it takes is reported), then:

* inline: `RiskModel.score_one` on `--calls` rows one at a time (one thread), p50/p99;
* inline limit: `Booster.predict` of a prebuilt one-row numpy array on one thread: what
  LightGBM's Python call costs alone, measured in the same run;
* batch: `RiskModel.score_rows` on `--rows` rows (mappings in, probabilities out), orders/s;
* batch limit: `Booster.predict` of the prebuilt matrix of those rows.

Usage: python benchmarks/bench_ml_risk.py [--calls N] [--rows N] [--train-rows N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
from common import console, print_table, write_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipshape.ml.risk_data import prepare_frame
from shipshape.ml.risk_files import write_model
from shipshape.ml.risk_mapping import mapping_from
from shipshape.ml.risk_model import RiskModel
from shipshape.ml.risk_train import train
from tests.risk_synthetic import orders

FEATURES = {"slack_days": "numeric", "lines": "numeric", "channel": "categorical",
            "value": "numeric"}
MAPPING = {"id": "order_id", "time": "created_at", "features": FEATURES,
           "label": {"column": "outcome", "positive": ["LATE"]}}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_calls(call: Any, rows: list[Any]) -> list[float]:
    samples = []
    for row in rows:
        started = time.perf_counter_ns()
        call(row)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--train-rows", type=int, default=20_000)
    args = parser.parse_args()

    history = orders(args.train_rows, seed=11)
    started = time.perf_counter()
    record = train(prepare_frame(pl.DataFrame(history), mapping_from(MAPPING), "synthetic"))
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        write_model(Path(folder), record)
        model = RiskModel.load(folder)

    rows = [{k: r[k] for k in FEATURES} for r in orders(max(args.rows, args.calls), seed=12)]
    inline_rows = rows[: args.calls]
    timed_calls(model.score_one, inline_rows[:500])  # warm-up
    inline = timed_calls(model.score_one, inline_rows)
    vectors = [model.encoder.row(r) for r in inline_rows]
    booster = model.booster
    raw = timed_calls(lambda v: booster.predict(v, num_threads=1), vectors)

    batch_rows = rows[: args.rows]
    started = time.perf_counter()
    model.score_rows(batch_rows)
    batch_s = time.perf_counter() - started
    matrix = model.encoder.rows(batch_rows)
    started = time.perf_counter()
    booster.predict(matrix)
    raw_batch_s = time.perf_counter() - started

    results = [
        {"measure": "inline score_one (1 thread)", "p50_ms": statistics.median(inline),
         "p99_ms": percentile(inline, 0.99), "target": "p99 < 1 ms",
         "limit_p99_ms": percentile(raw, 0.99),
         "ratio": percentile(inline, 0.99) / percentile(raw, 0.99), "calls": len(inline),
         "status": "ok" if percentile(inline, 0.99) < 1.0 else "slow"},
        {"measure": "inline limit: Booster.predict, one numpy row", "p50_ms":
         statistics.median(raw), "p99_ms": percentile(raw, 0.99), "calls": len(raw)},
        {"measure": "batch score_rows", "orders_per_s": len(batch_rows) / batch_s,
         "target": ">= 50,000/s", "limit_orders_per_s": len(batch_rows) / raw_batch_s,
         "ratio": raw_batch_s / batch_s, "rows": len(batch_rows),
         "status": "ok" if len(batch_rows) / batch_s >= 50_000 else "slow"},
        {"measure": "batch limit: Booster.predict, prebuilt matrix",
         "orders_per_s": len(batch_rows) / raw_batch_s, "rows": len(batch_rows)},
        {"measure": "training (train-risk recipe, validated + refit)", "seconds": train_s,
         "rows": args.train_rows, "trees": record.params.get("rounds")},
    ]
    print_table("order-risk model", results,
                ("measure", "p50_ms", "p99_ms", "orders_per_s", "seconds", "target", "status",
                 "ratio"))
    console.print("[dim]ratio: the model's figure over the machine limit measured in this run "
                  "(inline: p99 over p99; batch: limit time over model time)[/]")
    write_json("ml_risk", {"results": results, "args": vars(args)})


if __name__ == "__main__":
    main()
