"""Shipment confirmations from the WMS and the invoices they produce: stock leaves, the invoice is
issued at the contract price, posted to the ERP and acknowledged (or refused) by it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.domain.orders import OrderStatus
from tests.conftest import BACKENDS
from tests.worlds.picking import World, line, pick, released_order, status
from tests.worlds.shipping import erp, invoices, post_invoice, send, shipment, tendered_order

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def movements(world: World) -> list[tuple[str, str, int, str | None]]:
    c = t.stock_movements.c
    with world.container.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(c.kind, c.site, c.quantity, c.reason).where(c.kind == "shipment")).all()]


def test_a_shipment_consumes_the_reservation_and_issues_the_invoice(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = tendered_order(world, [{**line(1, 10), "unit_price": "10.10"}, line(2, 4, "SKU2")],
                              [{"line_no": 1, "quantity": 10, "lot": "L1"},
                               {"line_no": 2, "quantity": 4}])
    answer = send(world, "wms", "shipment_confirmed",
                  shipment(order_id, {"line_no": 1, "quantity": 10, "lot": "L1"},
                           {"line_no": 2, "quantity": 4}), "wms-ship")
    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied"), answer.text
    assert status(world, order_id) == "shipped"
    assert world.stock("SKU1") == {"DAL": (90, 0)}
    assert world.stock("SKU2") == {"DAL": (96, 0)}
    assert sorted(movements(world)) == [("shipment", "DAL", -10, "SHP-1"),
                                        ("shipment", "DAL", -4, "SHP-1")]
    [shipped] = world.events(order_id, "ShipmentConfirmed")
    [tendered] = world.events(order_id, "CarrierTendered")
    assert (shipped["carrier_service"], shipped["tracking_number"]) == (
        tendered["carrier_service"], tendered["tracking_number"])
    [invoice] = invoices(world)
    # the contract price (10.00), not the order's 10.10
    assert invoice["lines"] == [(1, "SKU1", 10, Decimal("10.00")),
                                (2, "SKU2", 4, Decimal("5.00"))]
    assert (invoice["total"], invoice["status"], invoice["shipment_id"]) == (
        Decimal("120.00"), "issued", "SHP-1")
    [issued] = world.events(order_id, "InvoiceIssued")
    assert (issued["invoice_id"], issued["total"]) == (invoice["id"], "120.00")


def test_freight_and_tax_are_billed_as_configured(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    deps = world.container.deps
    object.__setattr__(deps, "billing", type(deps.billing)(Decimal("12.50"), Decimal("0.08")))
    order_id = tendered_order(world, [line(1, 3)], [{"line_no": 1, "quantity": 3}])
    send(world, "wms", "shipment_confirmed", shipment(order_id, {"line_no": 1, "quantity": 3}),
         "wms-ship")
    [invoice] = invoices(world)
    assert (invoice["subtotal"], invoice["freight"], invoice["tax"], invoice["total"]) == (
        Decimal("30.00"), Decimal("12.50"), Decimal("2.40"), Decimal("44.90"))


def test_units_picked_but_not_shipped_go_back_to_free_stock(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 10)], [{"line_no": 1, "quantity": 10}])
    send(world, "wms", "shipment_confirmed", shipment(order_id, {"line_no": 1, "quantity": 8}),
         "wms-ship")
    assert world.stock() == {"DAL": (92, 0)}
    [case] = world.cases("SHORT_SHIPMENT")
    assert (case["blocking"], case["owner_team"], case["site_id"]) == (False, "warehouse", "DAL")
    [invoice] = invoices(world)
    assert invoice["lines"] == [(1, "SKU1", 8, Decimal("10.00"))]
    assert status(world, order_id) == "shipped"


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"lines": [{"line_no": 1, "quantity": 11}]}, 422, "it picked 10"),
    ({"site": "ATL"}, 422, "ATL picked nothing"),
    ({"order_id": "ord-nope"}, 422, "there is no order"),
    ({"lines": [{"line_no": 1, "quantity": -1}]}, 422, "quantity must be a whole number"),
    ({"ship_date": "27/11/2026"}, 422, "ship_date must be a date"),
])
def test_a_wrong_shipment_is_refused_and_changes_nothing(
    make_world: Any, change: dict[str, Any], code: int, words: str,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 10)], [{"line_no": 1, "quantity": 10}])
    data = {**shipment(order_id, {"line_no": 1, "quantity": 10}), **change}
    answer = send(world, "wms", "shipment_confirmed", data, "wms-bad")
    assert answer.status_code == code and words in answer.text, answer.text
    assert world.stock() == {"DAL": (100, 10)}
    assert (invoices(world), world.count(t.shipments)) == ([], 0)
    assert status(world, order_id) == "picked"


def test_a_site_ships_an_order_once(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 10)], [{"line_no": 1, "quantity": 10}])
    send(world, "wms", "shipment_confirmed", shipment(order_id, {"line_no": 1, "quantity": 10}),
         "wms-ship")
    again = send(world, "wms", "shipment_confirmed",
                 shipment(order_id, {"line_no": 1, "quantity": 10}, shipment_id="SHP-2"),
                 "wms-ship-2")
    assert again.status_code == 409, again.text
    assert len(invoices(world)) == 1 and world.stock() == {"DAL": (90, 0)}


def test_an_untendered_or_cancelled_order_does_not_ship(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = released_order(world, [line(1, 10)])
    send(world, "wms", "pick_confirmed", pick(order_id, "DAL", {"line_no": 1, "quantity": 10}),
         "wms-pick")
    untendered = send(world, "wms", "shipment_confirmed",
                      shipment(order_id, {"line_no": 1, "quantity": 10}), "wms-ship")
    assert untendered.status_code == 409 and "no accepted carrier tender" in untendered.text
    with world.container.deps.uow() as uow:
        uow.orders.set_status(order_id, OrderStatus.CANCELLED, world.clock[0])
        uow.commit()
    cancelled = send(world, "wms", "shipment_confirmed",
                     shipment(order_id, {"line_no": 1, "quantity": 10}), "wms-ship-2")
    assert cancelled.status_code == 409 and "is cancelled" in cancelled.text
    assert world.stock() == {"DAL": (100, 10)}
    assert (invoices(world), world.count(t.shipments)) == ([], 0)


def test_a_held_order_the_wms_ships_anyway_is_recorded_and_never_silent(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 10)], [{"line_no": 1, "quantity": 10}])
    with world.container.deps.uow() as uow:  # a credit hold after release held it
        uow.orders.set_status(order_id, OrderStatus.HELD, world.clock[0])
        uow.commit()
    answer = send(world, "wms", "shipment_confirmed",
                  shipment(order_id, {"line_no": 1, "quantity": 10}), "wms-ship")
    assert answer.status_code == 200, answer.text
    assert world.stock() == {"DAL": (90, 0)}  # the goods left: the ledger says so
    [case] = world.cases("SHIPPED_WHILE_HELD")
    assert (case["blocking"], case["owner_team"], case["stage"], case["order_id"]) == (
        True, "credit", "ship", order_id)
    assert [i["status"] for i in invoices(world)] == ["issued"]
    assert status(world, order_id) == "held"


def test_the_erp_acknowledgement_marks_the_invoice_posted_and_the_order_invoiced(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 5)], [{"line_no": 1, "quantity": 5}])
    send(world, "wms", "shipment_confirmed", shipment(order_id, {"line_no": 1, "quantity": 5}),
         "wms-ship")
    assert post_invoice(world, order_id)
    assert not post_invoice(world, order_id)
    [invoice] = invoices(world)
    [(operation, payload)] = erp(world).applied.values()
    assert (operation, payload["invoice_id"], payload["total"]) == (
        "invoice_posting", invoice["id"], "50.00")
    answer = send(world, "erp", "invoice_posted", {"invoice_id": invoice["id"],
                                                   "order_id": order_id, "erp_ref": "ERP-9",
                                                   "total": "50.00"}, "erp-ack")
    assert answer.status_code == 200, answer.text
    [invoice] = invoices(world)
    assert (invoice["status"], invoice["erp_ref"]) == ("posted", "ERP-9")
    assert status(world, order_id) == "invoiced"


def test_a_posting_the_erp_refuses_opens_invoice_post_failed(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 5)], [{"line_no": 1, "quantity": 5}])
    send(world, "wms", "shipment_confirmed", shipment(order_id, {"line_no": 1, "quantity": 5}),
         "wms-ship")
    erp(world).reject_next(1, "customer account closed in the ERP")
    assert post_invoice(world, order_id)
    [invoice] = invoices(world)
    assert (invoice["status"], invoice["reason"]) == (
        "rejected", "customer account closed in the ERP")
    [case] = world.cases("INVOICE_POST_FAILED")
    assert (case["stage"], case["owner_team"], case["blocking"], case["order_id"],
            case["details"]["invoice_id"]) == ("invoice", "finance", True, order_id,
                                               invoice["id"])
    assert status(world, order_id) == "shipped"
    # a later acknowledgement (the ERP booked it after all) resolves the case
    send(world, "erp", "invoice_posted", {"invoice_id": invoice["id"], "order_id": order_id,
                                          "erp_ref": "ERP-1"}, "erp-ack")
    assert world.get("/exceptions?code=INVOICE_POST_FAILED&status=auto_resolved")["total"] == 1
    assert status(world, order_id) == "invoiced"


def test_an_asynchronous_rejection_opens_invoice_post_failed(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 5)], [{"line_no": 1, "quantity": 5}])
    send(world, "wms", "shipment_confirmed", shipment(order_id, {"line_no": 1, "quantity": 5}),
         "wms-ship")
    [invoice] = invoices(world)
    answer = send(world, "erp", "invoice_rejected", {"invoice_id": invoice["id"],
                                                     "order_id": order_id,
                                                     "reason": "tax code missing"}, "erp-nak")
    assert answer.status_code == 200, answer.text
    [case] = world.cases("INVOICE_POST_FAILED")
    assert "tax code missing" in case["message"]
    [rejected] = world.events(order_id, "InvoiceRejected")
    assert rejected["case_id"] == case["case_id"]
    unknown = send(world, "erp", "invoice_posted", {"invoice_id": "inv-nope",
                                                    "order_id": order_id}, "erp-x")
    assert unknown.status_code == 422 and "no invoice" in unknown.text


def test_the_wms_may_not_acknowledge_invoices(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 5)], [{"line_no": 1, "quantity": 5}])
    send(world, "wms", "shipment_confirmed", shipment(order_id, {"line_no": 1, "quantity": 5}),
         "wms-ship")
    [invoice] = invoices(world)
    answer = send(world, "wms", "invoice_posted", {"invoice_id": invoice["id"],
                                                   "order_id": order_id}, "wms-ack")
    assert answer.status_code == 409
    assert invoices(world)[0]["status"] == "issued"
