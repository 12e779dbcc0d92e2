"""Stored shipments and invoices as the 856's Shipment and the 810's Invoice (domain/edi_outbound),
and the SSCC scheme and the X12 writer's numbering that go with them."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shipshape.adapters.channels import x12
from shipshape.adapters.channels.x12.documents import X12DocumentWriter
from shipshape.config import Settings
from shipshape.domain import edi_outbound as eo
from shipshape.domain.errors import InvalidInput
from shipshape.domain.masterdata import Customer, Item, Site
from shipshape.domain.orders import OrderLine, OrderStatus, ShipTo
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.picking import OrderToPick
from shipshape.domain.shipments import ShipmentRecord, ShippedLine
from shipshape.domain.shipping import sscc_is_valid
from shipshape.services.edi_outbound import SsccScheme

SHIP_TO = ShipTo(name="Acme Dallas", line1="1 Main St", city="Dallas", region="TX",
                 postal_code="75201", country="US")
ORDER = OrderToPick(id="ord-1", status=OrderStatus.SHIPPED, customer_id="C1",
                    requested_ship_date=None, ship_to_country="US", value=Decimal("120"),
                    lines=(OrderLine(1, "SKU1", 10, Decimal("10"), "CA"),
                           OrderLine(2, "SKU2", 4, Decimal("5"), None),
                           OrderLine(3, "SKU3", 2, Decimal("1"), None)),
                    customer_po="PO-1", ship_to=SHIP_TO)
ITEMS = {"SKU1": Item("SKU1", "Gloves", gtin="012345678905", weight_kg=Decimal("1.0")),
         "SKU2": Item("SKU2", "Masks", uom="BX", weight_kg=Decimal("0.5")),
         "SKU3": Item("SKU3", "Caps", weight_kg=Decimal("9"))}
CUSTOMER = Customer("C1", "Acme", payment_terms="NET45")
SSCC = SsccScheme("0614141").code(7)


def shipment_facts(**changes: Any) -> eo.ShipmentFacts:
    record = ShipmentRecord(
        id="SHP-1", order_id="ord-1", site="DAL", ship_date=date(2026, 11, 27),
        carrier_service="UPS:GND", tracking_number="1Z1", label_ref=None,
        lines=(ShippedLine(1, "SKU1", 10, 10), ShippedLine(2, "SKU2", 5, 4),
               ShippedLine(3, "SKU3", 2, 0)))
    fields: dict[str, Any] = {"shipment": record, "order": ORDER, "customer": CUSTOMER,
                              "site": Site("DAL", "Dallas DC", "US", "75201"), "items": ITEMS}
    return eo.ShipmentFacts(**{**fields, **changes})


def invoice_facts(**changes: Any) -> eo.InvoiceFacts:
    fields: dict[str, Any] = {
        "number": "inv-1", "order": ORDER, "customer": CUSTOMER, "shipment_id": "SHP-1",
        "invoice_date": date(2026, 11, 27), "currency": "USD", "freight": Decimal("12.50"),
        "tax": Decimal("2.40"), "total": Decimal("134.90"),
        "lines": (eo.BilledLine(1, "SKU1", 10, Decimal("10.00")),
                  eo.BilledLine(2, "SKU2", 4, Decimal("5.00"))), "items": ITEMS}
    return eo.InvoiceFacts(**{**fields, **changes})


@pytest.mark.parametrize(("service", "parts"), [("UPS:GND", ("UPS", "GND")),
                                                 ("FDEG:", ("FDEG", "")),
                                                 ("RL", ("RL", ""))])
def test_the_scac_is_the_carrier_code_of_the_service(service: str,
                                                     parts: tuple[str, str]) -> None:
    assert eo.carrier_parts(service) == parts


@pytest.mark.parametrize("service", ["ups:GND", "U:GND", "UPSNX:GND", "U2S:GND", ""])
def test_a_carrier_code_that_is_no_scac_is_refused(service: str) -> None:
    with pytest.raises(InvalidInput, match="not a SCAC"):
        eo.carrier_parts(service)


def test_a_shipment_is_one_package_of_the_lines_that_shipped() -> None:
    shipment = eo.asn_shipment(shipment_facts(), SSCC)
    [package] = shipment.packages
    assert [(ln.line_no, ln.quantity, ln.uom, ln.gtin) for ln in package.lines] == [
        (1, 10, "CA", "012345678905"), (2, 4, "BX", None)]  # order's uom, else the item's
    assert package.sscc == SSCC and package.weight_kg == Decimal("12.0")
    assert (shipment.carrier_scac, shipment.service, shipment.tracking_number) == (
        "UPS", "GND", "1Z1")
    assert (shipment.customer_po, shipment.ship_to, shipment.site.name) == (
        "PO-1", SHIP_TO, "Dallas DC")
    assert not shipment_facts(shipment=dataclasses.replace(
        shipment_facts().shipment,
        lines=(ShippedLine(1, "SKU1", 3, 0),))).shipped_anything


@pytest.mark.parametrize(("changes", "words"), [
    ({"site": None}, "site DAL is not in the master data"),
    ({"items": {"SKU1": ITEMS["SKU1"]}}, "item SKU2 is not in the master data"),
    ({"items": {**ITEMS, "SKU1": dataclasses.replace(ITEMS["SKU1"], gtin="012345678906")}},
     "GTIN '012345678906' is not valid"),
    ({"items": {k: dataclasses.replace(v, weight_kg=Decimal(0)) for k, v in ITEMS.items()}},
     "weight must be positive"),
])
def test_master_data_that_cannot_make_a_ship_notice_is_named(changes: dict[str, Any],
                                                             words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        eo.asn_shipment(shipment_facts(**changes), SSCC)


def test_an_invoice_is_billed_to_the_customer_and_remitted_to_the_seller() -> None:
    invoice = eo.edi_invoice(invoice_facts(), "Shipshape Distribution")
    assert (invoice.bill_to.name, invoice.bill_to.id, invoice.remit_to.name) == (
        "Acme", "C1", "Shipshape Distribution")
    assert (invoice.total, invoice.payment_terms, invoice.customer_po) == (
        Decimal("134.90"), "NET45", "PO-1")
    assert [(ln.line_no, ln.uom, ln.gtin) for ln in invoice.lines] == [
        (1, "CA", "012345678905"), (2, "BX", None)]


def test_an_invoice_whose_lines_do_not_make_its_total_is_not_sent() -> None:
    with pytest.raises(InvalidInput, match=r"stored total is 135\.00"):
        eo.edi_invoice(invoice_facts(total=Decimal("135.00")), "Shipshape Distribution")
    with pytest.raises(InvalidInput, match="customer C1 is not in the master data"):
        eo.edi_invoice(invoice_facts(customer=None), "Shipshape Distribution")


def test_sscc_codes_come_from_the_company_prefix_and_extension() -> None:
    scheme = SsccScheme("0614141", extension=3)
    assert scheme.code(1)[:17] == "3" + "0614141" + "000000001"
    assert all(sscc_is_valid(scheme.code(n)) for n in (0, 1, 999_999_999))
    assert scheme.counter_owner == "gs1:0614141"
    with pytest.raises(InvalidInput):
        scheme.code(1_000_000_000)


def test_the_writer_numbers_interchange_group_and_set_alike() -> None:
    partner = TradingPartner(id="P", customer_id="C1", isa_id="PARTNER", gs_code="PGS")
    shipment = eo.asn_shipment(shipment_facts(), SSCC)
    text = X12DocumentWriter(OurIdentity()).ship_notice(shipment, partner, 42,
                                                        datetime(2026, 11, 27, 10, 0))
    [interchange] = x12.parse(text)
    [group] = interchange.groups
    [transaction] = group.transaction_sets
    assert (interchange.control_number, group.control_number, transaction.control_number) == (
        "000000042", "42", "0042")
    assert interchange.usage_indicator == "P"


@pytest.mark.parametrize(("field", "value"), [("edi_gs1_company_prefix", "061414A"),
                                              ("edi_gs1_company_prefix", "123"),
                                              ("edi_sscc_extension", 10)])
def test_settings_refuse_an_unusable_sscc_scheme(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})
