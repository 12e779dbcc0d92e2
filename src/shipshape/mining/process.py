"""The process as it ran: activities, variants, the directly-follows graph with its waiting
times, rework, and waiting times per resource or system. Every step is a Polars expression
over a case view's events (sorted by case, time, event id); waits are in seconds, p90 the
linear-interpolated 90th percentile."""

from __future__ import annotations

from typing import Any

import polars as pl

from shipshape.mining.log import EventLog
from shipshape.mining.view import CaseView

SEPARATOR = "\x1f"
"""Joins a variant's activities into one key; no activity name holds it."""


def activities(log: EventLog) -> dict[str, int]:
    """Events per activity, most frequent first."""
    counted = log.events.group_by("activity").len().sort(["len", "activity"],
                                                         descending=[True, False])
    return dict(zip(counted.get_column("activity").to_list(),
                    counted.get_column("len").to_list(), strict=True))


def with_next(view: CaseView) -> pl.DataFrame:
    """Each event with the activity and time of the next event of its case (null at the end)."""
    same = pl.col("case_id") == pl.col("case_id").shift(-1)
    return view.events.with_columns(
        next_activity=pl.when(same).then(pl.col("activity").shift(-1)),
        wait=pl.when(same).then((pl.col("timestamp").shift(-1) - pl.col("timestamp"))
                                .dt.total_microseconds() / 1e6))


def dfg(view: CaseView, steps: pl.DataFrame | None = None) -> pl.DataFrame:
    """from, to, count, median_seconds, p90_seconds per directly-follows pair."""
    steps = with_next(view) if steps is None else steps
    return (steps.filter(pl.col("next_activity").is_not_null())
            .group_by(pl.col("activity").alias("from"), pl.col("next_activity").alias("to"))
            .agg(count=pl.len(), median_seconds=pl.col("wait").median(),
                 p90_seconds=pl.col("wait").quantile(0.9, "linear"))
            .sort(["count", "from", "to"], descending=[True, False, False]))


def variants(view: CaseView) -> pl.DataFrame:
    """activities (list), cases, share: each distinct sequence, most frequent first."""
    keyed = (view.events.group_by("case_id", maintain_order=True)
             .agg(key=pl.col("activity").str.join(SEPARATOR)))
    total = max(keyed.height, 1)
    return (keyed.group_by("key").agg(cases=pl.len())
            .sort(["cases", "key"], descending=[True, False])
            .select(activities=pl.col("key").str.split(SEPARATOR), cases="cases",
                    share=pl.col("cases") / total))


def rework(view: CaseView) -> dict[str, Any]:
    """Activities done more than once in a case: cases with any, repeats (occurrences beyond
    the first), and both per activity."""
    counted = view.events.group_by("case_id", "activity").agg(n=pl.len()).filter(pl.col("n") > 1)
    by_activity = (counted.group_by("activity")
                   .agg(cases=pl.len(), repeats=(pl.col("n") - 1).sum())
                   .sort(["repeats", "activity"], descending=[True, False]))
    return {"cases": counted.get_column("case_id").n_unique(),
            "repeats": int(by_activity.get_column("repeats").sum()),
            "by_activity": by_activity.to_dicts()}


def waits_by(view: CaseView, role: str, steps: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per value of `role` (resource, system): events, and the wait before its events."""
    steps = with_next(view) if steps is None else steps
    before = steps.with_columns(
        waited=pl.when(pl.col("case_id") == pl.col("case_id").shift())
        .then(pl.col("wait").shift()))
    return (before.filter(pl.col(role).is_not_null())
            .group_by(pl.col(role).alias("name"))
            .agg(events=pl.len(), median_seconds=pl.col("waited").median(),
                 p90_seconds=pl.col("waited").quantile(0.9, "linear"))
            .sort(["events", "name"], descending=[True, False]))


def endpoints(view: CaseView) -> dict[str, dict[str, int]]:
    """How many cases start and end with each activity."""
    by_case = view.events.group_by("case_id").agg(first=pl.col("activity").first(),
                                                  last=pl.col("activity").last())
    return {which: _counts(by_case.get_column(key))
            for which, key in (("start", "first"), ("end", "last"))}


def durations(view: CaseView) -> dict[str, float | None]:
    """Seconds from each case's first to its last event: median, p90, max."""
    spans = view.events.group_by("case_id").agg(
        seconds=(pl.col("timestamp").max() - pl.col("timestamp").min())
        .dt.total_microseconds() / 1e6)
    seconds = spans.get_column("seconds")
    return {"median_seconds": _float(seconds.median()),
            "p90_seconds": _float(seconds.quantile(0.9, "linear")),
            "max_seconds": _float(seconds.max())}


def _counts(values: pl.Series) -> dict[str, int]:
    counted = values.value_counts(sort=True)
    return dict(zip(counted[:, 0].to_list(), counted[:, 1].to_list(), strict=True))


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def typical_order(view: CaseView) -> list[str]:
    """Activities by where they fall in their cases on average (0 first, 1 last)."""
    placed = view.events.with_columns(
        at=pl.int_range(pl.len()).over("case_id") / (pl.len().over("case_id") - 1).clip(1))
    ranked = placed.group_by("activity").agg(at=pl.col("at").mean(), n=pl.len())
    return ranked.sort(["at", "n", "activity"], descending=[False, True, False]).get_column(
        "activity").to_list()
