"""A comparison of scenarios: each run over the same replications (common random numbers: the
replication's seed draws the same demand, faults and drift in every scenario), the figures'
means with 95 % t-intervals, and each scenario's paired difference against the first one."""

from __future__ import annotations

import math
import multiprocessing
import random
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from scipy import stats

from shipshape.sim.figures import Figures, figures
from shipshape.sim.scenario import Scenario
from shipshape.sim.world import Twin

Progress = Callable[[str, int, float], None]
"""(scenario, replication, share of its simulated time done)."""
FIGURE_KEYS = ("orders", "short_ship_rate", "exceptions_per_1000", "perfect_order_rate",
               "expedited_freight_cost", "rework_hours", "invoice_corrections",
               "strategic_on_time_rate")
RATES = ("short_ship_rate", "perfect_order_rate", "strategic_on_time_rate")


@dataclass(frozen=True)
class Plan:
    scenarios: Sequence[tuple[Scenario, str]]
    """Each scenario with where it came from ("built-in" or its file)."""
    days: int
    seed: int
    replications: int
    store_dir: Path
    orders_per_day: int | None = None


def replication_seed(seed: int, replication: int) -> int:
    return random.Random(f"{seed}:replication:{replication}").randrange(2**31)


def store_of(plan: Plan, scenario: Scenario, replication: int) -> Path:
    return plan.store_dir / f"{scenario.name}-seed{plan.seed}-r{replication}.db"


def run_one(plan: Plan, scenario: Scenario, replication: int,
            progress: Progress | None = None) -> Figures:
    twin = Twin(scenario.with_orders_per_day(plan.orders_per_day),
                replication_seed(plan.seed, replication), plan.days,
                store_of(plan, scenario, replication))
    began = time.perf_counter()
    try:
        hour = (lambda share: progress(scenario.name, replication, share)) if progress else None
        tally = twin.run(hour)
        end = twin.start + timedelta(seconds=twin.horizon_s)
        found = figures(twin.container.engine, twin.scenario, tally, end)
    finally:
        twin.close()
    return {**found, "elapsed_s": time.perf_counter() - began}


Job = tuple[Scenario, int]


def compare(plan: Plan, progress: Progress | None = None, workers: int = 1) -> dict[str, Any]:
    """Every scenario over every replication, on up to `workers` processes at once."""
    started = time.perf_counter()
    jobs = [(scenario, r) for scenario, _ in plan.scenarios
            for r in range(1, plan.replications + 1)]
    done = (_in_processes(plan, jobs, workers, progress) if workers > 1 and len(jobs) > 1
            else {(s.name, r): run_one(plan, s, r, progress) for s, r in jobs})
    runs = {scenario.name: [done[(scenario.name, r)] for r in range(1, plan.replications + 1)]
            for scenario, _ in plan.scenarios}
    elapsed = time.perf_counter() - started
    total_orders = sum(_value(f, "orders") for found in runs.values() for f in found)
    return {"days": plan.days, "seed": plan.seed, "replications": plan.replications,
            "orders_per_day": plan.orders_per_day, "orders_per_s": total_orders / elapsed,
            "elapsed_s": elapsed, "workers": min(workers, len(jobs)),
            "scenarios": {scenario.name: _scenario(plan, scenario, source, runs[scenario.name])
                          for scenario, source in plan.scenarios},
            "differences": differences(runs)}


def _scenario(plan: Plan, scenario: Scenario, source: str, runs: list[Figures]
              ) -> dict[str, Any]:
    busy = sum(_value(f, "elapsed_s") for f in runs)
    last_day = scenario.start + timedelta(days=math.ceil(plan.days + scenario.drain_days) - 1)
    return {"description": scenario.description, "source": source,
            "period": {"from": scenario.start.isoformat(), "to": last_day.isoformat()},
            **summary(runs),
            "orders_per_s": sum(_value(f, "orders") for f in runs) / busy, "elapsed_s": busy,
            "stores": [str(store_of(plan, scenario, r))
                       for r in range(1, plan.replications + 1)]}


def _in_processes(plan: Plan, jobs: list[Job], workers: int,
                  progress: Progress | None) -> dict[tuple[str, int], Figures]:
    """The runs in a pool of processes (each its own store and engine); their progress comes
    back through a queue."""
    with multiprocessing.Manager() as manager, ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        queue = manager.Queue()
        futures = {pool.submit(_run_reporting, plan, s, r, queue): (s.name, r) for s, r in jobs}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            while not queue.empty():
                name, replication, share = queue.get()
                if progress is not None:
                    progress(name, replication, share)
            for future in finished:
                future.result()
        return {futures[f]: f.result() for f in futures}


def _run_reporting(plan: Plan, scenario: Scenario, replication: int, queue: Any) -> Figures:
    return run_one(plan, scenario, replication,
                   lambda name, rep, share: queue.put((name, rep, share)))


def summary(runs: Sequence[Figures]) -> dict[str, Any]:
    found: dict[str, Any] = {
        key: within(interval([_value(f, key) for f in runs]), 1.0 if key in RATES else None)
        for key in FIGURE_KEYS}
    found["exceptions_per_1000"]["by_stage"] = {
        stage: within(interval([_stages(f)[stage] for f in runs]), None)
        for stage in _stages(runs[0])}
    return found


def differences(runs: dict[str, list[Figures]]) -> dict[str, Any]:
    """Each scenario after the first against the first, replication by replication."""
    names = list(runs)
    if len(names) < 2:
        return {}
    first = names[0]
    return {name: {"against": first, **{
        key: interval([_value(a, key) - _value(b, key)
                       for a, b in zip(runs[name], runs[first], strict=True)])
        for key in FIGURE_KEYS if key != "orders"}} for name in names[1:]}


def interval(values: Sequence[float]) -> dict[str, Any]:
    """Mean and 95 % t-interval; no interval from one value."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return {"mean": mean, "low": None, "high": None, "values": list(values)}
    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(
        len(values))
    return {"mean": mean, "low": mean - half, "high": mean + half, "values": list(values)}


def within(stat: dict[str, Any], most: float | None) -> dict[str, Any]:
    """An interval cut to what the figure can be (never below 0; a rate never above 1): a
    t-interval over few runs can reach past it."""
    if stat["low"] is None:
        return stat
    high = stat["high"] if most is None else min(stat["high"], most)
    return {**stat, "low": max(stat["low"], 0.0), "high": high}


def _value(found: Figures, key: str) -> float:
    value = found[key]
    if isinstance(value, dict):
        raise TypeError(f"{key} is a breakdown, not a figure")
    return float(value)


def _stages(found: Figures) -> dict[str, float]:
    stages = found["exceptions_by_stage"]
    if not isinstance(stages, dict):
        raise TypeError("exceptions_by_stage is a breakdown by stage")
    return stages
