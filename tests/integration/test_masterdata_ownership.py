"""Master-data fields another system owns (the ERP's credit hold and limit) change only by that
system's events, never through the API; every change of a record is audited with its actor and
the record before and after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipshape.adapters.systems.signing import new_secret, sign_headers
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import ConnectorSettings, Settings
from tests.builders import auth, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
ERP_SECRET = new_secret()
ACME = {"name": "Acme", "credit_limit": "100000", "preferred_site": "DAL"}
App = tuple[Container, TestClient, dict[str, str]]


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    settings = Settings(database_url=database_url, env="test",
                        connectors={"erp": ConnectorSettings(secret=ERP_SECRET)})
    container = build(settings, migrate=True)
    seed_distributor(container)
    now = datetime.now(UTC)
    tokens = {role: container.tokens.create(f"{role}-bot", role, now)
              for role in ("admin", "integration", "viewer")}
    with TestClient(create_app(container)) as client:
        yield container, client, tokens
    container.close()


def erp_hold(client: TestClient, on_hold: bool, webhook_id: str) -> None:
    raw = json.dumps({"type": "credit_status_changed", "occurred_at": datetime.now(UTC).isoformat(),
                      "data": {"customer_id": "C1", "on_hold": on_hold}}).encode()
    headers = sign_headers(ERP_SECRET, webhook_id, raw, datetime.now(UTC))
    answer = client.post("/api/v1/events/erp", content=raw,
                         headers={**headers, "content-type": "application/json"})
    assert answer.json()["outcome"] == "applied", answer.text


def put_customer(client: TestClient, token: str, **fields: Any) -> Any:
    return client.put("/api/v1/customers/C1", json={**ACME, **fields}, headers=auth(token))


def customer(container: Container) -> Any:
    with container.deps.uow() as uow:
        return uow.masterdata.customer("C1")


def changes(client: TestClient, token: str, path: str = "/api/v1/customers/C1") -> list[Any]:
    answer = client.get(f"{path}/changes", headers=auth(token))
    assert answer.status_code == 200, answer.text
    found: list[Any] = answer.json()["changes"]
    return found


@pytest.mark.parametrize("role", ["integration", "admin"])
def test_an_api_token_cannot_lift_a_credit_hold_the_erp_set(app: App, role: str) -> None:
    container, client, tokens = app
    erp_hold(client, True, "erp-1")
    answer = put_customer(client, tokens[role], credit_hold=False)
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert "credit_hold" in answer.json()["detail"] and "erp" in answer.json()["detail"]
    assert customer(container).credit_hold


def test_an_api_token_cannot_change_the_credit_limit(app: App) -> None:
    container, client, tokens = app
    answer = put_customer(client, tokens["integration"], credit_limit="9999999")
    assert answer.status_code == 409
    assert "credit_limit" in answer.json()["detail"]
    assert customer(container).credit_limit == 100000


def test_owned_fields_sent_unchanged_pass_and_the_rest_of_the_record_changes(app: App) -> None:
    container, client, tokens = app
    erp_hold(client, True, "erp-1")
    answer = put_customer(client, tokens["integration"], credit_hold=True,
                          credit_limit="100000.00", payment_terms="NET60")
    assert answer.status_code == 200, answer.text
    stored = customer(container)
    assert (stored.credit_hold, stored.payment_terms) == (True, "NET60")


def test_every_change_records_its_actor_and_the_record_before_and_after(app: App) -> None:
    _, client, tokens = app
    erp_hold(client, True, "erp-1")
    assert put_customer(client, tokens["integration"], credit_hold=True,
                        payment_terms="NET60").status_code == 200
    assert put_customer(client, tokens["integration"], credit_hold=True,
                        payment_terms="NET60").status_code == 200  # no change, no entry

    latest, by_erp, created = changes(client, tokens["viewer"])
    assert (latest["actor"], latest["fields"]) == ("integration-bot", ["payment_terms"])
    assert (latest["before"]["payment_terms"], latest["after"]["payment_terms"]) == (
        "NET30", "NET60")
    assert (by_erp["actor"], by_erp["fields"]) == ("system:erp", ["credit_hold"])
    assert (by_erp["before"]["credit_hold"], by_erp["after"]["credit_hold"]) == (False, True)
    assert (created["actor"], created["before"], created["after"]["credit_limit"]) == (
        "operator", None, "100000")
    assert latest["at"] >= by_erp["at"] >= created["at"]


def test_a_new_customer_may_be_created_with_its_credit_terms(app: App) -> None:
    _, client, tokens = app
    answer = client.put("/api/v1/customers/C9", json={"name": "New", "credit_limit": "500"},
                        headers=auth(tokens["integration"]))
    assert answer.status_code == 200
    [created] = changes(client, tokens["viewer"], "/api/v1/customers/C9")
    assert (created["actor"], created["before"]) == ("integration-bot", None)


def test_changes_of_prices_items_sites_and_carriers_are_audited_too(app: App) -> None:
    _, client, tokens = app
    writer = auth(tokens["integration"])
    assert client.put("/api/v1/prices/C1/SKU1", json={"unit_price": "11.00"},
                      headers=writer).status_code == 200
    assert client.put("/api/v1/items/SKU2", json={"description": "Masks", "active": False},
                      headers=writer).status_code == 200
    [price_change, _] = changes(client, tokens["viewer"], "/api/v1/prices/C1/SKU1")
    assert (price_change["fields"], price_change["after"]["unit_price"]) == (
        ["tolerance_pct", "unit_price"], "11")
    [item_change, _] = changes(client, tokens["viewer"], "/api/v1/items/SKU2")
    assert "active" in item_change["fields"]
    assert len(changes(client, tokens["viewer"], "/api/v1/sites/DAL")) == 1
    assert len(changes(client, tokens["viewer"], "/api/v1/carriers/UPS")) == 1


def test_where_shipshape_owns_credit_status_the_api_may_change_it(database_url: str) -> None:
    settings = Settings(database_url=database_url, env="test",
                        ownership={"credit_status": "shipshape"})
    container = build(settings, migrate=True)
    seed_distributor(container)
    token = container.tokens.create("credit-desk", "integration", datetime.now(UTC))
    try:
        with TestClient(create_app(container)) as client:
            answer = put_customer(client, token, credit_hold=True, credit_limit="500")
            assert answer.status_code == 200, answer.text
            assert (customer(container).credit_hold, customer(container).credit_limit) == (
                True, 500)
            [change, _] = changes(client, token)
            assert (change["actor"], change["fields"]) == (
                "credit-desk", ["credit_hold", "credit_limit"])
    finally:
        container.close()
