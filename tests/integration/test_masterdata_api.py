"""Master data, stock movements and the order and exception reads through HTTP, on both backends."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, select

from shipshape.adapters.db import tables
from shipshape.bootstrap import Container
from shipshape.services.release import release_wave
from tests.builders import VALID_GTIN, auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

PROBLEM = "application/problem+json"

# path, a first body, a changed body, the table behind it, and what the change must store
RESOURCES: dict[str, tuple[str, dict[str, Any], dict[str, Any], Table, dict[str, Any]]] = {
    "site": (
        "/api/v1/sites/DAL",
        {"name": "Dallas DC", "country": "US", "postal_code": "75201"},
        {"name": "Dallas DC", "country": "US", "postal_code": "75202"},
        tables.sites, {"postal_code": "75202"}),
    "customer": (
        "/api/v1/customers/C1",
        {"name": "Acme", "credit_limit": "1000.00", "preferred_site": "DAL"},
        {"name": "Acme", "credit_limit": "1000.00", "preferred_site": "DAL",
         "payment_terms": "NET60", "allow_split": True},
        tables.customers, {"payment_terms": "NET60", "allow_split": True}),
    "item": (
        "/api/v1/items/SKU1",
        {"description": "Gloves", "gtin": VALID_GTIN, "weight_kg": "1.0"},
        {"description": "Gloves", "gtin": VALID_GTIN, "weight_kg": "1.0", "active": False,
         "substitutes": ["SKU2"]},
        tables.items, {"active": False, "substitutes": ["SKU2"]}),
    "price": (
        "/api/v1/prices/C1/SKU1",
        {"unit_price": "10.00", "tolerance_pct": "2"},
        {"unit_price": "12.50", "tolerance_pct": "2"},
        tables.prices, {"unit_price": Decimal("12.50")}),
    "carrier": (
        "/api/v1/carriers/UPS",
        {"name": "UPS", "services": [{"code": "GND", "countries": ["US"]}]},
        {"name": "UPS", "services": [{"code": "GND", "countries": ["US"]},
                                     {"code": "AIR", "countries": ["US", "CA"]}]},
        tables.carriers, {"services": [
            {"code": "GND", "hazmat_allowed": False, "max_weight_kg": None, "countries": ["US"]},
            {"code": "AIR", "hazmat_allowed": False, "max_weight_kg": None,
             "countries": ["US", "CA"]}]}),
}

INVALID_BODIES: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "site": ("/api/v1/sites/DAL", {"name": "", "country": "USA", "postal_code": "75201"},
             {"name", "country"}),
    "customer": ("/api/v1/customers/C1",
                 {"name": "Acme", "priority": "vip", "credit_limit": "-1"},
                 {"priority", "credit_limit"}),
    "item": ("/api/v1/items/SKU1", {"description": "Gloves", "gtin": "12AB", "colour": "blue"},
             {"gtin", "colour"}),
    "price": ("/api/v1/prices/C1/SKU1", {"unit_price": "10.00", "currency": "usd"},
              {"currency"}),
    "carrier": ("/api/v1/carriers/UPS", {"name": "UPS", "services": []}, {"services"}),
}


def stored(container: Container, table: Table) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(table)).mappings()]


def stock(client: TestClient, token: str, sku: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/items/{sku}/stock", headers=auth(token))
    assert answer.status_code == 200
    sites: list[dict[str, Any]] = answer.json()["sites"]
    return sites


def listed(client: TestClient, token: str, path: str, key: str, **params: str) -> list[Any]:
    answer = client.get(path, params=params, headers=auth(token))
    assert answer.status_code == 200
    rows: list[Any] = answer.json()[key]
    return rows


def site(client: TestClient, token: str, site_id: str, postal_code: str = "75201") -> None:
    body = {"name": f"{site_id} DC", "country": "US", "postal_code": postal_code}
    assert client.put(f"/api/v1/sites/{site_id}", json=body,
                      headers=auth(token)).status_code == 200


def item(client: TestClient, token: str, sku: str) -> None:
    assert client.put(f"/api/v1/items/{sku}", json={"description": sku},
                      headers=auth(token)).status_code == 200


def references(client: TestClient, token: str, resource: str) -> None:
    """What a resource's body names must exist: the preferred site, the price's customer and
    item."""
    site(client, token, "DAL")
    if resource == "price":
        assert client.put("/api/v1/customers/C1", json={"name": "Acme"},
                          headers=auth(token)).status_code == 200
        item(client, token, "SKU1")


def move(client: TestClient, token: str, kind: str, **body: Any) -> Any:
    return client.post(f"/api/v1/inventory/{kind}", json=body, headers=auth(token))


# ------------------------------------------------------------------------ master data upserts


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_the_same_put_twice_leaves_one_unchanged_record(
    client: TestClient, container: Container, tokens: dict[str, str], resource: str
) -> None:
    path, body, _, table, _ = RESOURCES[resource]
    references(client, tokens["integration"], resource)
    first = client.put(path, json=body, headers=auth(tokens["integration"]))
    after_first = stored(container, table)
    again = client.put(path, json=body, headers=auth(tokens["integration"]))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert len(after_first) == 1
    assert stored(container, table) == after_first


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_a_changed_put_updates_the_record_in_place(
    client: TestClient, container: Container, tokens: dict[str, str], resource: str
) -> None:
    path, body, changed, table, expected = RESOURCES[resource]
    references(client, tokens["integration"], resource)
    client.put(path, json=body, headers=auth(tokens["integration"]))
    answer = client.put(path, json=changed, headers=auth(tokens["integration"]))
    assert answer.status_code == 200
    rows = stored(container, table)
    assert len(rows) == 1
    assert {field: rows[0][field] for field in expected} == expected


def test_a_put_answers_with_the_record_under_its_key(
    client: TestClient, tokens: dict[str, str]
) -> None:
    site(client, tokens["integration"], "DAL")
    body = {"name": "Acme", "credit_limit": "1000.00", "preferred_site": "DAL"}
    answer = client.put("/api/v1/customers/C1", json=body,
                        headers=auth(tokens["integration"])).json()
    assert answer["customer_id"] == "C1"
    assert (answer["credit_limit"], answer["preferred_site"]) == ("1000.00", "DAL")
    assert (answer["priority"], answer["payment_terms"]) == ("standard", "NET30")


def test_keys_as_long_as_the_api_allows_are_stored_on_every_backend(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    long_site, long_customer, long_carrier = "S" * 60, "C" * 60, "K" * 60
    site(client, tokens["integration"], long_site)
    customer = {"name": "Long", "credit_limit": "100", "preferred_site": long_site}
    carrier = {"name": "Long Haul", "services": [{"code": "G" * 60}]}
    for path, body in ((f"/api/v1/customers/{long_customer}", customer),
                       (f"/api/v1/carriers/{long_carrier}", carrier)):
        assert client.put(path, json=body, headers=auth(tokens["integration"])).status_code == 200
    assert [r["id"] for r in stored(container, tables.customers)] == [long_customer]


def test_a_put_answers_with_the_normalised_record_it_stored(
    client: TestClient, tokens: dict[str, str]
) -> None:
    body = {"name": "Dallas DC", "country": "us", "postal_code": "75201"}
    answer = client.put("/api/v1/sites/DAL", json=body, headers=auth(tokens["integration"]))
    assert answer.json()["country"] == "US"


def test_a_receipt_beyond_a_billion_units_answers_422_and_stores_nothing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    site(client, tokens["integration"], "DAL")
    answer = move(client, tokens["integration"], "receipts", site_id="DAL", sku="SKU1",
                  quantity=3_000_000_000)
    assert answer.status_code == 422
    assert stock(client, tokens["viewer"], "SKU1") == []


def test_an_updated_customer_changes_the_next_acceptance_decision(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    client.put("/api/v1/customers/C1", json={"name": "Acme", "credit_limit": "100000",
                                             "preferred_site": "DAL", "active": False},
               headers=auth(tokens["integration"]))
    answer = post_order(client, tokens["integration"], order()).json()
    assert answer["status"] == "held"
    assert [f["code"] for f in answer["findings"]] == ["INACTIVE_CUSTOMER"]


@pytest.mark.parametrize("resource", sorted(INVALID_BODIES))
def test_an_invalid_body_answers_422_naming_the_fields_and_stores_nothing(
    client: TestClient, container: Container, tokens: dict[str, str], resource: str
) -> None:
    path, body, fields = INVALID_BODIES[resource]
    answer = client.put(path, json=body, headers=auth(tokens["integration"]))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert (problem["status"], problem["title"]) == (422, "Invalid request")
    assert {error["field"] for error in problem["errors"]} == fields
    assert stored(container, RESOURCES[resource][3]) == []


def test_a_key_with_forbidden_characters_answers_422_naming_the_key(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    body = {"name": "Dallas DC", "country": "US", "postal_code": "75201"}
    answer = client.put("/api/v1/sites/DAL DC", json=body, headers=auth(tokens["integration"]))
    assert answer.status_code == 422
    assert [(e["field"], e["location"]) for e in answer.json()["errors"]] == [
        ("site_id", "path")]
    assert stored(container, tables.sites) == []


def test_a_body_that_is_not_json_answers_422_problem_json(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    answer = client.put("/api/v1/sites/DAL", content=b"{not json",
                        headers={**auth(tokens["integration"]),
                                 "content-type": "application/json"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert stored(container, tables.sites) == []


# ---------------------------------------------------------------------------- stock movements


def test_receipts_add_to_on_hand_per_site(
    client: TestClient, tokens: dict[str, str]
) -> None:
    writer = tokens["integration"]
    site(client, writer, "DAL")
    site(client, writer, "ATL", "30301")
    item(client, writer, "SKU1")
    first = move(client, writer, "receipts", site_id="DAL", sku="SKU1", quantity=40)
    assert first.status_code == 201
    assert first.json() == {"site_id": "DAL", "sku": "SKU1", "on_hand": 40, "reserved": 0,
                            "available": 40}
    move(client, writer, "receipts", site_id="DAL", sku="SKU1", quantity=2, lot="L1",
         expiry="2027-06-30")
    move(client, writer, "receipts", site_id="ATL", sku="SKU1", quantity=5)
    assert stock(client, tokens["viewer"], "SKU1") == [
        {"site_id": "ATL", "sku": "SKU1", "on_hand": 5, "reserved": 0, "available": 5,
         "quarantined": 0, "scrapped": 0},
        {"site_id": "DAL", "sku": "SKU1", "on_hand": 42, "reserved": 0, "available": 42,
         "quarantined": 0, "scrapped": 0}]


def test_adjustments_change_on_hand_up_and_down(
    client: TestClient, tokens: dict[str, str]
) -> None:
    writer = tokens["integration"]
    site(client, writer, "DAL")
    item(client, writer, "SKU1")
    move(client, writer, "receipts", site_id="DAL", sku="SKU1", quantity=10)
    down = move(client, writer, "adjustments", site_id="DAL", sku="SKU1", quantity=-3,
                reason="damaged")
    assert down.status_code == 201
    assert down.json()["on_hand"] == 7
    move(client, writer, "adjustments", site_id="DAL", sku="SKU1", quantity=1, reason="found")
    assert stock(client, tokens["viewer"], "SKU1") == [
        {"site_id": "DAL", "sku": "SKU1", "on_hand": 8, "reserved": 0, "available": 8,
         "quarantined": 0, "scrapped": 0}]


def test_reservations_show_as_reserved_and_reduce_available(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    post_order(client, tokens["integration"], order())
    assert stock(client, tokens["viewer"], "SKU1") == [
        {"site_id": "DAL", "sku": "SKU1", "on_hand": 100, "reserved": 2, "available": 98,
         "quarantined": 0, "scrapped": 0}]


def test_inventory_of_a_sku_without_stock_lists_no_sites(
    client: TestClient, tokens: dict[str, str]
) -> None:
    assert stock(client, tokens["viewer"], "NEVER-RECEIVED") == []


def test_a_receipt_for_an_unknown_site_answers_422_naming_it_and_stores_nothing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    item(client, tokens["integration"], "SKU1")
    answer = move(client, tokens["integration"], "receipts", site_id="NOWHERE", sku="SKU1",
                  quantity=5)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert "site NOWHERE" in answer.json()["detail"]
    assert stock(client, tokens["viewer"], "SKU1") == []


def test_an_adjustment_at_an_unknown_site_answers_422(
    client: TestClient, tokens: dict[str, str]
) -> None:
    item(client, tokens["integration"], "SKU1")
    answer = move(client, tokens["integration"], "adjustments", site_id="NOWHERE", sku="SKU1",
                  quantity=5)
    assert answer.status_code == 422
    assert stock(client, tokens["viewer"], "SKU1") == []


@pytest.mark.parametrize("quantity", [0, -5])
def test_a_receipt_needs_a_positive_quantity(
    client: TestClient, tokens: dict[str, str], quantity: int
) -> None:
    site(client, tokens["integration"], "DAL")
    item(client, tokens["integration"], "SKU1")
    answer = move(client, tokens["integration"], "receipts", site_id="DAL", sku="SKU1",
                  quantity=quantity)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert stock(client, tokens["viewer"], "SKU1") == []


def test_an_adjustment_of_zero_answers_422(
    client: TestClient, tokens: dict[str, str]
) -> None:
    site(client, tokens["integration"], "DAL")
    item(client, tokens["integration"], "SKU1")
    answer = move(client, tokens["integration"], "adjustments", site_id="DAL", sku="SKU1",
                  quantity=0)
    assert answer.status_code == 422


def test_an_adjustment_below_what_released_orders_hold_answers_422_and_changes_nothing(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    post_order(client, tokens["integration"], order())
    assert len(release_wave(container.deps, "DAL").released) == 1
    answer = move(client, tokens["integration"], "adjustments", site_id="DAL", sku="SKU1",
                  quantity=-99, reason="cycle count")
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert "released orders hold them" in answer.json()["detail"]
    assert stock(client, tokens["viewer"], "SKU1") == [
        {"site_id": "DAL", "sku": "SKU1", "on_hand": 100, "reserved": 2, "available": 98,
         "quarantined": 0, "scrapped": 0}]
    movements = [m["kind"] for m in stored(container, tables.stock_movements)]
    assert "adjustment" not in movements


def test_an_adjustment_down_to_exactly_reserved_is_allowed(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    post_order(client, tokens["integration"], order())
    answer = move(client, tokens["integration"], "adjustments", site_id="DAL", sku="SKU1",
                  quantity=-98)
    assert answer.status_code == 201
    assert stock(client, tokens["viewer"], "SKU1") == [
        {"site_id": "DAL", "sku": "SKU1", "on_hand": 2, "reserved": 2, "available": 0,
         "quarantined": 0, "scrapped": 0}]


def test_an_adjustment_cannot_take_on_hand_below_zero(
    client: TestClient, tokens: dict[str, str]
) -> None:
    site(client, tokens["integration"], "DAL")
    item(client, tokens["integration"], "SKU1")
    move(client, tokens["integration"], "receipts", site_id="DAL", sku="SKU1", quantity=3)
    answer = move(client, tokens["integration"], "adjustments", site_id="DAL", sku="SKU1",
                  quantity=-4)
    assert answer.status_code == 422
    assert stock(client, tokens["viewer"], "SKU1")[0]["on_hand"] == 3


def test_a_stock_movement_with_an_invalid_body_names_the_fields(
    client: TestClient, tokens: dict[str, str]
) -> None:
    answer = move(client, tokens["integration"], "receipts", site_id="DAL", quantity="many",
                  expiry="soon")
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"sku", "quantity", "expiry"}


# -------------------------------------------------------------------------------- order reads


def test_orders_filter_by_customer_po_and_status(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    client.put("/api/v1/customers/C2", json={"name": "Beta", "credit_limit": "100000"},
               headers=auth(tokens["integration"]))
    writer = tokens["integration"]
    first = post_order(client, writer, order()).json()["order_id"]
    held = post_order(client, writer, order(external_id="W-2", customer_po="PO-2", lines=[
        {"line_no": 1, "sku": "NO-SUCH-SKU", "quantity": 1}])).json()["order_id"]
    other = post_order(client, writer, order(external_id="W-3", customer_id="C2",
                                             customer_po="PO-1")).json()["order_id"]
    viewer = tokens["viewer"]

    def ids(**params: str) -> set[str]:
        return {o["order_id"] for o in listed(client, viewer, "/api/v1/orders", "orders",
                                              **params)}

    assert ids() == {first, held, other}
    assert ids(customer_id="C1") == {first, held}
    assert ids(customer_id="C2") == {other}
    assert ids(customer_po="PO-1") == {first, other}
    assert ids(customer_id="C1", customer_po="PO-1") == {first}
    assert ids(status="held") == {held}
    assert ids(status="accepted") == {first, other}
    assert ids(customer_id="NOBODY") == set()


def test_orders_list_summarises_each_order(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    order_id = post_order(client, tokens["integration"], order()).json()["order_id"]
    answer = client.get("/api/v1/orders", headers=auth(tokens["viewer"])).json()
    assert (answer["total"], answer["limit"], answer["offset"]) == (1, 100, 0)
    summary = answer["orders"][0]
    assert summary["order_id"] == order_id
    assert (summary["status"], summary["channel"], summary["external_id"]) == (
        "accepted", "web", "W-1")
    assert (summary["customer_id"], summary["customer_po"]) == ("C1", "PO-1")
    assert Decimal(summary["value"]) == Decimal("20.00")


def test_orders_list_pages_with_limit_and_offset(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    for n in range(3):
        post_order(client, tokens["integration"],
                   order(external_id=f"W-{n}", customer_po=f"PO-{n}"))
    viewer = tokens["viewer"]
    first = listed(client, viewer, "/api/v1/orders", "orders", limit="2")
    rest = listed(client, viewer, "/api/v1/orders", "orders", limit="2", offset="2")
    assert (len(first), len(rest)) == (2, 1)
    assert len({o["order_id"] for o in first + rest}) == 3


def test_an_order_reads_with_its_lines_reservations_and_cases(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    order_id = post_order(client, tokens["integration"], order()).json()["order_id"]
    detail = client.get(f"/api/v1/orders/{order_id}", headers=auth(tokens["viewer"])).json()
    assert detail["order_id"] == order_id
    assert detail["lines"] == [{"line_no": 1, "sku": "SKU1", "quantity": 2,
                                "unit_price": detail["lines"][0]["unit_price"], "uom": "EA"}]
    assert Decimal(detail["lines"][0]["unit_price"]) == Decimal("10.00")
    assert detail["reservations"] == [{"line_no": 1, "site_id": "DAL", "sku": "SKU1",
                                       "quantity": 2}]
    assert detail["cases"] == []


@pytest.mark.parametrize("path", ["/api/v1/orders/ord_unknown",
                                  "/api/v1/orders/ord_unknown/events"])
def test_an_unknown_order_answers_404_problem_json(
    client: TestClient, tokens: dict[str, str], path: str
) -> None:
    answer = client.get(path, headers=auth(tokens["viewer"]))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert "ord_unknown" in answer.json()["detail"]


# ---------------------------------------------------------------------------- exception reads

CASE_FIELDS = {
    "code", "kind", "stage", "source_system", "order_id", "line_nos", "site_id", "customer_id",
    "customer_segment", "severity", "blocking", "owner_team", "sla_due_at", "escalation_level",
    "status", "resolution_action", "resolution_reason", "resolved_by", "cost_rework_minutes",
    "cost_expedited_freight", "cost_invoice_correction", "root_cause",
}


def held_orders(client: TestClient, token: str) -> dict[str, str]:
    """Three held orders, one per code: an unknown SKU, a price mismatch, no ship date."""
    unknown = order(external_id="W-1", customer_po="PO-1", lines=[
        {"line_no": 1, "sku": "NO-SUCH-SKU", "quantity": 1, "unit_price": "1.00"}])
    mismatch = order(external_id="W-2", customer_po="PO-2", lines=[
        {"line_no": 1, "sku": "SKU2", "quantity": 1, "unit_price": "5.00"},
        {"line_no": 2, "sku": "SKU1", "quantity": 1, "unit_price": "99.00"}])
    undated = order(external_id="W-3", customer_po="PO-3", requested_ship_date=None, lines=[
        {"line_no": 1, "sku": "SKU2", "quantity": 3, "unit_price": "5.00"}])
    found = {}
    for code, body in (("UNKNOWN_ITEM", unknown), ("PRICE_MISMATCH", mismatch),
                       ("MISSING_SHIP_DATE", undated)):
        answer = post_order(client, token, body).json()
        assert answer["status"] == "held"
        found[code] = answer["order_id"]
    return found


def test_exceptions_filter_by_code_order_and_status(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    orders = held_orders(client, tokens["integration"])
    viewer = tokens["viewer"]

    def cases(**params: str) -> list[tuple[str, str]]:
        rows = listed(client, viewer, "/api/v1/exceptions", "exceptions", **params)
        return sorted((c["code"], c["order_id"]) for c in rows)

    everything = sorted((code, order_id) for code, order_id in orders.items())
    assert cases() == everything
    assert cases(status="open") == everything
    assert cases(status="resolved") == []
    assert cases(code="PRICE_MISMATCH") == [("PRICE_MISMATCH", orders["PRICE_MISMATCH"])]
    assert cases(order_id=orders["UNKNOWN_ITEM"]) == [("UNKNOWN_ITEM", orders["UNKNOWN_ITEM"])]
    assert cases(code="PRICE_MISMATCH", order_id=orders["UNKNOWN_ITEM"]) == []


def test_every_case_carries_the_fields_of_the_design(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    held_orders(client, tokens["integration"])
    rows = listed(client, tokens["viewer"], "/api/v1/exceptions", "exceptions")
    assert len(rows) == 3
    for row in rows:
        assert set(row) >= CASE_FIELDS, CASE_FIELDS - set(row)


def test_a_new_case_is_open_unresolved_and_routed(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    orders = held_orders(client, tokens["integration"])
    [case] = listed(client, tokens["viewer"], "/api/v1/exceptions", "exceptions",
                    code="PRICE_MISMATCH")
    assert {k: case[k] for k in ("code", "kind", "stage", "source_system", "order_id",
                                 "line_nos", "site_id", "customer_id", "customer_segment",
                                 "severity", "blocking", "owner_team", "escalation_level",
                                 "status")} == {
        "code": "PRICE_MISMATCH", "kind": "business", "stage": "validate",
        "source_system": "shipshape", "order_id": orders["PRICE_MISMATCH"], "line_nos": [2],
        "site_id": None, "customer_id": "C1", "customer_segment": "standard",
        "severity": "block", "blocking": True, "owner_team": "customer_service",
        "escalation_level": 0, "status": "open"}
    assert [case[k] for k in ("resolution_action", "resolution_reason", "resolved_by",
                              "root_cause")] == [None, None, None, None]
    assert case["cost_rework_minutes"] == 0
    assert Decimal(case["cost_expedited_freight"]) == Decimal(case["cost_invoice_correction"]) == 0


def test_case_sla_follows_customer_priority(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container, priority="strategic")
    orders = held_orders(client, tokens["integration"])
    [case] = listed(client, tokens["viewer"], "/api/v1/exceptions", "exceptions",
                    order_id=orders["UNKNOWN_ITEM"])
    due = datetime.fromisoformat(case["sla_due_at"])
    opened_at = datetime.fromisoformat(case["opened_at"])  # 4 business hours (routing table)
    assert due == container.deps.desk.of(case["owner_team"]).add(opened_at, 4 * 3600)


def test_exception_list_pages_with_limit_and_offset(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    held_orders(client, tokens["integration"])
    answer = client.get("/api/v1/exceptions", params={"limit": 2},
                        headers=auth(tokens["viewer"])).json()
    rest = listed(client, tokens["viewer"], "/api/v1/exceptions", "exceptions", limit="2",
                  offset="2")
    assert (answer["total"], len(answer["exceptions"]), len(rest)) == (3, 2, 1)
    assert {c["case_id"] for c in answer["exceptions"]}.isdisjoint(
        {c["case_id"] for c in rest})


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}])
def test_out_of_range_paging_answers_422(
    client: TestClient, tokens: dict[str, str], params: dict[str, str]
) -> None:
    for path in ("/api/v1/orders", "/api/v1/exceptions"):
        answer = client.get(path, params=params, headers=auth(tokens["viewer"]))
        assert answer.status_code == 422
        assert {e["field"] for e in answer.json()["errors"]} == set(params)


# --------------------------------------------------------------------------------------- roles

WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("PUT", "/api/v1/sites/DAL", RESOURCES["site"][1]),
    ("PUT", "/api/v1/customers/C1", RESOURCES["customer"][1]),
    ("PUT", "/api/v1/items/SKU1", RESOURCES["item"][1]),
    ("PUT", "/api/v1/prices/C1/SKU1", RESOURCES["price"][1]),
    ("PUT", "/api/v1/carriers/UPS", RESOURCES["carrier"][1]),
]
MASTER_TABLES = (tables.sites, tables.customers, tables.items, tables.prices, tables.carriers)


def test_a_viewer_may_read_everything(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    order_id = post_order(client, tokens["integration"], order()).json()["order_id"]
    for path in ("/api/v1/orders", f"/api/v1/orders/{order_id}",
                 f"/api/v1/orders/{order_id}/events", "/api/v1/exceptions",
                 "/api/v1/items/SKU1/stock"):
        assert client.get(path, headers=auth(tokens["viewer"])).status_code == 200, path


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_viewers_and_agents_may_not_write_master_data(
    client: TestClient, container: Container, tokens: dict[str, str], role: str
) -> None:
    for method, path, body in WRITES:
        answer = client.request(method, path, json=body, headers=auth(tokens[role]))
        assert answer.status_code == 403, path
        assert answer.headers["content-type"] == PROBLEM
    for table in MASTER_TABLES:
        assert stored(container, table) == []


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_viewers_and_agents_may_not_move_stock(
    client: TestClient, container: Container, tokens: dict[str, str], role: str
) -> None:
    seed_distributor(container)
    for kind in ("receipts", "adjustments"):
        answer = move(client, tokens[role], kind, site_id="DAL", sku="SKU1", quantity=5)
        assert answer.status_code == 403
    assert stock(client, tokens["viewer"], "SKU1")[0]["on_hand"] == 100


@pytest.mark.parametrize("role", ["integration", "admin"])
def test_integrations_and_admins_may_write_master_data_and_stock(
    client: TestClient, container: Container, tokens: dict[str, str], role: str
) -> None:
    for method, path, body in WRITES:
        assert client.request(method, path, json=body,
                              headers=auth(tokens[role])).status_code == 200, path
    for table in MASTER_TABLES:
        assert len(stored(container, table)) == 1, table.name
    assert move(client, tokens[role], "receipts", site_id="DAL", sku="SKU1",
                quantity=5).status_code == 201


def test_writes_and_reads_need_a_valid_token(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    method, path, body = WRITES[0]
    missing = client.request(method, path, json=body)
    forged = client.request(method, path, json=body, headers=auth("ss_forged"))
    assert (missing.status_code, forged.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/exceptions").status_code == 401
    assert client.get("/api/v1/items/SKU1/stock").status_code == 401
    assert stored(container, tables.sites) == []
