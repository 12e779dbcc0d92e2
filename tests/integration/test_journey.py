"""The whole journey, release to cash, driven only by the simulated WMS, TMS and ERP: a wave is
released, the WMS picks and ships, the TMS takes the tenders, the ERP books the invoices. On the
embedded default (SQLite, in-process broker) and on PostgreSQL + NATS JetStream."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.channels.canonical import CarrierIn
from shipshape.adapters.db import queries
from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build, start_relay_thread
from shipshape.config import ConnectorSettings, Settings
from shipshape.services import masterdata as md
from shipshape.services.consistency import check_consistency
from shipshape.services.reconciliation import reconcile
from shipshape.worker import Worker
from tests.builders import auth, order, post_order, seed_distributor
from tests.contract.natsserver import delete_streams
from tests.services import shared_nats_or_skip
from tests.worlds.worker import work_until

SETUPS = [pytest.param("sqlite", "memory", id="sqlite-memory"),
          pytest.param("postgres", "nats", id="postgres-nats")]


@dataclass
class Day:
    container: Container
    client: TestClient
    token: str

    def statuses(self) -> dict[str, int]:
        return queries.orders_by_status(self.container.engine)

    def scalar(self, query: Any) -> Any:
        with self.container.engine.connect() as conn:
            return conn.execute(query).scalar_one()


@contextmanager
def opened_day(request: pytest.FixtureRequest, database_url: str,
               connectors: dict[str, ConnectorSettings],
               simulation: dict[str, dict[str, object]] | None = None) -> Iterator[Day]:
    """A seeded store with an API client, on the test's transport (a fresh NATS stream)."""
    transport = request.node.callspec.params["transport"]
    settings: dict[str, Any] = {"database_url": database_url, "env": "test",
                                "connectors": connectors, "simulation": simulation or {},
                                "relay_interval_s": 0.05}
    stream = f"SHIPSHAPE_J_{uuid.uuid4().hex[:10]}"
    if transport == "nats":
        settings.update(broker_url=shared_nats_or_skip(), broker_stream=stream,
                        broker_subject_prefix=stream.lower())
    container = build(Settings(**settings), migrate=True)
    seed_distributor(container, stock={("DAL", "SKU1"): 500, ("DAL", "SKU2"): 500})
    md.upsert(container.deps, [CarrierIn(name="FedEx", services=[
        {"code": "GRD", "max_weight_kg": "68", "countries": ["US"]}]).to_domain("FDX")])
    try:
        with TestClient(create_app(container)) as client:
            token = container.tokens.create("ops", "admin", container.deps.clock.now())
            yield Day(container, client, token)
    finally:
        container.close()
        if transport == "nats":
            delete_streams(settings["broker_url"], [stream, f"{stream}_DLQ"])


@pytest.fixture
def day(request: pytest.FixtureRequest, database_url: str) -> Iterator[Day]:
    with opened_day(request, database_url, {}) as opened:
        yield opened


def place(day: Day, count: int) -> list[str]:
    ids = []
    for n in range(count):
        lines = [{"line_no": 1, "sku": "SKU1", "quantity": 1 + n % 5, "unit_price": "10.00",
                  "uom": "EA"},
                 {"line_no": 2, "sku": "SKU2", "quantity": 2, "unit_price": "5.00", "uom": "EA"}]
        answer = post_order(day.client, day.token, order(
            external_id=f"J-{n}", customer_po=f"PO-J-{n}", lines=lines))
        assert answer.status_code == 201 and answer.json()["status"] == "accepted", answer.text
        ids.append(answer.json()["order_id"])
    return ids


