"""SLA clocks: the clock state of N open cases (consumed business time, jeopardy, projected due
time), as the escalation sweep and the desk's list compute them.

The cases are synthetic and deterministic: opened up to three weeks before `now` on a
Europe/Berlin Mon-Fri 08:00-18:00 calendar with holidays, budgets of 2 to 48 business hours,
one in ten paused, one in twenty without a budget (an older case, measured in wall time). Each
run computes every case's `CaseClock.at(now, desk)` (`domain.sla.clock_of`); the median of
`--runs` runs is reported (the first run also builds the calendar's spans, so it is kept apart).
Target (the exception desk issue): 10,000 cases in under 50 ms.

Usage: python benchmarks/bench_sla.py [--cases 10000] [--runs 9]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import console, print_table, write_json

from shipshape.domain.sla import BusinessCalendar, CaseClock, DeskCalendars

COLUMNS = ("cases", "runs", "first_run_ms", "p50_ms", "min_ms", "max_ms", "us_per_case",
           "on_track", "at_risk", "breached", "paused")
NOW = datetime(2026, 12, 3, 11, 30, tzinfo=UTC)
HOLIDAYS = [date(2026, 10, 3), date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26),
            date(2027, 1, 1)]


def open_cases(count: int, seed: int = 14) -> list[CaseClock]:
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        opened = NOW - timedelta(seconds=rng.randint(60, 21 * 86_400))
        budget = rng.choice((2, 4, 8, 12, 24, 48)) * 3600
        legacy = n % 20 == 0
        paused_at = (opened + (NOW - opened) * rng.random()) if n % 10 == 3 else None
        cases.append(CaseClock(
            f"exc_{n}", f"ord_{n}", "open", rng.choice(("customer_service", "credit")),
            "customer_service", "standard", 0, opened, opened + timedelta(seconds=budget),
            None if legacy else budget, paused_at, rng.choice((0, 0, 0, 1800)),
            "customer" if paused_at else None))
    return cases


def measure(count: int, runs: int) -> dict[str, Any]:
    desk = DeskCalendars({"default": BusinessCalendar("Europe/Berlin", holidays=HOLIDAYS)})
    cases = open_cases(count)
    timings = []
    states: list[Any] = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        states = [case.at(NOW, desk) for case in cases]
        timings.append((time.perf_counter() - started) * 1000)
    first, rest = timings[0], timings[1:]
    p50 = statistics.median(rest)
    counts = Counter(state.state for state in states)
    return {"cases": count, "runs": runs, "first_run_ms": round(first, 1),
            "p50_ms": round(p50, 1), "min_ms": round(min(rest), 1),
            "max_ms": round(max(rest), 1), "us_per_case": round(p50 * 1000 / count, 2),
            **{state: counts.get(state, 0) for state in
               ("on_track", "at_risk", "breached", "paused")}}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    console.print(f"clock states of {args.cases:,} open cases, {args.runs} runs")
    row = measure(args.cases, args.runs)
    print_table("SLA clocks: the clock state of every open case", [row], COLUMNS)
    payload = {"results": [{**row, "backend": "memory"}], "target_ms": 50}
    write_json("sla", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
