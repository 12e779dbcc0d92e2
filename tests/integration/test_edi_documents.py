"""The 856 and the 810 sent to EDI customers: built from the stored shipment and invoice, read
back with our own X12 reader, numbered, sent once, and never a stuck consumer on bad data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from shipshape.adapters.channels import x12
from shipshape.adapters.channels.x12.documents import X12DocumentWriter
from shipshape.adapters.channels.x12.model import Segment
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_document_store import SqlEdiDocumentSource
from shipshape.domain.partners import TradingPartner
from shipshape.domain.shipping import sscc_is_valid
from shipshape.services import edi_intake as edi
from shipshape.services.delivery.consume import apply_once
from shipshape.services.edi_outbound import (
    EDI_DOCUMENTS,
    SsccScheme,
    edi_document_handlers,
)
from shipshape.services.ports.messaging import Message
from tests.conftest import BACKENDS
from tests.worlds.picking import World, line
from tests.worlds.shipping import message_of, send, shipment, tendered_order

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
X12_PARTNER = TradingPartner(id="ACME-EDI", customer_id="C1", isa_qualifier="ZZ",
                             isa_id="ACMEEDI", gs_code="ACMEGS")
EDIFACT_PARTNER = TradingPartner(id="ACME-EDIFACT", customer_id="C1", isa_id="",
                                 edifact_id="4012345000009")
DOCUMENT_EVENTS = ("AsnSent", "EdiInvoiceSent", "EdiDocumentNotSent", "EdiDocumentFailed")


def deliver(world: World, order_id: str, kind: str) -> bool:
    """Give the order's `kind` event to the consumer; False when the inbox had it already."""
    c = world.container
    handlers = edi_document_handlers(
        c.deps, X12DocumentWriter(c.edi_identity), SqlEdiDocumentSource(c.engine),
        SsccScheme(c.settings.edi_gs1_company_prefix, c.settings.edi_sscc_extension))
    message: Message = message_of(world, order_id, kind)
    return bool(apply_once(c.deps, EDI_DOCUMENTS, handlers[EDI_DOCUMENTS], message))


def shipped_order(world: World, *partners: TradingPartner) -> str:
    """An order of C1 (10 x SKU1, 4 x SKU2) shipped whole from DAL."""
    if partners:
        edi.upsert_partners(world.container.deps, list(partners))
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


def read_back(text: str) -> tuple[x12.Interchange, list[Segment]]:
    """The one transaction set of a document, after our reader found no envelope error."""
    [interchange] = x12.parse(text)
    [group] = interchange.groups
    [transaction] = group.transaction_sets
    assert not (interchange.envelope_errors or group.errors or transaction.errors)
    return interchange, transaction.segments


def find(segments: list[Segment], tag: str, *first: str) -> list[Segment]:
    return [s for s in segments if s[0] == tag and s[1:1 + len(first)] == list(first)]


def test_a_shipment_of_an_edi_customer_sends_a_valid_856(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world, X12_PARTNER)
    assert deliver(world, order_id, "ShipmentConfirmed")
    [document] = documents(world)
    assert (document["partner_id"], document["doc_type"]) == ("ACME-EDI", "856")
    interchange, segments = read_back(document["content"])
    assert interchange.control_number == f"{int(document['control_number']):09d}"
    [bsn] = find(segments, "BSN")
    [td5] = find(segments, "TD5")
    [tracking] = find(segments, "REF", "CN")
    [man] = find(segments, "MAN", "GM")
    [tendered] = world.events(order_id, "CarrierTendered")
    assert bsn[2] == "SHP-1" and (td5[3], td5[5]) == ("UPS", "GND")
    assert tracking[2] == tendered["tracking_number"]
    code = man[2].removeprefix("00")
    assert sscc_is_valid(code) and code.startswith("00614141")
    assert find(segments, "PRF") == [["PRF", "PO-1"]]
    assert find(segments, "N1", "SF")[0][2] == "Dallas DC"
    assert find(segments, "TD1")[0][7] == "12"  # 10 x 1.0 kg + 4 x 0.5 kg
    lins = [s[1] for s in find(segments, "LIN")]
    quantities = [s[2] for s in find(segments, "SN1")]
    assert dict(zip(lins, quantities, strict=True)) == {"1": "10", "2": "4"}
    [sent] = world.events(order_id, "AsnSent")
    assert (sent["partner"], sent["control_number"], sent["sscc"], sent["shipment_id"]) == (
        "ACME-EDI", document["control_number"], code, "SHP-1")


