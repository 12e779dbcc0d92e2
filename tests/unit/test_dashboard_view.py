"""The dashboard's KPI rules without a browser: the query of the last days, the figures in words,
and each chart's rows and ECharts options from the API's answer."""

from __future__ import annotations

from datetime import date
from typing import Any

from shipshape.console import kpi_view as kv

ANSWER: dict[str, Any] = {
    "currency": "USD",
    "totals": {"perfect_order_rate": 0.25, "exceptions_per_1000": 833.33,
               "expedited_freight": "25.50", "time_to_resolve_p90_h": None},
    "breakdowns": [
        {"by": "day", "groups": [
            {"key": "2026-11-23", "delivered_orders": 0, "perfect_orders": 0,
             "perfect_order_rate": None},
            {"key": "2026-11-26", "delivered_orders": 3, "perfect_orders": 1,
             "perfect_order_rate": 0.3333}]},
        {"by": "stage", "groups": [
            {"key": "allocate", "cases": 1, "exceptions_per_1000": 166.67},
            {"key": "release", "cases": 0, "exceptions_per_1000": 0.0},
            {"key": "ship", "cases": 3, "exceptions_per_1000": 500.0}]},
        {"by": "owner_team", "groups": [
            {"key": None, "closed_cases": 1, "time_to_resolve_mean_h": 1.0,
             "time_to_resolve_p90_h": 1.0},
            {"key": "integration", "closed_cases": 0}]},
    ],
}


def test_the_period_is_the_last_days_today_included() -> None:
    period = kv.period_of("30", None, None, date(2026, 12, 3))
    assert kv.kpi_params(period) == {
        "from": "2026-11-04", "to": "2026-12-03", "by": "day,stage,owner_team"}
    assert period.title == "last 30 days"
    assert [kv.period_days(v) for v in ("7", "", "0", "400", "x", 90)] == [7, 30, 30, 30, 30, 90]


def test_a_period_from_and_to_wins_over_days_when_both_are_dates_in_order() -> None:
    today = date(2026, 12, 3)
    period = kv.period_of("7", "2026-11-02", "2026-11-04", today)
    assert (period.first, period.last, period.title) == (
        date(2026, 11, 2), date(2026, 11, 4), "2026-11-02 to 2026-11-04")
    assert kv.period_of(None, "2026-11-02", "2026-11-02", today).title == (
        "2026-11-02 to 2026-11-02")
    for start, end in (("2026-11-04", "2026-11-02"), ("2026-11-02", None),
                       ("02/11/2026", "2026-11-04"), ("2025-01-01", "2026-11-04"),
                       ("2026-11-02\x00", "2026-11-04")):
        assert kv.period_of("7", start, end, today).title == "last 7 days", (start, end)


def test_headline_figures_read_as_words() -> None:
    shown = {name: value for name, _, value in kv.headlines(ANSWER)}
    assert shown["perfect_order_rate"] == "25.0 %"
    assert shown["exceptions_per_1000"] == "833.33"
    assert shown["expedited_freight"] == "25.50 USD"
    assert shown["time_to_resolve_p90_h"] == "-"
    assert shown["credit_notes"] == "-"


def test_the_perfect_order_chart_shows_the_days_with_deliveries_in_per_cent() -> None:
    rows = kv.perfect_order_by_day(ANSWER)
    assert rows == [{"day": "2026-11-26", "delivered": 3, "perfect": 1, "rate": 33.3}]
    options = kv.line_chart(rows, "day", "rate", "Perfect order rate", "%")
    assert options["xAxis"]["data"] == ["2026-11-26"]
    assert options["series"][0]["data"] == [33.3] and options["animation"] is False


def test_exceptions_by_stage_leave_out_stages_without_cases_most_first() -> None:
    rows = kv.exceptions_by(ANSWER, "stage")
    assert [(r["stage"], r["per_1000"]) for r in rows] == [("ship", 500.0),
                                                           ("allocate", 166.67)]
    options = kv.bar_chart(rows, "stage", (("per_1000", "per 1,000 orders"),))
    assert options["series"] == [{"name": "per 1,000 orders", "type": "bar",
                                  "data": [500.0, 166.67],
                                  "label": {"show": True, "position": "top"}}]


def test_time_to_resolve_names_a_group_without_a_value() -> None:
    assert kv.resolve_times_by(ANSWER, "owner_team") == [
        {"owner_team": "none", "closed": 1, "mean_h": 1.0, "p90_h": 1.0}]
    assert kv.groups(ANSWER, "site") == []
