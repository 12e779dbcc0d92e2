"""Idempotency keys are scoped by who sent them (each token, each channel, each system's
webhooks), so no caller can claim another's key; receipts and adjustments honour
`Idempotency-Key`; stock movements, prices and preferred sites name only what exists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.systems.signing import new_secret, sign_headers
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import ConnectorSettings, Settings
from tests.builders import auth, order, post_order, seed_distributor
from tests.cli_support import failing
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
ERP_SECRET = new_secret()
App = tuple[Container, TestClient, dict[str, str]]


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    settings = Settings(database_url=database_url, env="test",
                        connectors={"erp": ConnectorSettings(secret=ERP_SECRET)})
    container = build(settings, migrate=True)
    seed_distributor(container)
    now = datetime.now(UTC)
    tokens = {name: container.tokens.create(name, "integration", now)
              for name in ("shop-a", "shop-b")}
    with TestClient(create_app(container)) as client:
        yield container, client, tokens
    container.close()


def count(container: Container, table: t.Table) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def on_hand(client: TestClient, token: str, sku: str = "SKU1") -> int:
    sites = client.get(f"/api/v1/items/{sku}/stock", headers=auth(token)).json()["sites"]
    return sum(s["on_hand"] for s in sites if s["site_id"] == "DAL")


def move(client: TestClient, token: str, kind: str, key: str | None = None,
         **body: Any) -> Any:
    headers = {**auth(token), **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/api/v1/inventory/{kind}", json=body, headers=headers)


# ------------------------------------------------------------------------------- key scopes


def test_two_callers_may_choose_the_same_key_for_their_own_orders(app: App) -> None:
    container, client, tokens = app
    mine = post_order(client, tokens["shop-a"], order(external_id="A-1", customer_po="A-1"),
                      key="order-1")
    theirs = post_order(client, tokens["shop-b"], order(external_id="B-1", customer_po="B-1"),
                        key="order-1")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["order_id"] != theirs.json()["order_id"]
    again = post_order(client, tokens["shop-b"], order(external_id="B-1", customer_po="B-1"),
                       key="order-1")
    assert (again.json(), again.headers["Idempotent-Replayed"]) == (theirs.json(), "true")
    assert count(container, t.orders) == 2


def test_a_caller_cannot_claim_a_systems_webhook_id(app: App) -> None:
    _, client, tokens = app
    squatted = post_order(client, tokens["shop-a"], order(), key="webhook:erp:msg-1")
    assert squatted.status_code == 201
    raw = json.dumps({"type": "credit_status_changed",
                      "occurred_at": datetime.now(UTC).isoformat(),
                      "data": {"customer_id": "C1", "on_hold": True}}).encode()
    headers = sign_headers(ERP_SECRET, "msg-1", raw, datetime.now(UTC))
    answer = client.post("/api/v1/events/erp", content=raw,
                         headers={**headers, "content-type": "application/json"})
    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")


def test_an_orders_own_key_stays_per_channel(app: App) -> None:
    _, client, tokens = app
    first = post_order(client, tokens["shop-a"], order())
    same_order_other_caller = post_order(client, tokens["shop-b"], order())
    assert (first.status_code, same_order_other_caller.status_code) == (201, 201)
    assert same_order_other_caller.headers["Idempotent-Replayed"] == "true"
    other_channel = post_order(client, tokens["shop-b"], order(channel="field_sales",
                                                               customer_po="PO-2"))
    assert other_channel.json()["status"] == "accepted"


# ------------------------------------------------------------------- receipts and adjustments


@pytest.mark.parametrize(("kind", "quantity"), [("receipts", 25), ("adjustments", -7)])
def test_a_stock_movement_resent_with_its_key_moves_stock_once(
    app: App, kind: str, quantity: int
) -> None:
    _, client, tokens = app
    token = tokens["shop-a"]
    before = on_hand(client, token)
    first = move(client, token, kind, "move-1", site_id="DAL", sku="SKU1", quantity=quantity)
    again = move(client, token, kind, "move-1", site_id="DAL", sku="SKU1", quantity=quantity)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert on_hand(client, token) == before + quantity
    changed = move(client, token, kind, "move-1", site_id="DAL", sku="SKU1", quantity=quantity * 2)
    assert changed.status_code == 409
    assert changed.headers["content-type"] == "application/problem+json"
    assert on_hand(client, token) == before + quantity
    other_caller = move(client, tokens["shop-b"], kind, "move-1", site_id="DAL", sku="SKU1",
                        quantity=quantity)
    assert other_caller.status_code == 201 and "Idempotent-Replayed" not in other_caller.headers
    assert on_hand(client, token) == before + 2 * quantity


def test_a_receipt_key_reused_for_an_adjustment_is_refused(app: App) -> None:
    _, client, tokens = app
    assert move(client, tokens["shop-a"], "receipts", "k", site_id="DAL", sku="SKU1",
                quantity=5).status_code == 201
    reused = move(client, tokens["shop-a"], "adjustments", "k", site_id="DAL", sku="SKU1",
                  quantity=5)
    assert reused.status_code == 409


# ---------------------------------------------------------------------------------- references


@pytest.mark.parametrize("kind", ["receipts", "adjustments"])
@pytest.mark.parametrize(("site", "sku", "field"), [
    ("DAL", "NO-SUCH-SKU", "sku NO-SUCH-SKU"), ("NOWHERE", "SKU1", "site NOWHERE")])
def test_a_stock_movement_naming_what_does_not_exist_is_refused(
    app: App, kind: str, site: str, sku: str, field: str
) -> None:
    container, client, tokens = app
    movements = count(container, t.stock_movements)
    answer = move(client, tokens["shop-a"], kind, site_id=site, sku=sku, quantity=5)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in answer.json()["detail"]
    assert count(container, t.stock_movements) == movements


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/prices/NOBODY/SKU1", "customer_id NOBODY"),
    ("/api/v1/prices/C1/NO-SUCH-SKU", "sku NO-SUCH-SKU")])
def test_a_price_for_an_unknown_customer_or_item_is_refused(
    app: App, path: str, field: str
) -> None:
    container, client, tokens = app
    prices = count(container, t.prices)
    answer = client.put(path, json={"unit_price": "1.00"}, headers=auth(tokens["shop-a"]))
    assert answer.status_code == 422
    assert field in answer.json()["detail"]
    assert count(container, t.prices) == prices


def test_a_preferred_site_that_does_not_exist_is_refused(app: App) -> None:
    container, client, tokens = app
    answer = client.put("/api/v1/customers/C7", json={"name": "New", "preferred_site": "MARS"},
                        headers=auth(tokens["shop-a"]))
    assert answer.status_code == 422
    assert "preferred_site MARS" in answer.json()["detail"]
    assert count(container, t.customers) == 1


def test_a_file_naming_what_it_lacks_is_refused_whole_by_load(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], database_url: str,
) -> None:
    container, _, _ = app
    document = {
        "customers": [{"id": "C8", "name": "Fine"}],
        "items": [{"sku": "SKU8", "description": "Fine too"}],
        "prices": [{"customer_id": "C8", "sku": "SKU8", "unit_price": "2.00"},
                   {"customer_id": "GHOST", "sku": "SKU1", "unit_price": "2.00"}],
        "receipts": [{"site_id": "DAL", "sku": "SKU8", "quantity": 5},
                     {"site_id": "DAL", "sku": "PHANTOM", "quantity": 5}],
    }
    path = tmp_path / "masterdata.json"
    path.write_text(json.dumps(document))
    customers, movements = count(container, t.customers), count(container, t.stock_movements)

    code, output = failing(monkeypatch, capsys, database_url, "load", str(path))

    assert code == 2
    assert "customer_id GHOST" in output and "sku PHANTOM" in output
    assert (count(container, t.customers), count(container, t.stock_movements)) == (
        customers, movements)
    document["prices"].pop()
    document["receipts"].pop()
    path.write_text(json.dumps(document))
    code, output = failing(monkeypatch, capsys, database_url, "load", str(path))
    assert code == 0, output
    assert count(container, t.customers) == customers + 1
