"""The real server as a user runs it: the console script, a token from the CLI, HTTP calls."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.worlds.served import SCRIPT, STOCK, order, seed, serving

pytestmark = pytest.mark.slow

ORDERS = 50


@dataclass(frozen=True)
class Served:
    base_url: str
    token: str
    log: Path
    """What the server wrote to its standard output and error."""

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60,
                            headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the module (each start costs seconds), seeded once: its tests use their
    own orders and read what they changed."""
    folder = tmp_path_factory.mktemp("served")
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{folder / 'served.db'}"}
    created = subprocess.run(
        [str(SCRIPT), "tokens", "create", "--role", "integration", "--name", "e2e"],
        env=env, cwd=folder, capture_output=True, text=True, timeout=60, check=True)
    token = created.stdout.splitlines()[-1]
    with serving(env, folder) as (base_url, log):
        served = Served(base_url, token, log)
        with served.client() as client:
            seed(client)
        yield served


def mirror_applied(base_url: str) -> tuple[float, str]:
    """The ERP mirror's applied count on /metrics, and the scrape."""
    metrics = httpx.get(f"{base_url}/metrics").text
    found = re.search(r'^shipshape_events_consumed_total\{consumer="erp-order-mirror",'
                      r'outcome="applied"\} (\S+)$', metrics, re.M)
    return (float(found[1]) if found else 0.0), metrics


def post_all_at_once(served: Served) -> list[httpx.Response]:
    start = threading.Barrier(ORDERS, timeout=60)

    def post(n: int) -> httpx.Response:
        with served.client() as client:
            start.wait()
            return client.post("/api/v1/orders", json=order(n))

    with ThreadPoolExecutor(max_workers=ORDERS) as pool:
        return list(pool.map(post, range(ORDERS)))


def test_concurrent_orders_never_reserve_more_than_is_on_hand(served: Served) -> None:
    answers = post_all_at_once(served)
    assert [a.status_code for a in answers] == [201] * ORDERS
    outcomes = Counter(a.json()["status"] for a in answers)
    assert outcomes == {"accepted": STOCK, "held": ORDERS - STOCK}
    with served.client() as client:
        stock = client.get("/api/v1/items/SKU1/stock").json()["sites"]
        assert stock == [{"site_id": "DAL", "sku": "SKU1", "on_hand": STOCK, "reserved": STOCK,
                          "available": 0, "quarantined": 0, "scrapped": 0}]
        held = client.get("/api/v1/orders", params={"status": "held"}).json()["orders"]
        assert len(held) == ORDERS - STOCK
        shortages = client.get("/api/v1/exceptions",
                               params={"code": "PARTIAL_AVAILABILITY"}).json()["exceptions"]
        assert sorted(c["order_id"] for c in shortages) == sorted(o["order_id"] for o in held)


def test_the_served_api_refuses_calls_without_a_token(served: Served) -> None:
    answer = httpx.get(f"{served.base_url}/api/v1/orders", timeout=10)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def test_embedded_serve_relays_and_mirrors_every_order_to_the_erp(served: Served) -> None:
    with served.client() as client:
        ids = [client.post("/api/v1/orders", json=order(n)).json()["order_id"]
               for n in range(1000, 1003)]
        deadline = time.monotonic() + 30
        mirrored: set[str] = set()
        while len(mirrored) < len(ids) and time.monotonic() < deadline:
            for order_id in set(ids) - mirrored:
                timeline = client.get(f"/api/v1/orders/{order_id}/events").json()["events"]
                if any(e["type"] == "SystemCalled" for e in timeline):
                    mirrored.add(order_id)
            time.sleep(0.2)
        assert mirrored == set(ids)
        stored = len(client.get("/api/v1/orders", params={"limit": 500}).json()["orders"])
    # every order the module's tests stored was mirrored once; the engine runs in a process of
    # its own and reports its counts every half second
    deadline = time.monotonic() + 10
    applied, metrics = mirror_applied(served.base_url)
    while applied < stored and time.monotonic() < deadline:
        time.sleep(0.2)
        applied, metrics = mirror_applied(served.base_url)
    assert applied == stored
    published = re.search(r"^shipshape_events_published_total (\S+)$", metrics, re.M)
    assert published is not None and float(published[1]) >= 3 * 4


def test_the_access_log_shows_each_request_once_with_its_caller(served: Served) -> None:
    with served.client() as client:
        for n in range(3):
            client.get("/api/v1/orders", headers={"X-Request-Id": f"e2e-{n}"})
    text = served.log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    ours = [line for line in lines if str(line.get("request_id")).startswith("e2e-")]
    assert [(line["request_id"], line["status"], line["principal"]) for line in ours] == [
        (f"e2e-{n}", 200, "e2e") for n in range(3)]
    assert served.token not in text
    assert '"GET /api/v1/orders' not in text  # uvicorn's own access log is off
