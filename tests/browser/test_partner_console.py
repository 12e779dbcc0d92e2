"""The console's Partners pages in a real browser: `shipshape serve` on the store of the partner
world (`tests/worlds/partner_acks.py`: what we sent ACME-EDI, what it acknowledged, rejected and
left unanswered past its window), its figures, the bars of its acknowledgement rate, the
documents still outstanding and the link from each to its case.

Without /usr/bin/chromium these tests are skipped, as the console's are."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from shipshape.console.partners_view import COLOURS
from tests.browser import test_console as console_tests
from tests.browser.test_console import LOCAL_HOSTS, Console, Tab, chromium_or_skip, cli
from tests.worlds.partner_acks import PARTNER, PartnerWorld, partner_world
from tests.worlds.served import serving

pytestmark = [pytest.mark.slow, pytest.mark.browser]
browser, tab = console_tests.browser, console_tests.tab
"""The console tests' browser and tab fixtures, on this module's store (`served`)."""


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, PartnerWorld]:
    chromium_or_skip()
    url = f"sqlite:///{tmp_path_factory.mktemp('partners') / 'partners.db'}"
    with partner_world(url) as built:
        pass
    return url, built


@pytest.fixture(scope="module")
def served(story: tuple[str, PartnerWorld], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Console]:
    url, _ = story
    workdir = tmp_path_factory.mktemp("partners-serve")
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": url, "SHIPSHAPE_PROMISE__SWEEP_INTERVAL_S": "0",
           "SHIPSHAPE_DESK__ESCALATION_INTERVAL_S": "0"}
    tokens = {role: cli(env, workdir, "tokens", "create", "--role", role, "--name", name)
              for role, name in (("integration", "ivy"), ("supervisor", "sam"))}
    tokens["customer"] = cli(env, workdir, "tokens", "create", "--role", "viewer", "--name",
                             "cat", "--customer", "C1")
    with serving(env, workdir, "--no-relay") as (base_url, log):
        yield Console(base_url, tokens, log)


def text_of(tab: Tab, test_id: str) -> str:
    return " ".join(tab.page.get_by_test_id(test_id).first.inner_text().split())


def row_of(tab: Tab, table: str, has: str) -> str:
    row = tab.page.get_by_test_id(table).locator("tbody tr").filter(has_text=has)
    return " ".join(row.inner_text().split())


def test_the_partners_page_shows_each_partners_figures_and_its_bar(
        tab: Tab, served: Console) -> None:
    tab.sign_in(served.tokens["integration"])
    tab.page.get_by_role("link", name="Partners").click()
    tab.page.get_by_test_id("partners").wait_for()
    tab.page.wait_for_load_state("networkidle")
    tab.shot("partners")
    assert "2 trading partners, all shown" in text_of(tab, "partners-total")
    assert row_of(tab, "partners", PARTNER) == (
        "ACME-EDI C1 3 5 3 of 5 60.0 % 1 h 00 m 3 h 00 m 1 1 2")
    assert row_of(tab, "partners", "QUIET-EDI") == "QUIET-EDI C1 0 1 none expected - - - 0 0 0"
    bars = tab.page.get_by_test_id("ack-rate-bars").locator("svg")
    drawn = " ".join((bars.text_content() or "").split())
    assert "ACME-EDI" in drawn and "60.0 % (3 of 5)" in drawn
    assert "QUIET-EDI" in drawn and "no acknowledgement expected" in drawn
    filled = bars.locator(f'rect[fill="{COLOURS["poor"]}"]')
    assert filled.count() == 1 and filled.get_attribute("width") == "180.0"  # 60 % of 300
    elsewhere = [url for url in tab.requested if urlsplit(url).scheme not in ("data", "blob")
                 and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert elsewhere == []
    tab.page.get_by_test_id("partners").get_by_role("link", name=PARTNER).click()
    tab.page.get_by_test_id("figure-rate").wait_for()
    assert tab.page.url.endswith(f"/console/partners/{PARTNER}")


def test_a_partners_page_lists_what_is_outstanding_and_links_each_case(
        tab: Tab, served: Console, story: tuple[str, PartnerWorld]) -> None:
    _, world = story
    missing, rejected = world.cases["EDI_ACK_MISSING"], world.cases["EDI_DOCUMENT_REJECTED"]
    tab.sign_in(served.tokens["supervisor"])
    tab.open(f"/console/partners/{PARTNER}")
    tab.page.get_by_test_id("documents-awaiting").wait_for()
    tab.shot("partner")
    figures = {name: text_of(tab, f"figure-{name}") for name in (
        "documents_in", "documents_out", "rate", "acknowledged", "latency_p50", "latency_p90",
        "rejected", "past_window", "open_cases")}
    assert figures == {"documents_in": "3", "documents_out": "5", "rate": "60.0 %",
                       "acknowledged": "3 of 5", "latency_p50": "1 h 00 m",
                       "latency_p90": "3 h 00 m", "rejected": "1", "past_window": "1",
                       "open_cases": "2"}
    assert row_of(tab, "documents-by-type", "856") == "856 0 3"
    assert row_of(tab, "documents-by-type", "810") == "810 0 2"
    assert "Not acknowledged within the window: 1" in text_of(tab, "section-missing")
    assert row_of(tab, "documents-missing", "104").startswith("856 104 ")
    assert f"{missing} EDI_ACK_MISSING open" in row_of(tab, "documents-missing", "104")
    assert row_of(tab, "documents-rejected", "103").startswith("810 103 ")
    assert f"{rejected} EDI_DOCUMENT_REJECTED open" in row_of(tab, "documents-rejected", "103")
    awaiting = row_of(tab, "documents-awaiting", "105")
    assert awaiting.startswith("810 105 ") and "EDI_" not in awaiting
    assert "1 h 0" in awaiting  # sent an hour before the world was built
    cases = text_of(tab, "partner-cases")
    assert rejected in cases and missing in cases and "Invalid code value" in cases

    tab.page.get_by_test_id("documents-missing").get_by_role("link", name=missing).click()
    tab.page.get_by_test_id("case-status").wait_for()
    tab.shot("missing-case")
    assert tab.page.url.endswith(f"/console/cases/{missing}")
    assert text_of(tab, "case-status") == "EDI_ACK_MISSING · open"
    assert tab.page.get_by_text("has not acknowledged our 856 104").count() >= 1


def test_a_customers_token_is_not_offered_the_partners(tab: Tab, served: Console) -> None:
    tab.sign_in(served.tokens["customer"])
    header = tab.page.locator("header")
    header.get_by_role("link", name="Queue").wait_for()
    assert header.get_by_role("link", name="Partners").count() == 0
    tab.open("/console/partners")
    tab.page.get_by_test_id("error").wait_for()
    assert text_of(tab, "error").startswith("403:")
