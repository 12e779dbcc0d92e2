"""What the dashboard shows of `GET /api/v1/kpis`, as pure functions of its answer: the query,
the headline figures in words, and each chart's ECharts options with the table beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

DEFAULT_DAYS = 30
MAX_DAYS = 366
BREAKDOWNS = ("day", "stage", "owner_team")
HEADLINES = (
    ("perfect_order_rate", "Perfect order rate", "percent"),
    ("exceptions_per_1000", "Exceptions per 1,000 orders", "number"),
    ("rework_hours", "Rework hours", "number"),
    ("expedited_freight", "Expedited freight", "money"),
    ("time_to_resolve_mean_h", "Time to resolve, mean (h)", "number"),
    ("time_to_resolve_p90_h", "Time to resolve, p90 (h)", "number"),
    ("credit_notes", "Credit notes", "number"),
    ("integration_failure_rate", "Integration failure rate", "percent"),
)
"""(field of the totals, label, how it reads) of the figures above the charts."""
NONE = "none"
"""The label of a group without a value (a case without an owner team)."""


def period_days(text: object) -> int:
    """The dashboard's `days` (1 to 366); anything else is the default, 30."""
    try:
        days = int(str(text))
    except ValueError:
        return DEFAULT_DAYS
    return days if 1 <= days <= MAX_DAYS else DEFAULT_DAYS


@dataclass(frozen=True, slots=True)
class Period:
    """The days the dashboard shows, first and last included, and how its title names them."""

    first: date
    last: date
    title: str


def period_of(days: object, start: object, end: object, today: date) -> Period:
    """`from` and `to` when both are dates (YYYY-MM-DD), in that order and at most 366 days
    apart; else the last `days` days (`period_days`), today included."""
    first, last = _date(start), _date(end)
    if first is not None and last is not None and 0 <= (last - first).days < MAX_DAYS:
        return Period(first, last, f"{first.isoformat()} to {last.isoformat()}")
    count = period_days(days)
    return Period(today - timedelta(days=count - 1), today, f"last {count} days")


def _date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def kpi_params(period: Period) -> dict[str, str]:
    """The query of the period's days, by day, stage and owner team."""
    return {"from": period.first.isoformat(), "to": period.last.isoformat(),
            "by": ",".join(BREAKDOWNS)}


def shown(value: object, kind: str, currency: str = "") -> str:
    """A figure as the dashboard writes it: a rate in per cent, an amount with its currency,
    nothing to show as a dash."""
    if value is None or value == "":
        return "-"
    if kind == "percent" and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    if kind == "money":
        return f"{value} {currency}".strip()
    return str(value)


def headlines(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, label, value in words) of each headline figure of the period."""
    totals = report.get("totals") or {}
    currency = str(report.get("currency") or "")
    return [(name, label, shown(totals.get(name), kind, currency))
            for name, label, kind in HEADLINES]


def groups(report: Mapping[str, Any], by: str) -> list[Mapping[str, Any]]:
    for breakdown in report.get("breakdowns") or []:
        if breakdown.get("by") == by:
            return list(breakdown.get("groups") or [])
    return []


def _label(group: Mapping[str, Any]) -> str:
    return str(group.get("key") if group.get("key") is not None else NONE)


def _percent(rate: object) -> float | None:
    return round(rate * 100, 1) if isinstance(rate, int | float) else None


def perfect_order_by_day(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The days orders were delivered: how many, how many perfect, the rate in per cent."""
    return [{"day": _label(g), "delivered": g.get("delivered_orders"),
             "perfect": g.get("perfect_orders"),
             "rate": _percent(g.get("perfect_order_rate"))}
            for g in groups(report, "day") if g.get("delivered_orders")]


def exceptions_by(report: Mapping[str, Any], by: str) -> list[dict[str, Any]]:
    """Each group's cases and cases per 1,000 orders, most per 1,000 first."""
    rows = [{by: _label(g), "cases": g.get("cases"), "per_1000": g.get("exceptions_per_1000")}
            for g in groups(report, by) if g.get("cases")]
    return sorted(rows, key=lambda row: (-(row["per_1000"] or 0), row[by]))


def resolve_times_by(report: Mapping[str, Any], by: str) -> list[dict[str, Any]]:
    """Each group's cases closed and their time to resolve in hours (mean, p90)."""
    return [{by: _label(g), "closed": g.get("closed_cases"),
             "mean_h": g.get("time_to_resolve_mean_h"), "p90_h": g.get("time_to_resolve_p90_h")}
            for g in groups(report, by) if g.get("closed_cases")]


def line_chart(rows: Sequence[Mapping[str, Any]], x: str, y: str, name: str,
               unit: str = "") -> dict[str, Any]:
    return _chart([str(r[x]) for r in rows], [(name, "line", [r[y] for r in rows])], unit)


def bar_chart(rows: Sequence[Mapping[str, Any]], x: str,
              series: Sequence[tuple[str, str]], unit: str = "") -> dict[str, Any]:
    """One bar per row and series (field, name), each labelled with its value."""
    return _chart([str(r[x]) for r in rows],
                  [(name, "bar", [r[field] for r in rows]) for field, name in series], unit)


def _chart(categories: list[str], series: Sequence[tuple[str, str, list[Any]]],
           unit: str) -> dict[str, Any]:
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"show": len(series) > 1},
        "grid": {"left": 48, "right": 16, "top": 32, "bottom": 64},
        "xAxis": {"type": "category", "data": categories,
                  "axisLabel": {"rotate": 30 if len(categories) > 6 else 0}},
        "yAxis": {"type": "value", "name": unit, **({"min": 0, "max": 100} if unit == "%" else {})},
        "series": [{"name": name, "type": kind, "data": data,
                    "label": {"show": True, "position": "top"}}
                   for name, kind, data in series],
    }
