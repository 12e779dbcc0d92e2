"""Every list route on both backends: `{"<things>": [...], "total", "limit", "offset"}`, filters
held to their closed sets, a period (`from`, `to`), sorting with a stable tie-break; and money
that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipshape.bootstrap import Container
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

PROBLEM = "application/problem+json"
LISTS = {"/api/v1/orders": "orders", "/api/v1/exceptions": "exceptions",
         "/api/v1/invoices": "invoices", "/api/v1/sites": "sites",
         "/api/v1/customers": "customers", "/api/v1/items": "items", "/api/v1/prices": "prices",
         "/api/v1/carriers": "carriers", "/api/v1/inventory": "inventory",
         "/api/v1/customers/C1/changes": "changes"}
TIMESTAMPED = ["/api/v1/orders", "/api/v1/exceptions", "/api/v1/invoices"]


def get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params, headers=auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def place(client: TestClient, token: str, count: int) -> list[str]:
    return [post_order(client, token, order(external_id=f"W-{n}", customer_po=f"PO-{n}"))
            .json()["order_id"] for n in range(count)]


def problem_fields(client: TestClient, token: str, path: str, **params: Any) -> list[str]:
    answer = client.get(path, params=params, headers=auth(token))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    return [e["field"] for e in answer.json()["errors"]]


def test_every_list_answers_its_rows_with_the_total_of_all_matches(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    place(client, tokens["integration"], 3)
    for path, key in LISTS.items():
        body = get(client, tokens["viewer"], path, limit=1)
        assert set(body) >= {key, "total", "limit", "offset"}, path
        assert (len(body[key]), body["limit"], body["offset"]) == (
            min(1, body["total"]), 1, 0), path
    assert get(client, tokens["viewer"], "/api/v1/orders", limit=1)["total"] == 3


def test_pages_with_equal_sort_values_neither_skip_nor_repeat_a_row(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    placed = place(client, tokens["integration"], 5)
    pages = [get(client, tokens["viewer"], "/api/v1/orders", sort="status", limit=2,
                 offset=offset) for offset in (0, 2, 4)]
    seen = [o["order_id"] for page in pages for o in page["orders"]]
    assert sorted(seen) == sorted(placed)
    assert seen == sorted(placed)  # all accepted: the id breaks the tie
    assert {page["total"] for page in pages} == {5}


def test_sorting_follows_the_key_and_its_direction(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    placed = place(client, tokens["integration"], 3)
    newest = [o["order_id"] for o in get(client, tokens["viewer"], "/api/v1/orders")["orders"]]
    oldest = [o["order_id"] for o in get(client, tokens["viewer"], "/api/v1/orders",
                                         sort="created_at")["orders"]]
    assert oldest == placed and newest == placed[::-1]


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/orders", {"status": "bogus"}, "status"),
    ("/api/v1/exceptions", {"status": "bogus"}, "status"),
    ("/api/v1/exceptions", {"kind": "bogus"}, "kind"),
    ("/api/v1/exceptions", {"stage": "bogus"}, "stage"),
    ("/api/v1/invoices", {"status": "bogus"}, "status"),
    ("/api/v1/invoices", {"kind": "bogus"}, "kind"),
    ("/api/v1/orders", {"sort": "id"}, "sort"),
    ("/api/v1/exceptions", {"sort": "--opened_at"}, "sort"),
    ("/api/v1/invoices", {"sort": "total"}, "sort"),
    ("/api/v1/orders", {"from": "2026-13-01"}, "from"),
    ("/api/v1/orders", {"to": "yesterday"}, "to"),
    ("/api/v1/exceptions", {"from": "9999-12-31"}, "from"),
])
def test_a_value_out_of_its_closed_set_is_a_422_naming_the_parameter(
    client: TestClient, tokens: dict[str, str], path: str, params: dict[str, str], field: str,
) -> None:
    assert problem_fields(client, tokens["viewer"], path, **params) == [field]


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/customers", "/api/v1/health"])
def test_a_query_parameter_the_route_does_not_take_is_a_422_naming_it(
    client: TestClient, tokens: dict[str, str], path: str,
) -> None:
    """A typo must not read as "no filter" and answer every record."""
    assert problem_fields(client, tokens["viewer"], path, stauts="held") == ["stauts"]


@pytest.mark.parametrize("path", [*TIMESTAMPED, "/api/v1/customers/C1/changes"])
def test_from_after_to_is_a_422_naming_from(
    client: TestClient, tokens: dict[str, str], path: str,
) -> None:
    fields = problem_fields(client, tokens["viewer"], path, **{"from": "2026-02-01",
                                                               "to": "2026-01-31"})
    assert fields == ["from"]


def test_the_period_filters_on_the_creation_time(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    placed = set(place(client, tokens["integration"], 2))
    today = datetime.now(UTC).date()
    viewer = tokens["viewer"]

    def ids(**params: str) -> set[str]:
        return {o["order_id"] for o in get(client, viewer, "/api/v1/orders", **params)["orders"]}

    assert ids(**{"from": today.isoformat(), "to": today.isoformat()}) == placed
    assert ids(**{"from": (today + timedelta(days=1)).isoformat()}) == set()
    assert ids(to=(today - timedelta(days=1)).isoformat()) == set()
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert ids(**{"from": an_hour_ago}) == placed
    assert ids(to=an_hour_ago) == set()


def test_exceptions_filter_on_their_opening_time_and_closed_fields(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    post_order(client, tokens["integration"], order(lines=[
        {"line_no": 1, "sku": "NO-SUCH-SKU", "quantity": 1, "unit_price": "1.00"}]))
    today = datetime.now(UTC).date()
    viewer = tokens["viewer"]
    listed = get(client, viewer, "/api/v1/exceptions", kind="data_quality",
                 **{"from": today.isoformat()})
    assert [c["code"] for c in listed["exceptions"]] == ["UNKNOWN_ITEM"]
    assert get(client, viewer, "/api/v1/exceptions", kind="business")["total"] == 0
    assert get(client, viewer, "/api/v1/exceptions",
               to=(today - timedelta(days=1)).isoformat())["total"] == 0


def test_money_reads_the_same_on_every_backend(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    """The same order and master data answer byte-identical amounts on SQLite and PostgreSQL,
    with the currency's minor unit: PostgreSQL keeps NUMERIC(20, 6), SQLite the text sent."""
    seed_distributor(container)
    writer, viewer = tokens["integration"], tokens["viewer"]
    order_id = post_order(client, writer, order(lines=[
        {"line_no": 1, "sku": "SKU1", "quantity": 2, "unit_price": "249.75", "uom": "EA"},
        {"line_no": 2, "sku": "SKU2", "quantity": 1, "unit_price": "0.0125", "uom": "EA"}],
    )).json()["order_id"]
    client.put("/api/v1/prices/C1/SKU2", json={"unit_price": "1200", "currency": "JPY"},
               headers=auth(writer))
    client.put("/api/v1/items/SKU3", json={"description": "Tape"}, headers=auth(writer))
    client.put("/api/v1/prices/C1/SKU3", json={"unit_price": "1.5", "currency": "KWD"},
               headers=auth(writer))

    detail = get(client, viewer, f"/api/v1/orders/{order_id}")
    [summary] = get(client, viewer, "/api/v1/orders")["orders"]
    prices = {p["sku"]: p["unit_price"] for p in get(client, viewer, "/api/v1/prices")["prices"]}
    cases = get(client, viewer, "/api/v1/exceptions", order_id=order_id)["exceptions"]

    assert (detail["currency"], detail["value"], summary["value"]) == (
        "USD", "499.5125", "499.5125")
    assert [line["unit_price"] for line in detail["lines"]] == ["249.75", "0.0125"]
    assert prices == {"SKU1": "10.00", "SKU2": "1200", "SKU3": "1.500"}
    assert get(client, viewer, "/api/v1/customers/C1")["credit_limit"] == "100000.00"
    assert cases and {(c["cost_expedited_freight"], c["cost_invoice_correction"])
                      for c in cases} == {("0.00", "0.00")}
