"""Simulated orders per second: one simulated day of each built-in scenario through the real
engine (`shipshape simulate`'s runs), on a fresh SQLite store each.

The issue's target is a 20,000-order day in under 2 minutes on this machine (167 orders/s);
`day_20k_min` projects the minutes such a day takes at the measured rate. The rate counts the
orders of the day over the whole run, its drain days included (the journey finishing, stock
arriving, customer service working the queue).

Usage: python benchmarks/bench_twin.py [--orders-per-day N] [--scenario NAME ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from common import print_table, write_json

from shipshape.sim.run import replication_seed
from shipshape.sim.scenario import BUILT_IN, load_scenario
from shipshape.sim.world import Twin

COLUMNS = ("scenario", "orders", "seconds", "cpu_s", "orders_per_s", "day_20k_min",
           "target_min")
DAY = 20_000
TARGET_MIN = 2.0


def measure(name: str, orders_per_day: int, seed: int, folder: Path) -> dict[str, Any]:
    scenario = load_scenario(name)[0].with_orders_per_day(orders_per_day)
    twin = Twin(scenario, replication_seed(seed, 1), 1, folder / f"{name}.db")
    started, cpu = time.perf_counter(), time.process_time()
    try:
        tally = twin.run()
    finally:
        twin.close()
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    rate = tally.orders / seconds
    return {"scenario": name, "orders": tally.orders, "seconds": seconds, "cpu_s": cpu_s,
            "orders_per_s": rate, "day_20k_min": DAY / rate / 60, "target_min": TARGET_MIN}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders-per-day", type=int, default=2000)
    parser.add_argument("--scenario", action="append", choices=BUILT_IN)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-twin-") as folder:
        rows = [measure(name, args.orders_per_day, args.seed, Path(folder))
                for name in args.scenario or BUILT_IN]
    print_table(f"A simulated day of {args.orders_per_day:,} orders through the real engine",
                rows, COLUMNS)
    write_json("twin", {"orders_per_day": args.orders_per_day, "results": rows})


if __name__ == "__main__":
    main()
