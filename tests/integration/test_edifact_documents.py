"""EDIFACT out on SQLite: a partner that trades by EDIFACT gets a DESADV for its shipment, an
INVOIC for its invoice and, when its profile asks, an ORDRSP for each ORDERS; numbered from its
counter, checked against the D.96A structures, and bad master data opens a case."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from shipshape.adapters.channels.edifact import parse_interchange
from shipshape.adapters.channels.edifact.documents import EdifactDocumentWriter
from shipshape.adapters.channels.edifact.intake import read_edifact
from shipshape.adapters.channels.edifact.model import EdifactSegment
from shipshape.adapters.channels.edifact.structure import check_interchange
from shipshape.adapters.channels.x12.documents import X12DocumentWriter
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_document_store import SqlEdiDocumentSource
from shipshape.domain.partners import TradingPartner
from shipshape.domain.shipping import sscc_is_valid
from shipshape.services import edi_intake as edi
from shipshape.services.delivery.consume import apply_once
from shipshape.services.edi_outbound import EDI_DOCUMENTS, SsccScheme, edi_document_handlers
from tests.worlds.picking import World, line
from tests.worlds.shipping import message_of, send, shipment, tendered_order

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PARTNER = TradingPartner(id="HOFFMANN", customer_id="C1", edifact_id="4012345000009:14",
                         acknowledgements=frozenset({"CONTRL", "ORDRSP"}))
STOCK = {("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100}


def deliver(world: World, order_id: str, kind: str) -> bool:
    c = world.container
    handlers = edi_document_handlers(
        c.deps, X12DocumentWriter(c.edi_identity), SqlEdiDocumentSource(c.engine),
        SsccScheme(c.settings.edi_gs1_company_prefix, c.settings.edi_sscc_extension),
        EdifactDocumentWriter(c.edi_identity))
    return bool(apply_once(c.deps, EDI_DOCUMENTS, handlers[EDI_DOCUMENTS],
                           message_of(world, order_id, kind)))


def shipped_order(world: World) -> str:
    """An order of C1 (10 x SKU1, 4 x SKU2) shipped whole from DAL, C1 trading by EDIFACT."""
    edi.upsert_partners(world.container.deps, [PARTNER])
    order_id = tendered_order(world, [line(1, 10), line(2, 4, "SKU2")],
                              [{"line_no": 1, "quantity": 10}, {"line_no": 2, "quantity": 4}])
    answer = send(world, "wms", "shipment_confirmed",
                  shipment(order_id, {"line_no": 1, "quantity": 10},
                           {"line_no": 2, "quantity": 4}), "wms-ship")
    assert answer.status_code == 200, answer.text
    return order_id


def documents(world: World) -> list[dict[str, Any]]:
    d = t.edi_documents.c
    with world.container.engine.connect() as conn:
        return [dict(row) for row in conn.execute(
            select(t.edi_documents).where(d.direction == "out").order_by(d.id)).mappings()]


def segments(text: str) -> list[EdifactSegment]:
    assert check_interchange(text) == []
    [message] = parse_interchange(text).messages
    return list(message.segments)


def find(found: list[EdifactSegment], tag: str, first: str | None = None
         ) -> list[EdifactSegment]:
    return [s for s in found if s.tag == tag and (first is None or s.value(1) == first)]


def test_a_shipment_sends_a_desadv_with_its_sscc(make_world: Any) -> None:
    world = make_world(STOCK)
    order_id = shipped_order(world)
    assert deliver(world, order_id, "ShipmentConfirmed")
    [document] = documents(world)
    assert (document["partner_id"], document["doc_type"]) == ("HOFFMANN", "DESADV")
    body = segments(document["content"])
    assert parse_interchange(document["content"]).control_reference == document[
        "control_number"]
    [gin] = find(body, "GIN", "BJ")
    [sent] = world.events(order_id, "AsnSent")
    assert sscc_is_valid(gin.value(2)) and sent["sscc"] == gin.value(2)
    assert (sent["document"], sent["control_number"]) == ("DESADV", document["control_number"])
    assert find(body, "RFF", "ON")[0].value(1, 2) == "PO-1"
    assert [s.value(1, 2) for s in find(body, "QTY")] == ["10", "4"]
    assert world.events(order_id, "EdiDocumentNotSent") == []


def test_an_invoice_sends_an_invoic_whose_totals_match(make_world: Any) -> None:
    world = make_world(STOCK)
    order_id = shipped_order(world)
    assert deliver(world, order_id, "InvoiceIssued")
    [document] = documents(world)
    assert document["doc_type"] == "INVOIC"
    body = segments(document["content"])
    [issued] = world.events(order_id, "InvoiceIssued")
    moa = {s.value(1): Decimal(s.value(1, 2)) for s in find(body, "MOA")
           if s.value(1) != "203"}
    assert moa["77"] == Decimal(issued["total"])
    lines = [Decimal(s.value(1, 2)) for s in find(body, "MOA", "203")]
    assert sum(lines) == moa["79"]
    assert moa["77"] == moa["79"] + moa["176"] + moa.get("8", Decimal("0"))
    assert find(body, "BGM")[0].value(2) == issued["invoice_id"]
    [sent] = world.events(order_id, "EdiInvoiceSent")
    assert (sent["document"], sent["invoice_id"]) == ("INVOIC", issued["invoice_id"])


def test_two_documents_for_a_partner_have_consecutive_references(make_world: Any) -> None:
    world = make_world(STOCK)
    order_id = shipped_order(world)
    assert deliver(world, order_id, "ShipmentConfirmed")
    assert deliver(world, order_id, "InvoiceIssued")
    assert not deliver(world, order_id, "InvoiceIssued")  # redelivered: nothing twice
    references = [(parse_interchange(d["content"]).control_reference,
                   parse_interchange(d["content"]).messages[0].reference)
                  for d in documents(world)]
    first = int(references[0][0])
    assert references == [(str(first), str(first)), (str(first + 1), str(first + 1))]


def test_bad_master_data_opens_a_case_and_uses_no_reference(make_world: Any) -> None:
    world = make_world(STOCK)
    order_id = shipped_order(world)
    with world.container.engine.begin() as conn:
        conn.execute(update(t.orders).where(t.orders.c.id == order_id).values(customer_po=None))
    assert deliver(world, order_id, "ShipmentConfirmed")
    assert documents(world) == []
    [failed] = world.events(order_id, "EdiDocumentFailed")
    assert (failed["document"], failed["partner"]) == ("DESADV", "HOFFMANN")
    assert "no customer PO" in failed["reason"]
    [case] = world.cases("EDI_DOCUMENT_FAILED")
    assert case["case_id"] == failed["case_id"]
    assert deliver(world, order_id, "InvoiceIssued")  # an INVOIC may go without a PO
    [document] = documents(world)
    assert document["doc_type"] == "INVOIC" and document["control_number"] == "1"


ORDERS = ("UNA:+.? 'UNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+ICR0077'"
          "UNH+M1+ORDERS:D:96A:UN'BGM+220+PO-9001+9'DTM+137:20261120:102'DTM+2:20261220:102'"
          "NAD+DP+++Hoffmann Lager+Industriestrasse 12+Hamburg++22113+DE'"
          "LIN+1++SKU1:SA'QTY+21:10:EA'LIN+2++SKU2:SA'QTY+21:30:EA'UNS+S'UNT+11+M1'"
          "UNZ+1+ICR0077'")


def test_an_orders_with_a_short_line_is_answered_by_an_ordrsp_per_line(make_world: Any
                                                                        ) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 12})
    deps = world.container.deps
    edi.upsert_partners(deps, [PARTNER])
    [handler] = read_edifact(ORDERS.encode(), world.container.edi_identity, deps.clock.now())
    outcome = edi.receive_interchange(deps, handler)
    kinds = [a.doc_type for a in outcome.acknowledgements]
    assert kinds == ["CONTRL", "ORDRSP"]
    contrl, ordrsp = outcome.acknowledgements
    assert int(ordrsp.control_number) == int(contrl.control_number) + 1
    body = segments(ordrsp.text)
    assert find(body, "BGM")[0].value(3) == "4"  # changed: a line is short
    assert [(s.value(1), s.value(2)) for s in find(body, "LIN")] == [("1", "5"), ("2", "3")]
    quantities = [s.composite(1)[:2] for s in find(body, "QTY")]
    assert quantities == [("21", "10"), ("113", "10"), ("21", "30"), ("113", "12"),
                          ("83", "18")]
    assert find(body, "RFF", "ON")[0].value(1, 2) == "PO-9001"
    assert find(body, "RFF", "ACW")[0].value(1, 2) == "M1"
    stored = [d for d in documents(world) if d["doc_type"] == "ORDRSP"]
    assert [d["content"] for d in stored] == [ordrsp.text]


def test_a_partner_that_does_not_ask_gets_no_ordrsp(make_world: Any) -> None:
    world = make_world(STOCK)
    deps = world.container.deps
    edi.upsert_partners(deps, [TradingPartner(id="HOFFMANN", customer_id="C1",
                                              edifact_id="4012345000009:14")])
    [handler] = read_edifact(ORDERS.encode(), world.container.edi_identity, deps.clock.now())
    outcome = edi.receive_interchange(deps, handler)
    assert "ORDRSP" not in [a.doc_type for a in outcome.acknowledgements]
