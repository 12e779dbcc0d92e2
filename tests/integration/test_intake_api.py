"""Order intake through HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shipshape.bootstrap import Container
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def count(client: TestClient, token: str, path: str, key: str, **params: str) -> int:
    return len(client.get(path, params=params, headers=auth(token)).json()[key])


def test_accepted_order_reserves_stock_and_records_its_timeline(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    answer = post_order(client, tokens["integration"], order())
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "accepted"
    assert body["reservations"] == [{"line_no": 1, "site_id": "DAL", "sku": "SKU1", "quantity": 2}]
    stock = client.get("/api/v1/items/SKU1/stock", headers=auth(tokens["viewer"])).json()
    assert stock["sites"] == [{"site_id": "DAL", "sku": "SKU1", "on_hand": 100, "reserved": 2,
                               "available": 98, "quarantined": 0, "scrapped": 0}]
    events = client.get(f"/api/v1/orders/{body['order_id']}/events",
                        headers=auth(tokens["viewer"])).json()["events"]
    assert [e["type"] for e in events] == [
        "OrderReceived", "ControlsEvaluated", "StockReserved", "OrderAccepted", "OrderPromised"]
    assert events[1]["payload"]["rule_version"].startswith("order_policies@")


def test_replay_returns_the_same_answer_and_creates_nothing(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    first = post_order(client, tokens["integration"], order(), key="k-1")
    again = post_order(client, tokens["integration"], order(), key="k-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert count(client, tokens["viewer"], "/api/v1/orders", "orders") == 1
    stock = client.get("/api/v1/items/SKU1/stock", headers=auth(tokens["viewer"])).json()
    assert stock["sites"][0]["reserved"] == 2


def test_same_key_with_another_body_is_a_conflict(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    post_order(client, tokens["integration"], order(), key="k-1")
    changed = order(lines=[{"line_no": 1, "sku": "SKU1", "quantity": 3, "unit_price": "10.00"}])
    answer = post_order(client, tokens["integration"], changed, key="k-1")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert count(client, tokens["viewer"], "/api/v1/orders", "orders") == 1


def test_channel_and_external_id_are_the_default_key(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    post_order(client, tokens["integration"], order())
    changed = order(customer_po="PO-2")
    assert post_order(client, tokens["integration"], changed).status_code == 409


def test_cross_channel_duplicate_links_both_in_one_case(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    original = post_order(client, tokens["integration"], order()).json()
    resent = post_order(client, tokens["integration"],
                        order(channel="edi", external_id="EDI-77"))
    assert resent.status_code == 200
    body = resent.json()
    assert (body["status"], body["duplicate_of"]) == ("duplicate", original["order_id"])
    cases = client.get("/api/v1/exceptions", params={"code": "DUPLICATE_ORDER"},
                       headers=auth(tokens["viewer"])).json()["exceptions"]
    assert len(cases) == 1
    assert cases[0]["order_id"] == original["order_id"]
    assert cases[0]["details"]["external_id"] == "EDI-77"
    assert count(client, tokens["viewer"], "/api/v1/orders", "orders") == 1


def test_same_lines_under_another_po_is_a_possible_duplicate_warning(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    post_order(client, tokens["integration"], order())
    second = post_order(client, tokens["integration"],
                        order(external_id="W-2", customer_po="PO-2")).json()
    assert second["status"] == "accepted"
    assert [f["code"] for f in second["findings"]] == ["POSSIBLE_DUPLICATE"]
    assert second["findings"][0]["severity"] == "warn"


def test_schema_errors_answer_422_with_fields_and_store_nothing(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    bad = order(channel="fax", lines=[{"line_no": 1, "sku": "SKU1", "quantity": -1}])
    answer = post_order(client, tokens["integration"], bad)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"channel", "lines.0.quantity"} <= fields
    assert count(client, tokens["viewer"], "/api/v1/orders", "orders") == 0


def test_body_over_one_mebibyte_answers_413_and_stores_nothing(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    huge = order(ship_to={"name": "x" * (1024 * 1024), "country": "US"})
    assert post_order(client, tokens["integration"], huge).status_code == 413
    assert count(client, tokens["viewer"], "/api/v1/orders", "orders") == 0


def test_unknown_sku_is_stored_and_held_with_a_case(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    body = order(lines=[{"line_no": 1, "sku": "NEW-SKU", "quantity": 1, "unit_price": "3.00"}])
    answer = post_order(client, tokens["integration"], body).json()
    assert answer["status"] == "held"
    assert [f["code"] for f in answer["findings"]] == ["UNKNOWN_ITEM"]
    stored = client.get(f"/api/v1/orders/{answer['order_id']}", headers=auth(tokens["viewer"]))
    assert stored.json()["status"] == "held"
    cases = client.get("/api/v1/exceptions", params={"order_id": answer["order_id"]},
                       headers=auth(tokens["viewer"])).json()["exceptions"]
    assert [(c["code"], c["kind"], c["status"]) for c in cases] == [
        ("UNKNOWN_ITEM", "data_quality", "open")]


def test_credit_limit_breach_holds_the_order(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container, credit_limit="25.00")
    answer = post_order(client, tokens["integration"], order(
        lines=[{"line_no": 1, "sku": "SKU1", "quantity": 3, "unit_price": "10.00"}])).json()
    assert answer["status"] == "held"
    assert [f["code"] for f in answer["findings"]] == ["CREDIT_LIMIT_EXCEEDED"]
    stock = client.get("/api/v1/items/SKU1/stock", headers=auth(tokens["viewer"])).json()
    assert stock["sites"][0]["reserved"] == 0


def test_tokens_are_required_and_roles_are_enforced(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    assert client.post("/api/v1/orders", json=order()).status_code == 401
    assert client.get("/api/v1/orders", headers=auth("ss_forged")).status_code == 401
    assert post_order(client, tokens["viewer"], order()).status_code == 403
    assert client.put("/api/v1/sites/X", json={"name": "X", "country": "US",
                                               "postal_code": "1"},
                      headers=auth(tokens["agent"])).status_code == 403
    assert client.get("/api/v1/health").status_code == 200
    assert count(client, tokens["viewer"], "/api/v1/orders", "orders") == 0
