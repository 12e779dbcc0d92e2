"""The dashboard's KPI charts in a real browser: `shipshape serve` on the store of the KPI world
(`tests/worlds/kpis.py`), whose figures are known, drawn by the ECharts NiceGUI bundles (nothing
fetched from elsewhere), each chart beside the table of its numbers.

Without /usr/bin/chromium these tests are skipped, as the console's are."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from tests.browser import test_console as console_tests
from tests.browser.test_console import LOCAL_HOSTS, Console, Tab, chromium_or_skip, cli
from tests.worlds.kpis import T0, KpiWorld, kpi_world
from tests.worlds.served import serving

pytestmark = [pytest.mark.slow, pytest.mark.browser]
browser, tab = console_tests.browser, console_tests.tab
"""The console tests' browser and tab fixtures, on this module's store (`served`)."""


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, KpiWorld]:
    chromium_or_skip()
    workdir = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{workdir / 'kpis.db'}"
    with kpi_world(url) as built:
        pass
    return url, built


@pytest.fixture(scope="module")
def served(story: tuple[str, KpiWorld], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Console]:
    url, _ = story
    workdir = tmp_path_factory.mktemp("dashboard-serve")
    # Served as it was left: nothing relayed to the simulated systems (their answers would
    # deliver F late), no sweep (it would find F's promise at risk).
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": url, "SHIPSHAPE_PROMISE__SWEEP_INTERVAL_S": "0",
           "SHIPSHAPE_DESK__ESCALATION_INTERVAL_S": "0"}
    tokens = {"viewer": cli(env, workdir, "tokens", "create", "--role", "viewer",
                            "--name", "vic")}
    with serving(env, workdir, "--no-relay") as (base_url, log):
        yield Console(base_url, tokens, log)


def text_of(tab: Tab, test_id: str) -> str:
    return " ".join(tab.page.get_by_test_id(test_id).inner_text().split())


def chart_text(tab: Tab, name: str) -> str:
    """What the chart drew as text (its axis labels and the value on each bar or point)."""
    drawn = tab.page.get_by_test_id(f"echart-{name}").locator("svg").first
    drawn.wait_for()
    return " ".join((drawn.text_content() or "").split())


def test_the_dashboard_charts_the_known_kpis(tab: Tab, served: Console,
                                             story: tuple[str, KpiWorld]) -> None:
    _, world = story
    on_time, late = world.promised, world.promised + timedelta(days=2)
    tab.sign_in(served.tokens["viewer"])
    tab.open("/console/dashboard")
    tab.page.get_by_test_id("kpis").wait_for()
    tab.page.wait_for_load_state("networkidle")
    tab.shot("kpis")
    assert text_of(tab, "kpi-perfect_order_rate") == "25.0 %"
    assert text_of(tab, "kpi-exceptions_per_1000") == "833.33"
    assert text_of(tab, "kpi-expedited_freight") == "25.50 USD"
    assert text_of(tab, "kpi-time_to_resolve_p90_h") == "5.0"

    per_day = text_of(tab, "table-perfect-order")
    assert f"{on_time.isoformat()} 3 1 33.3" in per_day
    assert f"{late.isoformat()} 1 0 0" in per_day
    drawn = chart_text(tab, "perfect-order")
    assert on_time.isoformat() in drawn and "33.3" in drawn

    assert "ship 3 500 allocate 1 166.67 capture 1 166.67" in text_of(tab, "table-exceptions-stage")
    drawn = chart_text(tab, "exceptions-stage")
    assert all(word in drawn for word in ("ship", "allocate", "capture", "500", "166.67"))
    assert "customer_service 4 666.67 integration 1 166.67" in text_of(
        tab, "table-exceptions-owner_team")
    assert "customer_service 3 2.67 5" in text_of(tab, "table-resolve")
    drawn = chart_text(tab, "resolve")
    assert "customer_service" in drawn and "2.67" in drawn

    elsewhere = [url for url in tab.requested if urlsplit(url).scheme not in ("data", "blob")
                 and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert elsewhere == []


def test_a_dashboard_of_days_without_deliveries_says_so(tab: Tab, served: Console) -> None:
    tab.sign_in(served.tokens["viewer"])
    tab.open("/console/dashboard?days=1")
    tab.page.get_by_test_id("kpis").wait_for()
    assert "last 1 days" in text_of(tab, "kpis")
    assert "Nothing in this period." in text_of(tab, "chart-perfect-order")
    assert text_of(tab, "kpi-perfect_order_rate") == "-"


def test_the_dashboard_shows_the_days_from_and_to_and_picks_others(
        tab: Tab, served: Console) -> None:
    first, last = T0.date(), date.today()
    tab.sign_in(served.tokens["viewer"])
    tab.open(f"/console/dashboard?from={first.isoformat()}&to={last.isoformat()}&days=1")
    tab.page.get_by_test_id("kpis").wait_for()
    assert f"{first.isoformat()} to {last.isoformat()}" in text_of(tab, "kpis")
    assert text_of(tab, "kpi-perfect_order_rate") == "25.0 %"

    before = first - timedelta(days=20)
    tab.page.get_by_test_id("period-from").fill(before.isoformat())
    tab.page.get_by_test_id("period-to").fill((before + timedelta(days=5)).isoformat())
    tab.page.get_by_test_id("period-show").click()
    tab.page.wait_for_url(f"**/console/dashboard?from={before.isoformat()}*")
    tab.page.get_by_test_id("kpis").wait_for()
    assert f"{before.isoformat()} to" in text_of(tab, "kpis")
    assert "Nothing in this period." in text_of(tab, "chart-perfect-order")
