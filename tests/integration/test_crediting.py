"""Crediting an invoice: a credit note cancels it, the shipment is invoiced again at today's
contract price, finance is told, and the store stays consistent and reconciled."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from shipshape.adapters.channels.canonical import PriceIn
from shipshape.cli import app
from shipshape.domain.catalogue import CreditNoteIssued
from shipshape.services import masterdata as md
from shipshape.services.consistency import check_consistency
from shipshape.services.crediting import FINANCE_CREDIT_NOTE, crediting_handlers
from shipshape.services.delivery.consume import apply_once
from shipshape.services.delivery.relay import EVENT_TYPE_HEADER
from shipshape.services.ports.messaging import Message
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.worlds.journey import acknowledged, run, shipped, timeline
from tests.worlds.picking import World, status
from tests.worlds.shipping import invoices, send

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def credit(world: World, invoice_id: str, token: str | None = None,
           reason: str = "price corrected") -> Any:
    return world.client.post(f"/api/v1/invoices/{invoice_id}/credit", json={"reason": reason},
                             headers=auth(token or world.token))


def test_a_credited_invoice_is_billed_again_at_todays_contract_price(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    md.upsert(world.container.deps,
              [PriceIn(unit_price="9.00", tolerance_pct="2").to_domain("C1", "SKU1")])

    answer = credit(world, journey.invoice_id)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    by_id = {i["id"]: i for i in invoices(world)}
    original, note = by_id[journey.invoice_id], by_id[body["credit_note_id"]]
    again = by_id[body["reissued_invoice_id"]]
    assert (original["status"], original["reason"]) == ("credited", "price corrected")
    assert (note["kind"], note["credits"], note["total"], note["lines"]) == (
        "credit_note", journey.invoice_id, original["total"], original["lines"])
    assert (again["kind"], again["status"], again["shipment_id"], again["total"]) == (
        "invoice", "issued", original["shipment_id"], Decimal("45.00"))
    assert again["lines"] == [(1, "SKU1", 5, Decimal("9.00"))]
    [issued] = timeline(world, journey.order_id, CreditNoteIssued.TYPE)
    assert (issued["credits"], issued["reason"], issued["total"]) == (
        journey.invoice_id, "price corrected", "50.00")
    assert check_consistency(world.container.deps) == []
    assert [f.code for f in run(world).findings] == []


def test_the_credit_note_goes_to_finance_once(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    note_id = credit(world, journey.invoice_id).json()["credit_note_id"]
    [body] = timeline(world, journey.order_id, CreditNoteIssued.TYPE)
    message = Message("evt-credit-1", f"shipshape.{CreditNoteIssued.TYPE}.{journey.order_id}",
                      journey.order_id, json.dumps(body).encode(),
                      {EVENT_TYPE_HEADER: CreditNoteIssued.TYPE})
    deps, connectors = world.container.deps, world.container.connectors
    handler = crediting_handlers(deps, connectors)[FINANCE_CREDIT_NOTE]
    assert apply_once(deps, FINANCE_CREDIT_NOTE, handler, message)
    assert not apply_once(deps, FINANCE_CREDIT_NOTE, handler, message)
    finance = connectors.simulated("finance")
    assert finance is not None
    [(operation, payload)] = finance.applied.values()
    assert (operation, payload["body"]["credit_note_id"]) == ("credit_note", note_id)


def test_what_cannot_be_credited_is_refused_and_changes_nothing(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    assert credit(world, "inv-nope").status_code == 404
    assert credit(world, journey.invoice_id, reason=" ").status_code == 422
    note_id = credit(world, journey.invoice_id).json()["credit_note_id"]
    before = invoices(world)
    again = credit(world, journey.invoice_id)
    assert again.status_code == 409 and "credited before" in again.text
    of_note = credit(world, note_id)
    assert of_note.status_code == 409 and "credit note" in of_note.text
    assert invoices(world) == before


def test_only_admins_and_agents_credit_and_anyone_reads(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    viewer = world.container.tokens.create("v", "viewer", datetime.now(UTC))
    agent = world.container.tokens.create("a", "agent", datetime.now(UTC))
    assert credit(world, journey.invoice_id, viewer).status_code == 403
    assert credit(world, journey.invoice_id, agent).status_code == 200
    listed = world.client.get("/api/v1/invoices?status=credited", headers=auth(viewer)).json()
    assert [i["invoice_id"] for i in listed["invoices"]] == [journey.invoice_id]
    detail = world.client.get(f"/api/v1/orders/{journey.order_id}", headers=auth(viewer)).json()
    assert sorted(i["kind"] for i in detail["invoices"]) == [
        "credit_note", "invoice", "invoice"]


def test_the_command_line_credits_and_lists(make_world: Any, database_url: str) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    runner = CliRunner()
    env = {"SHIPSHAPE_DATABASE_URL": database_url, "COLUMNS": "200"}
    done = runner.invoke(app, ["invoices", "credit", journey.invoice_id, "--reason", "dented"],
                         env=env)
    assert done.exit_code == 0 and f"invoice {journey.invoice_id} credited" in done.output
    listed = runner.invoke(app, ["invoices", "list", "--status", "credited"], env=env)
    assert listed.exit_code == 0 and journey.invoice_id in listed.output, listed.output
    assert "dented" in listed.output
    again = runner.invoke(app, ["invoices", "credit", journey.invoice_id, "--reason", "x"],
                          env=env)
    assert again.exit_code != 0 and "credited before" in str(again.exception)


def test_a_late_answer_of_the_erp_leaves_a_credited_invoice_credited(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = shipped(world)  # issued, not yet answered by the ERP
    body = credit(world, journey.invoice_id).json()
    for kind, data, webhook in (
            ("invoice_posted", {"erp_ref": "ERP-7", "total": "50.00"}, "erp-late-1"),
            ("invoice_rejected", {"reason": "duplicate"}, "erp-late-2")):
        answer = send(world, "erp", kind, {"invoice_id": journey.invoice_id,
                                           "order_id": journey.order_id, **data}, webhook)
        assert answer.status_code == 200, answer.text
    by_id = {i["id"]: i["status"] for i in invoices(world)}
    assert by_id[journey.invoice_id] == "credited"
    assert world.cases("INVOICE_POST_FAILED") == []
    # the corrected invoice, once booked, makes the shipped order invoiced
    assert status(world, journey.order_id) == "shipped"
    send(world, "erp", "invoice_posted", {"invoice_id": body["reissued_invoice_id"],
                                          "order_id": journey.order_id, "erp_ref": "ERP-8",
                                          "total": "50.00"}, "erp-ack-2")
    assert status(world, journey.order_id) == "invoiced"


# After a partial credit (a return's, a delivery `credit` from the desk) the invoice is credited
# in full and billed again: the partial credit note stands beside the mirror and the new invoice,
# so the customer is billed once, less the partial credit.


def net_billed(world: World) -> Decimal:
    """Every invoice ever issued (credited ones too), less every credit note."""
    return sum((i["total"] if i["kind"] == "invoice" else -i["total"]
                for i in invoices(world)), Decimal("0"))


def returned_and_credited(world: World, order_id: str, units: int) -> None:
    asked = world.client.post(f"/api/v1/orders/{order_id}/returns", headers=auth(world.token),
                              json={"reason": "DAMAGED", "lines": [{"line_no": 1,
                                                                     "quantity": units}]})
    assert asked.status_code == 201, asked.text
    received = send(world, "wms", "return_received", {
        "return_id": asked.json()["return_id"], "order_id": order_id,
        "lines": [{"line_no": 1, "good": units, "damaged": 0, "scrapped": 0}]}, "wms-rma")
    assert received.status_code == 200, received.text


def damaged_and_credited(world: World, units: int) -> None:
    for kind, data, webhook in (
            ("shipment_delivered", {}, "tms-1"),
            ("delivery_discrepancy", {"lines": [{"line_no": 1, "damaged": units}]}, "tms-2")):
        assert send(world, "tms", kind, {"shipment_id": "SHP-1", **data},
                    webhook).status_code == 200
    [case] = world.cases("DAMAGED_ON_DELIVERY")
    answer = world.client.post(f"/api/v1/exceptions/{case['case_id']}/actions",
                               json={"action": "credit", "reason_code": "CARRIER_DAMAGE"},
                               headers=auth(world.token))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("partial", ["return", "delivery"])
def test_an_invoice_credited_after_a_partial_credit_bills_the_customer_once(
        make_world: Any, partial: str) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)  # 5 units at 10.00
    if partial == "return":
        returned_and_credited(world, journey.order_id, 2)
    else:
        damaged_and_credited(world, 2)
    assert net_billed(world) == Decimal("30.00")

    answer = credit(world, journey.invoice_id)

    assert answer.status_code == 200, answer.text
    by_id = {i["id"]: i for i in invoices(world)}
    assert by_id[answer.json()["credit_note_id"]]["total"] == Decimal("50.00")
    assert by_id[answer.json()["reissued_invoice_id"]]["total"] == Decimal("50.00")
    # invoiced 50 + 50, credited 20 + 50: the 3 units kept, once
    assert net_billed(world) == Decimal("30.00")
    assert check_consistency(world.container.deps) == []
