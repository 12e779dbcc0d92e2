"""JSON types are checked at the edge: a boolean is no quantity, text is no integer where only
the API sends one, a number is no boolean; decimals come as numbers or as text. A refusal is a
422 problem naming the field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.db.tables import orders
from shipshape.bootstrap import Container
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def stored_orders(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(orders)).scalar_one())


def refused_field(answer: Any) -> list[tuple[str, str]]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return [(error["field"], error["location"]) for error in answer.json()["errors"]]


@pytest.mark.parametrize(("field", "value"), [("quantity", True), ("line_no", True),
                                              ("unit_price", True), ("quantity", 2.5)])
def test_an_order_line_of_the_wrong_json_type_is_refused_and_not_stored(
        client: TestClient, container: Container, tokens: dict[str, str],
        field: str, value: object) -> None:
    seed_distributor(container)
    body = order()
    body["lines"][0][field] = value
    answer = post_order(client, tokens["admin"], body)
    assert refused_field(answer) == [(f"lines.0.{field}", "body")]
    assert stored_orders(container) == 0


@pytest.mark.parametrize("price", ["10.00", 10.0, 10])
def test_a_price_is_a_json_number_or_decimal_text(
        client: TestClient, container: Container, tokens: dict[str, str], price: object) -> None:
    seed_distributor(container)
    body = order()
    body["lines"][0]["unit_price"] = price
    assert post_order(client, tokens["admin"], body).status_code == 201
    assert stored_orders(container) == 1


@pytest.mark.parametrize("price", ["", "1e3", " 10", "10.1234567", "-1"])
def test_decimal_text_that_is_not_plainly_a_decimal_is_refused(
        client: TestClient, container: Container, tokens: dict[str, str], price: str) -> None:
    seed_distributor(container)
    body = order()
    body["lines"][0]["unit_price"] = price
    assert refused_field(post_order(client, tokens["admin"], body)) == [
        ("lines.0.unit_price", "body")]
    assert stored_orders(container) == 0


@pytest.mark.parametrize("limit", ["5", True])
def test_an_api_only_integer_must_be_a_json_integer(
        client: TestClient, container: Container, tokens: dict[str, str], limit: object) -> None:
    seed_distributor(container)
    answer = client.post("/api/v1/waves", json={"site_id": "DAL", "limit": limit},
                         headers=auth(tokens["admin"]))
    assert refused_field(answer) == [("limit", "body")]


def test_a_number_is_no_boolean(client: TestClient, container: Container,
                                tokens: dict[str, str]) -> None:
    answer = client.put("/api/v1/customers/C9", json={"name": "Beta", "active": 1},
                        headers=auth(tokens["admin"]))
    assert refused_field(answer) == [("active", "body")]
    assert client.get("/api/v1/customers/C9/changes",
                      headers=auth(tokens["admin"])).json()["changes"] == []
