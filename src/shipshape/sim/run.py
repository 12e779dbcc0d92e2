"""A comparison of scenarios: each run over the same replications (common random numbers: the
replication's seed draws the same demand, faults and drift in every scenario), the figures'
means with 95 % t-intervals, and each scenario's paired difference against the first one."""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
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
    try:
        hour = (lambda share: progress(scenario.name, replication, share)) if progress else None
        tally = twin.run(hour)
        end = twin.start + timedelta(seconds=twin.horizon_s)
        return figures(twin.container.engine, twin.scenario, tally, end)
    finally:
        twin.close()


def compare(plan: Plan, progress: Progress | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    scenarios: dict[str, Any] = {}
    runs: dict[str, list[Figures]] = {}
    total_orders = 0.0
    for scenario, source in plan.scenarios:
        began = time.perf_counter()
        runs[scenario.name] = [run_one(plan, scenario, r, progress)
                               for r in range(1, plan.replications + 1)]
        orders = sum(float(str(f["orders"])) for f in runs[scenario.name])
        total_orders += orders
        elapsed = time.perf_counter() - began
        scenarios[scenario.name] = {
            "description": scenario.description, "source": source,
            **summary(runs[scenario.name]), "orders_per_s": orders / elapsed,
            "elapsed_s": elapsed,
            "stores": [str(store_of(plan, scenario, r))
                       for r in range(1, plan.replications + 1)]}
    elapsed = time.perf_counter() - started
    return {"days": plan.days, "seed": plan.seed, "replications": plan.replications,
            "orders_per_day": plan.orders_per_day, "orders_per_s": total_orders / elapsed,
            "elapsed_s": elapsed, "scenarios": scenarios, "differences": differences(runs)}


def summary(runs: Sequence[Figures]) -> dict[str, Any]:
    found: dict[str, Any] = {key: interval([_value(f, key) for f in runs])
                             for key in FIGURE_KEYS}
    stages = list(_stages(runs[0]))
    found["exceptions_per_1000"]["by_stage"] = {
        stage: interval([_stages(f)[stage] for f in runs]) for stage in stages}
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
