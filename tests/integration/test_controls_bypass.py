"""Controls that cannot be bypassed: an order without prices is valued at the contract price for
the credit check at intake and before a wave (no contract price: held with `MISSING_PRICE`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from shipshape.adapters.channels.canonical import CustomerIn, ItemIn, PriceIn
from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.services import masterdata as md
from shipshape.services.release import release_wave
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def unpriced(sku: str = "SKU1", quantity: int = 2, line_no: int = 1) -> dict[str, Any]:
    return {"line_no": line_no, "sku": sku, "quantity": quantity, "uom": "EA"}


def place(client: TestClient, token: str, n: int, *lines: dict[str, Any]) -> dict[str, Any]:
    answer = post_order(client, token, order(external_id=f"W-{n}", customer_po=f"PO-{n}",
                                             lines=list(lines)))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def blocking(body: dict[str, Any]) -> list[str]:
    return [f["code"] for f in body["findings"] if f["severity"] == "block"]


def exposure(container: Container) -> Decimal:
    with container.engine.connect() as conn:
        value = conn.execute(select(t.credit_exposure.c.open_value).where(
            t.credit_exposure.c.customer_id == "C1")).scalar()
    return Decimal(value or 0)


def test_an_unpriced_order_over_the_credit_limit_is_held(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container, credit_limit="100")
    body = place(client, tokens["integration"], 1, unpriced(quantity=20))
    assert (body["status"], blocking(body)) == ("held", ["CREDIT_LIMIT_EXCEEDED"])
    [finding] = body["findings"]
    assert Decimal(finding["details"]["order_value"]) == Decimal("200.00")
    assert exposure(container) == 0


def test_unpriced_lines_take_the_contract_price_so_exposure_adds_up_across_orders(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container, credit_limit="100")
    first = place(client, tokens["integration"], 1, unpriced(quantity=5))
    assert first["status"] == "accepted"
    detail = client.get(f"/api/v1/orders/{first['order_id']}",
                        headers=auth(tokens["viewer"])).json()
    assert Decimal(detail["lines"][0]["unit_price"]) == Decimal("10.00")
    assert Decimal(detail["value"]) == Decimal("50.00")
    assert exposure(container) == Decimal("50.00")

    second = place(client, tokens["integration"], 2, unpriced(quantity=6))
    assert (second["status"], blocking(second)) == ("held", ["CREDIT_LIMIT_EXCEEDED"])
    assert exposure(container) == Decimal("50.00")


def test_a_line_with_neither_price_nor_contract_price_is_held_with_missing_price(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    md.upsert(container.deps, [ItemIn(description="Visors", weight_kg="1").to_domain("SKU3")])
    md.receive(container.deps, [md.StockMovement("DAL", "SKU3", 100)])
    body = place(client, tokens["integration"], 1, unpriced("SKU1", 2, 1), unpriced("SKU3", 4, 2))
    assert (body["status"], blocking(body)) == ("held", ["MISSING_PRICE"])
    [finding] = body["findings"]
    assert (finding["kind"], finding["owner_team"], finding["line_nos"]) == (
        "business", "customer_service", [2])
    assert "SKU3" in finding["message"]
    assert len(body["cases"]) == 1

    priced = place(client, tokens["integration"], 2,
                   {**unpriced("SKU3", 4), "unit_price": "3.00"})
    assert priced["status"] == "accepted"


def make_unpriced_in_store(container: Container, order_id: str, value: Decimal) -> None:
    """An order stored before unpriced lines were priced at intake: no price, no value, and
    nothing counted towards exposure."""
    with container.engine.begin() as conn:
        conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order_id)
                     .values(unit_price=None))
        conn.execute(update(t.orders).where(t.orders.c.id == order_id).values(value=0))
        conn.execute(update(t.credit_exposure).where(t.credit_exposure.c.customer_id == "C1")
                     .values(open_value=t.credit_exposure.c.open_value - value))


def test_the_prewave_check_values_unpriced_lines_at_the_contract_price(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container, credit_limit="1000")
    body = place(client, tokens["integration"], 1, unpriced(quantity=20))
    assert body["status"] == "accepted"
    make_unpriced_in_store(container, body["order_id"], Decimal("200.00"))
    md.upsert(container.deps, [CustomerIn(name="Acme", credit_limit="100",
                                          preferred_site="DAL").to_domain("C1")])

    wave = release_wave(container.deps, "DAL")

    assert [(p.order_id, p.codes) for p in wave.pulled] == [
        (body["order_id"], ("CREDIT_LIMIT_EXCEEDED",))]
    assert wave.released == ()


def test_the_prewave_check_holds_an_unpriced_line_without_contract_price(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    body = place(client, tokens["integration"], 1, unpriced(quantity=2))
    make_unpriced_in_store(container, body["order_id"], Decimal("20.00"))
    with container.engine.begin() as conn:
        conn.execute(delete(t.prices).where(t.prices.c.sku == "SKU1"))

    wave = release_wave(container.deps, "DAL")

    assert [(p.order_id, p.codes) for p in wave.pulled] == [(body["order_id"], ("MISSING_PRICE",))]


def test_an_unpriced_order_worth_more_than_the_store_keeps_is_refused(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed_distributor(container)
    md.upsert(container.deps, [PriceIn(unit_price="999999999").to_domain("C1", "SKU1")])
    answer = post_order(client, tokens["integration"], order(lines=[unpriced(quantity=10_000)]))
    assert answer.status_code == 422, answer.text
    assert "contract prices" in answer.json()["detail"]
    assert exposure(container) == 0
    with container.engine.connect() as conn:
        assert conn.execute(select(t.orders.c.id)).first() is None
