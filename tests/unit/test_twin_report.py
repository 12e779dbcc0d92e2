"""The digital twin's HTML report: every scenario and figure shown, one chart per figure and one
by stage, nothing fetched from outside, scenario names escaped, a missing interval said in words,
rates as percentages, and the paired differences marked when their interval excludes zero."""

from __future__ import annotations

import re
from typing import Any

from shipshape.sim.report import FIGURES, html_report

STAGES = ("capture", "allocate", "release", "pick", "ship", "invoice", "deliver")
HOSTILE = "<script>alert(1)</script>"


def _figure(mean: float, spread: float) -> dict[str, Any]:
    values = [mean - spread, mean, mean + spread]
    return {"mean": mean, "low": mean - 2 * spread, "high": mean + 2 * spread, "values": values}


def _single(mean: float) -> dict[str, Any]:
    return {"mean": mean, "low": None, "high": None, "values": [mean]}


def _scenario(description: str, short_ship: float, exceptions: float,
              make: Any = _figure) -> dict[str, Any]:
    share = exceptions / len(STAGES)
    return {
        "description": description, "source": "built-in",
        "orders": make(2010.3, 10.0),
        "short_ship_rate": make(short_ship, 0.004),
        "exceptions_per_1000": {**make(exceptions, 3.0),
                                "by_stage": {stage: make(share, 0.5) for stage in STAGES}},
        "perfect_order_rate": make(0.91, 0.01),
        "expedited_freight_cost": make(12_500.0, 400.0),
        "rework_hours": make(36.5, 2.0),
        "invoice_corrections": make(14.0, 1.0),
        "strategic_on_time_rate": make(0.96, 0.005),
        "orders_per_s": 40.0, "elapsed_s": 50.0,
        "stores": ["twin/legacy-r1.db", "twin/legacy-r2.db", "twin/legacy-r3.db"],
    }


def _difference(against: str) -> dict[str, Any]:
    spans_zero = {"mean": 0.5, "low": -1.0, "high": 2.0}
    differences: dict[str, Any] = {figure.key: spans_zero for figure in FIGURES}
    differences["short_ship_rate"] = {"mean": -0.03, "low": -0.04, "high": -0.02}
    return {"against": against, **differences}


def _result() -> dict[str, Any]:
    return {
        "days": 1, "seed": 7, "replications": 3, "orders_per_day": 2000,
        "orders_per_s": 41.2, "elapsed_s": 97.0,
        "scenarios": {
            "legacy": _scenario("Today's process: batch allocation overnight.", 0.05, 80.1),
            HOSTILE: _scenario("Allocation on capture, <b>no</b> overnight batch.", 0.02, 42.0),
        },
        "differences": {HOSTILE: _difference("legacy")},
    }


def _one_replication() -> dict[str, Any]:
    scenario = _scenario("Only one run.", 0.05, 80.1,
                         make=lambda mean, _spread: _single(mean))
    return {"days": 1, "seed": 7, "replications": 1, "orders_per_day": None,
            "orders_per_s": 41.2, "elapsed_s": 12.0, "scenarios": {"legacy": scenario}}


def test_the_report_is_a_complete_document_naming_every_scenario_and_figure() -> None:
    page = html_report(_result())

    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert ">legacy<" in page
    assert "Today&#x27;s process: batch allocation overnight." in page
    for figure in FIGURES:
        assert figure.label in page


def test_the_header_gives_the_run_facts() -> None:
    page = html_report(_result())

    for fact in ("1 day simulated", "seed 7", "3 replications", "2,000 orders per day",
                 "97.0 s elapsed", "41.2 simulated orders per second"):
        assert fact in page


def test_each_figure_has_a_chart_and_the_stages_have_one_more() -> None:
    page = html_report(_result())

    assert page.count("<svg") == len(FIGURES) + 1
    for stage in STAGES:
        assert f">{stage}</text>" in page


def test_the_report_references_nothing_outside_itself() -> None:
    page = html_report(_result())

    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?://""", page, re.IGNORECASE)
    assert not re.search(r"""url\(\s*["']?\s*https?://""", page, re.IGNORECASE)
    assert not re.search(r"https?://", page)
    assert not re.search(r"<script[^>]*\bsrc", page, re.IGNORECASE)
    assert "<link" not in page


def test_a_hostile_scenario_name_is_escaped_everywhere() -> None:
    page = html_report(_result())

    assert HOSTILE not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>no</b>" not in page


def test_one_replication_says_there_is_no_interval_instead_of_none() -> None:
    page = html_report(_one_replication())

    assert "one replication: no interval" in page
    assert "5.0 % (n/a, one replication: no interval)" in page
    for word in ("None", "nan", "NaN"):
        assert not re.search(rf"\b{word}\b", page)


def test_rates_are_shown_as_percentages_with_their_interval() -> None:
    page = html_report(_result())

    assert "5.0 % (4.2 % \u2013 5.8 %)" in page


def test_money_and_hours_carry_their_units() -> None:
    page = html_report(_result())

    assert "USD 12,500.00" in page
    assert "36.5 h" in page


def test_a_difference_whose_interval_excludes_zero_is_marked() -> None:
    page = html_report(_result())
    rows = re.findall(r"<tr>.*?</tr>", page.split("Differences against")[1], re.DOTALL)
    short_ship = next(row for row in rows if "Short-ship rate" in row)
    spanning = next(row for row in rows if "Rework hours" in row)

    assert "-3.0 pp" in short_ship
    assert "yes: wholly below 0" in short_ship
    assert "<td>no</td>" in spanning


def test_without_differences_the_section_is_left_out() -> None:
    page = html_report(_one_replication())

    assert "Differences against" not in page
