"""Mining a flat log of about 1 million events end to end: the CSV read with its mapping
(timestamps parsed, day/month swaps and duplicates checked), every section of the report
(activities, variants, directly-follows graph with waits, rework, waits per resource,
patterns, Pareto, proposed controls with their backtest), the JSON and HTML written; the
directly-follows graph with its median and p90 waits timed alone; peak memory.

The log is the IBM SAP order-to-cash log (../shared/data, Apache-2.0) copied `--copies` times
with each copy's case ids made its own (87,060 events a copy: 12 copies, 1,044,720 events),
read with tests/fixtures/mining/ibm_o2c_mapping.yaml; where the file is absent, a synthetic
order-to-cash log of the same shape. The measuring runs in a process of its own, so its peak
resident memory (getrusage maxrss) is the mining's alone.
Targets (issue 17): end to end < 20 s, the DFG < 1 s, peak memory < 2 GB.

Usage: python benchmarks/bench_mining.py [--copies 12] [--runs 3] [--synthetic]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from common import BENCH_DIR, console, print_table, write_json

IBM = BENCH_DIR.parents[1] / "shared" / "data" / "event_logs" / "ibm-o2c-sap" / "O2C_SAP_log.csv.gz"
MAPPING = BENCH_DIR.parent / "tests" / "fixtures" / "mining" / "ibm_o2c_mapping.yaml"
COLUMNS = ("events", "cases", "source", "read_s", "report_s", "write_s", "end_to_end_s",
           "dfg_s", "peak_mb", "variants", "patterns", "controls")
TARGETS = {"end_to_end_s": 20.0, "dfg_s": 1.0, "peak_mb": 2048.0}


def scaled_ibm(copies: int, folder: Path) -> Path:
    """The IBM log `copies` times over, case ids suffixed per copy, as a plain CSV."""
    original = pl.read_csv(IBM, infer_schema=False)
    scaled = pl.concat([original.with_columns(pl.col("Key") + f"#{n}") for n in range(copies)])
    path = folder / "o2c_scaled.csv"
    scaled.write_csv(path)
    return path


def synthetic(events: int, folder: Path) -> Path:
    """An order-to-cash-like log in the IBM log's columns (for a clone without ../shared)."""
    steps = ["Line Creation", "Header Block Removed", "LgstCheckOnConfDat Removed",
             "Sched.Line Changed Delivery Date", "Delivery", "Good Issue"]
    cases = events * 3 // 14  # 4 steps of 6 on two cases of three, all 6 on the third
    frame = pl.DataFrame({"case": pl.int_range(cases, eager=True)}).join(
        pl.DataFrame({"step": list(range(len(steps)))}), how="cross")
    frame = frame.filter(~((pl.col("step").is_in([1, 3])) & ((pl.col("case") % 3) != 0)))
    moment = (pl.datetime(2016, 1, 1) + pl.duration(hours=pl.col("case") % 9000)
              + pl.duration(hours=pl.col("step") * 30))
    path = folder / "o2c_synthetic.csv"
    frame.select(
        Key=pl.col("case").cast(pl.String), Date=moment.dt.strftime("%Y-%m-%d %H:%M:%S"),
        User=pl.format("User{}", pl.col("case") % 50),
        Activity=pl.col("step").replace_strict(list(range(len(steps))), steps),
        OrderType=pl.format("Type{}", pl.col("case") % 7), Customer=pl.format(
            "Customer {}", pl.col("case") % 200), Product_hierarchy=pl.lit("TLC Optical Cables"),
        Delayed=pl.when(pl.col("case") % 11 == 0).then(pl.lit("DELAYED")).otherwise(
            pl.lit("IN TIME")), NetValue=(pl.col("case") % 5000).cast(pl.String),
    ).write_csv(path)
    return path


def measure(path: Path, runs: int) -> dict[str, Any]:
    """Run in a fresh process: the whole pipeline, then the DFG alone `runs` times."""
    from shipshape.mining import flat, process, report, report_html
    from shipshape.mining.mapping import load
    from shipshape.mining.view import case_view

    mapping = load(MAPPING)
    started = time.perf_counter()
    imported = flat.load(path, mapping)
    read_s = time.perf_counter() - started
    built = report.build(imported.log, mapping.options)
    report_s = time.perf_counter() - started - read_s
    with tempfile.TemporaryDirectory() as out:
        report.write_json(built, Path(out) / "r.json")
        report_html.write_html(built, Path(out) / "r.html")
    total = time.perf_counter() - started
    view = case_view(imported.log, "case", mapping.options)
    dfg_times = []
    for _ in range(runs):
        begun = time.perf_counter()
        process.dfg(view)
        dfg_times.append(time.perf_counter() - begun)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"events": built["events"], "cases": built["cases"],
            "read_s": round(read_s, 2), "report_s": round(report_s, 2),
            "write_s": round(total - read_s - report_s, 2), "end_to_end_s": round(total, 2),
            "dfg_s": round(statistics.median(dfg_times), 3), "peak_mb": round(peak_kb / 1024),
            "variants": built["types"]["case"]["variant_count"],
            "patterns": len(built["patterns"]), "controls": len(built["proposed_controls"])}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true",
                        help="a synthetic log even where the IBM log is present")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return {}
    with tempfile.TemporaryDirectory(prefix="shipshape-bench-mining-") as folder:
        real = IBM.exists() and not args.synthetic
        source = "IBM O2C scaled" if real else "synthetic"
        console.print(f"writing the log ({source}, {args.copies} copies) …")
        path = (scaled_ibm(args.copies, Path(folder)) if real
                else synthetic(87_060 * args.copies, Path(folder)))
        answer = subprocess.run([sys.executable, __file__, "--measure", str(path),
                                 "--runs", str(args.runs)], check=True, capture_output=True,
                                text=True, cwd=BENCH_DIR)
    row = {**json.loads(answer.stdout.strip().splitlines()[-1]), "source": source}
    print_table("Mining a flat log end to end (CSV read + every report section + files)",
                [row], COLUMNS)
    met = {name: row[name] < limit for name, limit in TARGETS.items()}
    console.print("targets: " + ", ".join(f"{name} < {limit:g}: {'met' if ok else 'MISSED'}"
                                          for (name, limit), ok in zip(TARGETS.items(),
                                                                       met.values(),
                                                                       strict=True)))
    payload = {"results": [{**row, "backend": "memory"}], "targets": TARGETS, "met": met}
    write_json("mining", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
