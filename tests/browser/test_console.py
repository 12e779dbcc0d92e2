"""The web console in a real browser: `shipshape serve` on a free port, Debian's chromium driven by
Playwright (never a downloaded browser), screenshots kept in test-artifacts/console/.

Without /usr/bin/chromium these tests are skipped (`make test` installs it where it can); under
SHIPSHAPE_REQUIRE_SERVICES=1 they fail instead."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.services import require_services
from tests.worlds.served import SCRIPT, serving

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
WAIT_MS = 20_000


def chromium_or_skip() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    reason = (f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
              "`make test` does it when run as root)")
    if require_services():
        pytest.fail(reason + " (SHIPSHAPE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@dataclass
class Console:
    base_url: str
    tokens: dict[str, str]
    log: Path
    cases: dict[str, str] = field(default_factory=dict)
    """A case id by code: the cases the seeded orders opened."""

    def api(self, role: str = "admin") -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60,
                            headers={"Authorization": f"Bearer {self.tokens[role]}"})


def order(external_id: str, customer_id: str, quantity: int) -> dict[str, Any]:
    return {
        "channel": "api", "external_id": external_id, "customer_id": customer_id,
        "customer_po": f"PO-{external_id}",
        "requested_ship_date": (date.today() + timedelta(days=7)).isoformat(),
        "ship_to": {"name": "Acme Dallas", "line1": "1 Main St", "city": "Dallas",
                    "region": "TX", "postal_code": "75201", "country": "US"},
        "lines": [{"line_no": 1, "sku": "SKU1", "quantity": quantity, "unit_price": "10.00"}],
    }


def seed(console: Console) -> None:
    """Two sites with 10 of SKU1 each and a customer that takes no split shipments: an order
    of 15 opens PARTIAL_AVAILABILITY; an order of an unknown customer opens UNKNOWN_CUSTOMER
    (the master data team's)."""
    with console.api() as api:
        for path, body in [
            ("/api/v1/sites/DAL", {"name": "Dallas DC", "country": "US",
                                   "postal_code": "75201"}),
            ("/api/v1/sites/ATL", {"name": "Atlanta DC", "country": "US",
                                   "postal_code": "30301"}),
            ("/api/v1/customers/C1", {"name": "Acme", "credit_limit": "100000",
                                      "preferred_site": "DAL", "allow_split": False}),
            ("/api/v1/items/SKU1", {"description": "Gloves", "weight_kg": "1.0"}),
            ("/api/v1/prices/C1/SKU1", {"unit_price": "10.00", "tolerance_pct": "2"}),
        ]:
            assert api.put(path, json=body).status_code == 200, (path, api.put(path, json=body))
        for site in ("DAL", "ATL"):
            receipt = api.post("/api/v1/inventory/receipts",
                               json={"site_id": site, "sku": "SKU1", "quantity": 10})
            assert receipt.status_code == 201, receipt.text
        for body in (order("SPLIT-1", "C1", 15), order("WHO-1", "NOBODY", 1)):
            assert api.post("/api/v1/orders", json=body).status_code in (200, 201)
        listed = api.get("/api/v1/exceptions", params={"limit": 100}).json()["exceptions"]
    console.cases = {case["code"]: case["case_id"] for case in listed}
    assert {"PARTIAL_AVAILABILITY", "UNKNOWN_CUSTOMER"} <= set(console.cases), console.cases


def cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run([str(SCRIPT), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.splitlines()[-1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    chromium_or_skip()
    workdir = tmp_path_factory.mktemp("console")
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{workdir / 'console.db'}"}
    tokens = {role: cli(env, workdir, "tokens", "create", "--role", role, "--name", name)
              for role, name in (("admin", "ada"), ("agent", "ann"), ("viewer", "vic"))}
    with serving(env, workdir) as (base_url, log):
        console = Console(base_url, tokens, log)
        seed(console)
        yield console


@pytest.fixture(scope="module")
def browser(served: Console) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_or_skip()),
                                              headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page of a fresh browser context, with every URL it asked for."""

    page: Any
    base_url: str
    name: str
    requested: list[str] = field(default_factory=list)
    shots: int = 0

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def shot(self, what: str) -> Path:
        self.shots += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def sign_in(self, token: str) -> None:
        self.open("/console")
        self.page.get_by_test_id("token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.get_by_test_id("role").wait_for(timeout=WAIT_MS)


@pytest.fixture
def tab(browser: Any, served: Console, request: pytest.FixtureRequest) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    opened = Tab(page, served.base_url, request.node.name)
    page.on("request", lambda r: opened.requested.append(r.url))
    page.on("websocket", lambda ws: opened.requested.append(ws.url))
    try:
        yield opened
    finally:
        opened.shot("last")
        context.close()


def test_sign_in_shows_the_role_and_sign_out_ends_it(tab: Tab, served: Console) -> None:
    tab.open("/console")
    tab.page.get_by_test_id("token").fill("ss_not-a-token")
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.get_by_text("Not signed in").wait_for()
    tab.shot("refused")
    tab.sign_in(served.tokens["agent"])
    assert tab.page.get_by_test_id("role").inner_text() == "Role: agent"
    tab.shot("signed-in")
    tab.page.get_by_role("button", name="Sign out").first.click()
    tab.page.get_by_test_id("token").wait_for()
    tab.open("/console/queue")
    tab.page.get_by_test_id("token").wait_for()
    assert tab.page.url.endswith("/console/")


def test_the_queue_filters_by_team(tab: Tab, served: Console) -> None:
    tab.sign_in(served.tokens["agent"])
    tab.open("/console/queue")
    queue = tab.page.get_by_test_id("queue")
    queue.get_by_text(served.cases["PARTIAL_AVAILABILITY"]).wait_for()
    tab.shot("all")
    tab.page.get_by_test_id("filter-owner_team").fill("master_data")
    tab.page.get_by_role("button", name="Apply filters").click()
    tab.page.get_by_test_id("queue").get_by_text(served.cases["UNKNOWN_CUSTOMER"]).wait_for()
    tab.shot("master-data-team")
    shown = tab.page.get_by_test_id("queue").inner_text()
    assert served.cases["PARTIAL_AVAILABILITY"] not in shown
    assert re.search(r"\b(\d+)[ds] |left|overdue", shown), "no SLA countdown in the queue"
    queue = tab.page.get_by_test_id("queue")
    queue.locator("tbody tr").first.locator(".q-checkbox").click()
    tab.page.get_by_test_id("bulk-assignee").fill("ann")
    tab.page.get_by_test_id("bulk-assign").click()
    tab.page.get_by_test_id("queue").locator("tbody tr").first.get_by_text("ann").wait_for()
    tab.shot("bulk-assigned")


def test_a_viewer_sees_no_action_buttons(tab: Tab, served: Console) -> None:
    tab.sign_in(served.tokens["viewer"])
    tab.open(f"/console/cases/{served.cases['PARTIAL_AVAILABILITY']}")
    tab.page.get_by_test_id("case-status").wait_for()
    tab.page.get_by_text("Nothing you may do on this case now.").wait_for()
    tab.shot("viewer-case")
    assert tab.page.locator("[data-testid^=action-]").count() == 0


def test_console_and_docs_load_without_a_request_leaving_the_machine(
    tab: Tab, served: Console
) -> None:
    tab.sign_in(served.tokens["admin"])
    for path, ready in (("/console/queue", "queue"), ("/console/dashboard", "kpis")):
        tab.open(path)
        tab.page.get_by_test_id(ready).wait_for()
        tab.page.wait_for_load_state("networkidle")
    tab.shot("dashboard")
    tab.open("/docs")
    tab.page.locator(".swagger-ui .info").wait_for()
    tab.page.wait_for_load_state("networkidle")
    tab.shot("docs")
    assert any("/_nicegui/" in url for url in tab.requested)
    elsewhere = [url for url in tab.requested
                 if urlsplit(url).scheme not in ("data", "blob")
                 and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert elsewhere == []


def test_an_agent_approves_a_split_and_the_order_is_accepted(tab: Tab, served: Console) -> None:
    case_id = served.cases["PARTIAL_AVAILABILITY"]
    tab.sign_in(served.tokens["agent"])
    tab.open("/console/queue")
    tab.page.get_by_test_id("filter-code").fill("PARTIAL_AVAILABILITY")
    tab.page.get_by_role("button", name="Apply filters").click()
    tab.page.get_by_test_id("queue").get_by_role("link", name=case_id).click()
    tab.page.get_by_test_id("case-status").wait_for()
    tab.page.get_by_test_id("availability").wait_for()
    tab.shot("case")
    tab.page.get_by_test_id("action-approve_split").click()
    tab.page.get_by_test_id("reason").wait_for()
    tab.shot("approve-split-form")
    tab.page.get_by_test_id("submit-action").click()
    tab.page.get_by_test_id("case-status").filter(has_text="resolved").wait_for()
    tab.shot("resolved")
    assert "accepted" in tab.page.get_by_test_id("order-status").inner_text()
    audited = tab.page.get_by_test_id("audit").inner_text()
    assert "ExceptionResolved" in audited and "ann" in audited
    with served.api() as api:
        stored = api.get(f"/api/v1/exceptions/{case_id}").json()
        assert stored["status"] == "resolved"
        audit = api.get("/api/v1/audit", params={"subject": case_id}).json()["entries"]
    assert audit, "no audit entry about the case"


def test_an_agent_rejects_one_recommendation_and_accepts_another(
        tab: Tab, served: Console) -> None:
    """An order of 15 SKU9 (10 at each site) for C1, who takes no split shipments."""
    with served.api() as api:
        for path, body in [("/api/v1/items/SKU9", {"description": "Aprons", "weight_kg": "1"}),
                           ("/api/v1/prices/C1/SKU9", {"unit_price": "4.00"})]:
            assert api.put(path, json=body).status_code == 200
        for site in ("DAL", "ATL"):
            assert api.post("/api/v1/inventory/receipts", json={
                "site_id": site, "sku": "SKU9", "quantity": 10}).status_code == 201
        body = order("REC-1", "C1", 15)
        body["lines"][0].update(sku="SKU9", unit_price="4.00")
        case_id = api.post("/api/v1/orders", json=body).json()["cases"][0]
    tab.sign_in(served.tokens["agent"])
    tab.open(f"/console/cases/{case_id}")
    panel = tab.page.get_by_test_id("recommendations")
    panel.get_by_text("Approve split shipment").wait_for()
    assert "consent" in panel.inner_text()
    tab.shot("recommendations")
    tab.page.get_by_test_id("reject-2").click()
    tab.page.get_by_test_id("submit-reject").click()
    tab.page.get_by_text("Say why the recommendation is not taken.").wait_for()
    tab.page.get_by_test_id("reject-reason").fill("customer needs it now")
    tab.page.get_by_test_id("submit-reject").click()
    tab.page.get_by_test_id("recommendation-outcome").wait_for()
    tab.page.get_by_test_id("accept-1").click()
    tab.page.get_by_test_id("case-status").filter(has_text="resolved").wait_for()
    tab.shot("accepted")
    assert "accepted" in tab.page.get_by_test_id("order-status").inner_text()
    with served.api() as api:
        entries = api.get("/api/v1/audit", params={"subject": case_id}).json()["entries"]
    assert {"RecommendationRejected", "RecommendationAccepted"} <= {e["action"] for e in entries}
