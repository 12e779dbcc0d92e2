"""Payments from the ERP: an invoiced order whose invoices are paid is closed and its value
leaves the customer's credit exposure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem
from tests.conftest import BACKENDS
from tests.worlds.journey import acknowledged, shipped, timeline
from tests.worlds.picking import World, status
from tests.worlds.shipping import invoices, send

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def exposure(world: World) -> Decimal:
    with world.container.deps.uow() as uow:
        return uow.credit.open_exposure("C1", lock=False)


def pay(world: World, invoice_id: str, order_id: str, amount: object, webhook: str,
        system: str = "erp") -> Any:
    return send(world, system, "payment_received",
                {"invoice_id": invoice_id, "order_id": order_id, "amount": amount}, webhook)


def test_an_order_paid_in_full_is_closed_and_leaves_the_exposure(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)  # 5 x 10.00, invoiced
    before = exposure(world)
    answer = pay(world, journey.invoice_id, journey.order_id, "50.00", "erp-pay-1")
    assert answer.status_code == 200, answer.text
    assert status(world, journey.order_id) == "closed"
    assert exposure(world) == before - Decimal("50")
    [paid] = timeline(world, journey.order_id, "PaymentReceived")
    assert (paid["amount"], paid["paid"]) == ("50.00", "50.00")


def test_partial_payments_add_up_before_the_order_closes(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    before = exposure(world)
    pay(world, journey.invoice_id, journey.order_id, "20", "erp-pay-1")
    assert status(world, journey.order_id) == "invoiced" and exposure(world) == before
    pay(world, journey.invoice_id, journey.order_id, "30.00", "erp-pay-2")
    assert status(world, journey.order_id) == "closed"
    [invoice] = invoices(world)
    assert invoice["paid"] == Decimal("50")


@pytest.mark.parametrize(("amount", "code", "words"), [
    ("0", 422, "amount must be positive"), ("ten", 422, "decimal number"),
    (None, 422, "decimal number")])
def test_a_wrong_amount_is_refused(make_world: Any, amount: object, code: int,
                                   words: str) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    answer = pay(world, journey.invoice_id, journey.order_id, amount, "erp-pay-bad")
    assert answer.status_code == code and words in answer.text, answer.text
    assert invoices(world)[0]["paid"] == Decimal("0")


def test_only_a_posted_invoice_is_paid_and_only_the_erp_says_so(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = shipped(world)  # issued, not booked by the ERP yet
    early = pay(world, journey.invoice_id, journey.order_id, "50.00", "erp-pay-1")
    assert early.status_code == 409 and "only a posted invoice" in early.text
    wms = pay(world, journey.invoice_id, journey.order_id, "50.00", "wms-pay", system="wms")
    assert wms.status_code == 409
    assert invoices(world)[0]["paid"] == Decimal("0")
    assert status(world, journey.order_id) == "shipped"


def test_a_simulated_erp_that_pays_reports_the_payment_after_the_booking(
    make_world: Any,
) -> None:
    erp = SimulatedSystem("erp", SimulationSettings(pays_invoices=True))
    erp.call("invoice_posting", {"invoice_id": "inv-1", "order_id": "ord-1", "total": "12.50"},
             "k-1")
    assert [(e["type"], e["data"]) for e in erp.take_events()] == [
        ("invoice_posted", {"invoice_id": "inv-1", "order_id": "ord-1", "erp_ref": "ERP-000001",
                            "total": "12.50"}),
        ("payment_received", {"invoice_id": "inv-1", "order_id": "ord-1", "amount": "12.50"})]
    with pytest.raises(ValueError, match="only the erp books payments"):
        SimulatedSystem("wms", SimulationSettings(pays_invoices=True))