def test_an_invoice_of_an_edi_customer_sends_an_810_for_its_total(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world, X12_PARTNER)
    assert deliver(world, order_id, "InvoiceIssued")
    [document] = documents(world)
    assert document["doc_type"] == "810"
    _, segments = read_back(document["content"])
    [issued] = world.events(order_id, "InvoiceIssued")
    assert issued["total"] == "120.00"
    assert find(segments, "TDS") == [["TDS", "12000"]]
    it1 = [(s[1], s[2], s[4]) for s in find(segments, "IT1")]
    assert it1 == [(str(ln["line_no"]), str(ln["quantity"]), ln["unit_price"].rstrip("0")
                    .rstrip(".")) for ln in issued["lines"]]
    [big] = find(segments, "BIG")
    assert (big[2], big[4]) == (issued["invoice_id"], "PO-1")
    assert find(segments, "N1", "RE")[0][2] == "Shipshape Distribution"
    assert find(segments, "N1", "BT")[0][2:] == ["Acme", "91", "C1"]
    [sent] = world.events(order_id, "EdiInvoiceSent")
    assert (sent["invoice_id"], sent["control_number"]) == (
        issued["invoice_id"], document["control_number"])


def test_control_numbers_increase_from_document_to_document(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world, X12_PARTNER)
    assert deliver(world, order_id, "ShipmentConfirmed")
    assert deliver(world, order_id, "InvoiceIssued")
    numbers = [int(d["control_number"]) for d in documents(world)]
    assert numbers == sorted(set(numbers)) and len(numbers) == 2
    isa13 = [read_back(d["content"])[0].control_number for d in documents(world)]
    assert isa13 == [f"{n:09d}" for n in numbers]


def test_a_redelivered_event_sends_no_second_document(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world, X12_PARTNER)
    assert deliver(world, order_id, "ShipmentConfirmed")
    assert not deliver(world, order_id, "ShipmentConfirmed")
    assert len(documents(world)) == 1 and len(world.events(order_id, "AsnSent")) == 1


def test_a_customer_without_a_trading_partner_gets_nothing(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world)
    assert deliver(world, order_id, "ShipmentConfirmed")
    assert deliver(world, order_id, "InvoiceIssued")
    assert documents(world) == []
    assert [e for kind in DOCUMENT_EVENTS for e in world.events(order_id, kind)] == []


def test_an_edifact_only_partner_is_told_apart_not_sent_a_document(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world, EDIFACT_PARTNER)
    assert deliver(world, order_id, "ShipmentConfirmed")
    assert deliver(world, order_id, "InvoiceIssued")
    assert documents(world) == []
    asn, invoice = world.events(order_id, "EdiDocumentNotSent")
    assert (asn["document"], asn["standard"], asn["partner"]) == ("856", "EDIFACT",
                                                                   "ACME-EDIFACT")
    assert "no EDIFACT writer is configured for the DESADV" in asn["reason"]
    assert "no EDIFACT writer is configured for the INVOIC" in invoice["reason"]
    assert world.get("/exceptions")["total"] == 0


def spoil(world: World, what: str, order_id: str) -> None:
    """Master data an 856 cannot be made of: no customer PO, or an item's GTIN that fails its
    check digit (written past the API, which refuses it)."""
    with world.container.engine.begin() as conn:
        if what == "po":
            conn.execute(update(t.orders).where(t.orders.c.id == order_id)
                         .values(customer_po=None))
        else:
            conn.execute(update(t.items).where(t.items.c.sku == "SKU1")
                         .values(gtin="012345678906"))


@pytest.mark.parametrize(("what", "words"), [("po", "has no customer PO"),
                                             ("gtin", "GTIN '012345678906' is not valid")])
def test_bad_master_data_opens_a_case_and_the_consumer_goes_on(
    make_world: Any, what: str, words: str,
) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world, X12_PARTNER)
    spoil(world, what, order_id)
    assert deliver(world, order_id, "ShipmentConfirmed")
    assert documents(world) == []
    [failed] = world.events(order_id, "EdiDocumentFailed")
    assert (failed["document"], failed["partner"]) == ("856", "ACME-EDI")
    assert words in failed["reason"]
    [case] = world.cases("EDI_DOCUMENT_FAILED")
    assert case["case_id"] == failed["case_id"]
    assert (case["kind"], case["owner_team"], case["stage"], case["source_system"],
            case["site_id"], case["customer_id"], case["order_id"], case["line_nos"],
            case["severity"]) == ("data_quality", "integration", "ship", "shipshape", "DAL",
                                  "C1", order_id, [1, 2], "warn")
    assert case["sla_due_at"] and case["details"]["shipment_id"] == "SHP-1"
    if what == "gtin":  # the invoice fails the same way, as an invoicing case
        assert deliver(world, order_id, "InvoiceIssued")
        stages = sorted(c["stage"] for c in world.cases("EDI_DOCUMENT_FAILED"))
        assert stages == ["invoice", "ship"] and documents(world) == []


def test_a_failed_document_uses_up_no_control_number(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = shipped_order(world, X12_PARTNER)
    spoil(world, "po", order_id)
    assert deliver(world, order_id, "ShipmentConfirmed")  # fails: no PO
    assert deliver(world, order_id, "InvoiceIssued")  # an 810 may go without one
    [document] = documents(world)
    assert (document["doc_type"], document["control_number"]) == ("810", "1")
