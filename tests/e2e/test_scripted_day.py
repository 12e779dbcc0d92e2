"""A scripted day against the real `shipshape serve`, with simulated WMS, TMS and ERP and four
injected defects: a credit hold that lands after the wave, a short pick, a carrier that rejects
every tender, an ERP that rejects one invoice posting. Afterwards the consistency conditions hold
(`shipshape check`) and reconciliation (`shipshape reconcile`) reports exactly what was injected.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from shipshape.adapters.systems.signing import new_secret, sign_headers
from tests.worlds.served import SCRIPT, free_port, wait_until_healthy

pytestmark = pytest.mark.slow

C1_ORDERS = 12
C2_ORDERS = 6
ERP_SECRET = new_secret()
MASTER_DATA = {
    "sites": [{"id": "DAL", "name": "Dallas DC", "country": "US", "postal_code": "75201"}],
    "customers": [
        {"id": "C1", "name": "Acme", "credit_limit": "100000", "preferred_site": "DAL"},
        {"id": "C2", "name": "Beta Clinics", "credit_limit": "100000", "preferred_site": "DAL"},
    ],
    "items": [{"sku": "SKU1", "description": "Gloves", "weight_kg": "1.0"},
              {"sku": "SKU2", "description": "Masks", "weight_kg": "0.5"}],
    "prices": [{"customer_id": c, "sku": sku, "unit_price": price, "tolerance_pct": "2"}
               for c in ("C1", "C2") for sku, price in (("SKU1", "10.00"), ("SKU2", "5.00"))],
    "carriers": [
        {"code": "UPS", "name": "UPS",
         "services": [{"code": "GND", "max_weight_kg": "70", "countries": ["US"]}]},
        {"code": "FDX", "name": "FedEx",
         "services": [{"code": "GRD", "max_weight_kg": "68", "countries": ["US"]}]},
    ],
    "receipts": [{"site_id": "DAL", "sku": "SKU1", "quantity": 1000},
                 {"site_id": "DAL", "sku": "SKU2", "quantity": 1000}],
}
CONFIG = {
    "connectors": {"erp": {"secret": ERP_SECRET}},
    "simulation": {
        "erp": {"negative_ack_nth": {"invoice_posting": [3]}},
        # the WMS takes about a second per call: the credit hold lands while it picks
        "wms": {"latency_ms": 1000, "short_pick_nth": [2]},
        "tms": {"reject_when": {"tender": {"carrier_service": ["UPS:GND"]}}},
    },
}


def run(env: dict[str, str], cwd: Path, *args: str, check: bool = True
        ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(SCRIPT), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    if check and done.returncode != 0:
        pytest.fail(f"shipshape {' '.join(args)} exited {done.returncode}: "
                    f"{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "shipshape.yaml"
    config.write_text(json.dumps(CONFIG))  # YAML is a superset of JSON
    data = tmp_path / "masterdata.json"
    data.write_text(json.dumps(MASTER_DATA))
    environment = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'day.db'}",
                   "SHIPSHAPE_CONFIG": str(config), "SHIPSHAPE_RELAY_INTERVAL_S": "0.1"}
    run(environment, tmp_path, "load", str(data))
    return environment


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[httpx.Client]:
    token = run(env, tmp_path, "tokens", "create", "--role", "admin",
                "--name", "day").stdout.splitlines()[-1]
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        # the engine as threads of the server's process (the other tests serve with the
        # default, an engine process of its own)
        process = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port),
                                    "--engine-threads"], env=env,
                                   cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process, log)
        with httpx.Client(base_url=base_url, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)


def order(n: int, customer: str) -> dict[str, Any]:
    return {"channel": "api", "external_id": f"DAY-{n}", "customer_id": customer,
            "customer_po": f"PO-{n}", "requested_ship_date": "2026-12-01",
            "carrier_service": "UPS:GND",
            "ship_to": {"name": customer, "line1": "1 Main St", "city": "Dallas",
                        "region": "TX", "postal_code": "75201", "country": "US"},
            "lines": [{"line_no": 1, "sku": "SKU1", "quantity": 3, "unit_price": "10.00"},
                      {"line_no": 2, "sku": "SKU2", "quantity": 2, "unit_price": "5.00"}]}


def credit_hold(client: httpx.Client, customer: str) -> httpx.Response:
    raw = json.dumps({"type": "credit_status_changed",
                      "occurred_at": datetime.now(UTC).isoformat(),
                      "data": {"customer_id": customer, "on_hold": True}}).encode()
    headers = sign_headers(ERP_SECRET, "erp-hold-1", raw, datetime.now(UTC))
    return client.post("/api/v1/events/erp", content=raw,
                       headers={**headers, "content-type": "application/json"})


def statuses(client: httpx.Client) -> Counter[str]:
    orders = client.get("/api/v1/orders", params={"limit": 500}).json()["orders"]
    return Counter(o["status"] for o in orders)


def settled(client: httpx.Client, want: Counter[str], within_s: float = 120) -> Counter[str]:
    deadline = time.monotonic() + within_s
    seen = statuses(client)
    while seen != want and time.monotonic() < deadline:
        time.sleep(0.25)
        seen = statuses(client)
    return seen


def open_cases(client: httpx.Client) -> Counter[str]:
    cases = client.get("/api/v1/exceptions", params={"status": "open", "limit": 500}).json()
    return Counter(c["code"] for c in cases["exceptions"])


def test_a_scripted_day_reconciles_to_exactly_the_injected_defects(
    env: dict[str, str], server: httpx.Client, tmp_path: Path,
) -> None:
    client = server
    numbers = iter(range(1, C1_ORDERS + C2_ORDERS + 1))
    placed = [client.post("/api/v1/orders", json=order(next(numbers), customer))
              for customer, count in (("C1", C1_ORDERS), ("C2", C2_ORDERS))
              for _ in range(count)]
    assert {p.status_code for p in placed} == {201}
    assert {p.json()["status"] for p in placed} == {"accepted"}

    wave = client.post("/api/v1/waves", json={"site_id": "DAL", "limit": 100})
    assert wave.status_code == 201 and len(wave.json()["released"]) == C1_ORDERS + C2_ORDERS
    hold = credit_hold(client, "C2")
    assert hold.status_code == 200, hold.text

    # C1: one order short-picked (backordered, it stays released), one whose invoice the ERP
    # refuses (shipped, not invoiced), the rest invoiced; C2: held after release
    want = Counter({"invoiced": C1_ORDERS - 2, "shipped": 1, "released": 1, "held": C2_ORDERS})
    assert settled(client, want) == want
    # C2's orders, held after release, will not arrive as promised: customer service is told
    assert open_cases(client) == {"CREDIT_HOLD_AFTER_RELEASE": C2_ORDERS, "SHORT_PICK": 1,
                                  "INVOICE_POST_FAILED": 1, "PROMISE_AT_RISK": C2_ORDERS}
    shipped = client.get("/api/v1/orders", params={"status": "shipped"}).json()["orders"]
    events = client.get(f"/api/v1/orders/{shipped[0]['order_id']}/events").json()["events"]
    tendered = [e["payload"] for e in events if e["type"] == "CarrierTendered"]
    assert [(t["carrier_service"], t["attempt"]) for t in tendered] == [("FDX:GRD", 2)]

    checked = run(env, tmp_path, "check", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report_file = tmp_path / "reconcile.json"
    run(env, tmp_path, "reconcile", "--json", str(report_file))
    report = json.loads(report_file.read_text())
    assert [(f["code"], f["order_id"], f["action"].split()[0]) for f in report["findings"]] == [
        ("SHIPPED_NOT_INVOICED", shipped[0]["order_id"], "known")]
