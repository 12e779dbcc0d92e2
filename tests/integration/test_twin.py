"""The digital twin runs the real engine in simulated time: the same seed gives the same
figures, and on the default world the redesigned workflow short-ships less, finds fewer
exceptions at pick and delivers more perfect orders than the legacy one, with intervals over
replications."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shipshape.sim.run import Plan, compare, run_one
from shipshape.sim.scenario import Scenario, load_scenario

ORDERS_PER_DAY = 80


def small(name: str) -> tuple[Scenario, str]:
    scenario, source = load_scenario(name)
    return scenario.model_copy(update={"drain_days": 1.0}), source


def test_the_same_seed_gives_the_same_figures(tmp_path: Path) -> None:
    scenario, source = small("redesigned")
    first = Plan([(scenario, source)], 1, 11, 1, tmp_path / "a", 20)
    again = Plan([(scenario, source)], 1, 11, 1, tmp_path / "b", 20)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    figures, repeated = run_one(first, scenario, 1), run_one(again, scenario, 1)
    assert figures.pop("elapsed_s") > 0 and repeated.pop("elapsed_s") > 0
    assert figures == repeated


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    plan = Plan([small("legacy"), small("redesigned")], 1, 7, 2,
                tmp_path_factory.mktemp("twin"), ORDERS_PER_DAY)
    return compare(plan)


def test_the_redesign_short_ships_and_short_picks_less_than_the_legacy_process(
        comparison: dict[str, object]) -> None:
    scenarios = comparison["scenarios"]
    assert isinstance(scenarios, dict)
    legacy, redesigned = scenarios["legacy"], scenarios["redesigned"]
    assert redesigned["short_ship_rate"]["mean"] < legacy["short_ship_rate"]["mean"]
    assert redesigned["perfect_order_rate"]["mean"] > legacy["perfect_order_rate"]["mean"]
    at_pick = [s["exceptions_per_1000"]["by_stage"]["execute"]["mean"]
               for s in (legacy, redesigned)]
    assert at_pick[1] < at_pick[0], "drift is counted before the wave, not found at pick"


def test_each_figure_has_an_interval_and_a_paired_difference(
        comparison: dict[str, object]) -> None:
    scenarios, differences = comparison["scenarios"], comparison["differences"]
    assert isinstance(scenarios, dict) and isinstance(differences, dict)
    short = scenarios["legacy"]["short_ship_rate"]
    assert len(short["values"]) == 2
    assert short["low"] <= short["mean"] <= short["high"]
    paired = differences["redesigned"]
    assert paired["against"] == "legacy"
    assert paired["short_ship_rate"]["mean"] == pytest.approx(
        scenarios["redesigned"]["short_ship_rate"]["mean"] - short["mean"])
    stages = scenarios["redesigned"]["exceptions_per_1000"]["by_stage"]
    assert sum(s["mean"] for s in stages.values()) == pytest.approx(
        scenarios["redesigned"]["exceptions_per_1000"]["mean"])


def test_every_run_leaves_a_shipshape_store_with_the_orders(
        comparison: dict[str, object]) -> None:
    from shipshape.adapters.db import queries
    from shipshape.bootstrap import build
    from shipshape.config import Settings

    scenarios = comparison["scenarios"]
    assert isinstance(scenarios, dict)
    store = scenarios["redesigned"]["stores"][0]
    container = build(Settings(database_url=f"sqlite:///{store}"), migrate="embedded")
    try:
        statuses = queries.orders_by_status(container.engine)
    finally:
        container.close()
    assert sum(statuses.values()) >= scenarios["redesigned"]["orders"]["values"][0] * 0.9


def test_the_command_writes_its_table_json_and_report(tmp_path: Path) -> None:
    shipshape = Path(sys.executable).parent / "shipshape"
    done = subprocess.run(
        [str(shipshape), "simulate", "--scenario", "legacy", "--orders-per-day", "30",
         "--seed", "3", "--json", "out.json", "--html", "out.html", "--workers", "1"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    legacy = result["scenarios"]["legacy"]
    assert set(FIGURES) <= set(legacy)
    assert legacy["short_ship_rate"]["low"] is None  # one replication: no interval
    assert result["orders_per_s"] > 0 and result["elapsed_s"] > 0
    assert Path(tmp_path / legacy["stores"][0]).is_file()
    assert "Short-ship rate" in done.stdout
    assert "<svg" in (tmp_path / "out.html").read_text(encoding="utf-8")


FIGURES = ("short_ship_rate", "exceptions_per_1000", "perfect_order_rate",
           "expedited_freight_cost", "rework_hours", "invoice_corrections",
           "strategic_on_time_rate")


def test_each_store_is_consistent_and_its_dead_letters_were_replayed(
        comparison: dict[str, object]) -> None:
    from sqlalchemy import func, select

    from shipshape.adapters.db import tables as t
    from shipshape.bootstrap import build
    from shipshape.config import Settings
    from shipshape.services.consistency import check_consistency

    scenarios = comparison["scenarios"]
    assert isinstance(scenarios, dict)
    x = t.exception_cases.c
    for name, figures in scenarios.items():
        for store in figures["stores"]:
            container = build(Settings(database_url=f"sqlite:///{store}"), migrate="embedded")
            try:
                assert check_consistency(container.deps) == [], (name, store)
                with container.engine.connect() as conn:
                    failures = dict(conn.execute(
                        select(x.status, func.count()).where(x.code == "INTEGRATION_FAILURE")
                        .group_by(x.status)).all())
            finally:
                container.close()
            assert failures.get("resolved", 0) > 0 and "open" not in failures, (name, failures)