@pytest.mark.parametrize(("database_url", "transport"), SETUPS, indirect=["database_url"])
def test_released_orders_are_picked_shipped_invoiced_and_booked(day: Day, transport: str) -> None:
    ordered = place(day, 12)
    answer = day.client.post("/api/v1/waves", json={"site_id": "DAL", "limit": 50},
                             headers=auth(day.token))
    assert answer.status_code == 201 and len(answer.json()["released"]) == 12, answer.text

    stop_relay = start_relay_thread(day.container)
    try:
        work_until(day.container, lambda: day.statuses().get("invoiced") == 12, within_s=60)
    finally:
        stop_relay()

    units = sum(1 + n % 5 for n in range(12))
    stock = {(r["site_id"], r["sku"]): (r["on_hand"], r["reserved"]) for sku in ("SKU1", "SKU2")
             for r in day.client.get(f"/api/v1/items/{sku}/stock",
                                     headers=auth(day.token)).json()["sites"]}
    assert stock == {("DAL", "SKU1"): (500 - units, 0), ("DAL", "SKU2"): (500 - 24, 0)}
    iv = t.invoices.c
    assert day.scalar(select(func.count()).where(iv.status == "posted")) == 12
    assert day.scalar(select(func.sum(iv.total))) == Decimal(units * 10 + 12 * 10)
    assert day.scalar(select(func.count()).select_from(t.shipments)) == 12
    assert day.scalar(select(func.count(func.distinct(t.invoices.c.shipment_id)))) == 12
    assert {day.client.get(f"/api/v1/orders/{order_id}", headers=auth(day.token)).json()[
        "status"] for order_id in ordered} == {"invoiced"}


FAULTY_CONNECTORS = {
    "erp": ConnectorSettings(max_attempts=6, first_delay_s=0, max_delay_s=0, jitter_s=0),
}
FAULTY_SIMULATION: dict[str, dict[str, object]] = {
    "erp": {"failure_rate": 0.1, "negative_ack_nth": {"invoice_posting": [4]}, "seed": 3},
    "wms": {"short_pick_nth": [5], "duplicate_rate": 0.2, "reorder_rate": 0.2, "seed": 5},
    "tms": {"reject_when": {"tender": {"carrier_service": ["UPS:GND"]}}},
}
"""A moody ERP (retried failures, one posting refused), a WMS that picks one order short and
sends its events twice or swapped now and then, a TMS whose UPS ground desk refuses tenders."""


@pytest.fixture
def faulty_day(request: pytest.FixtureRequest, database_url: str) -> Iterator[Day]:
    with opened_day(request, database_url, FAULTY_CONNECTORS, FAULTY_SIMULATION) as opened:
        yield opened


def quiet(day: Day, within_s: float = 90, calm_s: float = 2.0) -> None:
    """Until nothing has happened on any order's timeline for `calm_s`."""
    deadline = time.monotonic() + within_s
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now_count = queries.event_count(day.container.engine)
        if now_count != last:
            last, since = now_count, time.monotonic()
        elif time.monotonic() - since >= calm_s:
            return
        time.sleep(0.1)
    raise AssertionError("the journey never came to rest")


@pytest.mark.parametrize(("database_url", "transport"), SETUPS, indirect=["database_url"])
def test_a_concurrent_day_with_faults_stays_consistent_and_reconciles_to_its_faults(
    faulty_day: Day, transport: str,
) -> None:
    day = faulty_day
    ordered = place(day, 20)
    container = day.container
    stop_relay = start_relay_thread(container)
    stop = threading.Event()
    workers = [threading.Thread(target=Worker(container).run, args=(stop,), daemon=True)
               for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        answer = day.client.post("/api/v1/waves", json={"site_id": "DAL", "limit": 50},
                                 headers=auth(day.token))
        assert answer.status_code == 201 and len(answer.json()["released"]) == 20
        cancelled = [cancel_quietly(day, order_id) for order_id in ordered[-3:]]
        quiet(day)
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
        stop_relay()

    assert check_consistency(container.deps) == []
    statuses = day.statuses()
    assert statuses.get("cancelled", 0) == sum(cancelled)
    assert statuses.get("shipped") == 1  # the posting the ERP refused
    assert statuses.get("released") == 1  # the short pick, backordered (no split)
    assert statuses.get("invoiced") == 20 - 2 - sum(cancelled)
    report = reconcile(container.deps)
    assert [(f.code, f.action.value) for f in report.findings] == [
        ("SHIPPED_NOT_INVOICED", "known case")]
    cases = queries.open_cases_by_code(container.engine)
    assert (cases.get("INVOICE_POST_FAILED"), cases.get("SHORT_PICK")) == (1, 1)
    assert "CARRIER_TENDER_FAILED" not in cases and "INTEGRATION_FAILURE" not in cases


def cancel_quietly(day: Day, order_id: str) -> bool:
    """Cancel an order while the day runs: True when it was cancelled, False when it had
    shipped already (409)."""
    answer = day.client.post(f"/api/v1/orders/{order_id}/cancel",
                             json={"reason": "customer called"}, headers=auth(day.token))
    assert answer.status_code in (200, 409), answer.text
    return answer.status_code == 200
