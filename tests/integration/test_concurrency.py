"""Concurrent intake on SQLite and on PostgreSQL: no overselling, no double orders."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db.queries import list_orders, stock_of
from shipshape.bootstrap import Container
from shipshape.domain.orders import OrderDraft
from shipshape.services.intake import IntakeResult, SubmitOrder, submit_order
from shipshape.services.outcomes import Outcome
from tests.builders import order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

CHANNELS = ["web", "edi", "field_sales", "api"]


def draft(**overrides: Any) -> OrderDraft:
    return OrderIn.model_validate(order(**overrides)).to_domain()


def one_unit(n: int) -> OrderDraft:
    return draft(external_id=f"W-{n}", customer_po=f"PO-{n}",
                 lines=[{"line_no": 1, "sku": "SKU1", "quantity": 1, "unit_price": "10.00"}])


Intake = Callable[[SubmitOrder], IntakeResult]


@pytest.fixture(params=["alone", "together"])
def intake(request: pytest.FixtureRequest, container: Container) -> Intake:
    """Each order in its own transaction (`submit_order`), or orders that arrive together
    committed together (the API's group commit): the guarantees are the same."""
    if request.param == "alone":
        return lambda command: submit_order(container.deps, command)
    return lambda command: asyncio.run(container.order_intake.submit(command))


def submit_all(intake: Intake, commands: list[SubmitOrder]) -> list[IntakeResult]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(intake, c) for c in commands]
        return [f.result() for f in futures]


def blocking_codes(result: IntakeResult) -> list[str]:
    findings: Any = result.body["findings"]
    return [f["code"] for f in findings if f["severity"] == "block"]


def test_concurrent_orders_never_reserve_more_than_on_hand(
    container: Container, intake: Intake,
) -> None:
    seed_distributor(container, stock={("DAL", "SKU1"): 10})
    results = submit_all(intake, [SubmitOrder(one_unit(n)) for n in range(50)])
    accepted = [r for r in results if r.status == "accepted"]
    held = [r for r in results if r.status == "held"]
    assert (len(accepted), len(held)) == (10, 40)
    assert all(blocking_codes(r) == ["PARTIAL_AVAILABILITY"] for r in held)
    assert all(r.body["reservations"] == [] for r in held)
    assert stock_of(container.engine, "SKU1") == [
        {"site_id": "DAL", "sku": "SKU1", "on_hand": 10, "reserved": 10, "available": 0,
         "quarantined": 0, "scrapped": 0}]
    assert list_orders(container.engine, limit=1000).total == 50


def test_concurrent_first_orders_all_count_towards_credit_exposure(
    container: Container, intake: Intake,
) -> None:
    seed_distributor(container)
    prices = {"SKU1": "10.00", "SKU2": "5.00"}
    commands = [SubmitOrder(draft(external_id=f"W-{n}", customer_po=f"PO-{n}", lines=[
        {"line_no": 1, "sku": sku, "quantity": 1, "unit_price": prices[sku]}]))
        for n, sku in enumerate(["SKU1", "SKU2"] * 4)]
    results = submit_all(intake, commands)
    assert all(r.status == "accepted" for r in results)
    with container.deps.uow() as uow:
        exposure = uow.credit.open_exposure("C1", lock=False)
    assert exposure == sum(c.draft.value for c in commands)


def test_same_po_from_many_channels_at_once_creates_one_order(
    container: Container, intake: Intake,
) -> None:
    seed_distributor(container)
    commands = [SubmitOrder(draft(channel=CHANNELS[n % len(CHANNELS)], external_id=f"X-{n}"))
                for n in range(10)]
    results = submit_all(intake, commands)
    created = [r for r in results if r.outcome is Outcome.CREATED]
    duplicates = [r for r in results if r.status == "duplicate"]
    assert (len(created), len(duplicates)) == (1, 9)
    assert created[0].status == "accepted"
    assert {r.body["duplicate_of"] for r in duplicates} == {created[0].body["order_id"]}
    assert list_orders(container.engine, customer_po="PO-1").total == 1
    assert stock_of(container.engine, "SKU1")[0]["reserved"] == 2


def test_same_idempotency_key_at_once_creates_one_order_with_one_answer(
    container: Container, intake: Intake,
) -> None:
    seed_distributor(container)
    command = SubmitOrder(draft(), idempotency_key="key-1")
    results = submit_all(intake, [command] * 10)
    answers = {(r.outcome, repr(r.body)) for r in results}
    assert len(answers) == 1
    assert results[0].status == "accepted"
    assert sum(not r.replayed for r in results) == 1
    assert list_orders(container.engine).total == 1
    assert stock_of(container.engine, "SKU1")[0]["reserved"] == 2


def test_same_idempotency_key_without_po_at_once_creates_one_order(
    container: Container, intake: Intake,
) -> None:
    seed_distributor(container)
    command = SubmitOrder(draft(customer_po=None), idempotency_key="key-2")
    results = submit_all(intake, [command] * 10)
    assert len({(r.outcome, repr(r.body)) for r in results}) == 1
    assert list_orders(container.engine).total == 1
    assert stock_of(container.engine, "SKU1")[0]["reserved"] == 2
