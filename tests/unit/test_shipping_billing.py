"""Shipments, packages and SSCCs; invoices and their totals."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shipshape.domain.billing import Invoice, InvoiceLine, Party, parse_net_days
from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import ShipTo
from shipshape.domain.shipping import (
    Package,
    ShipFrom,
    Shipment,
    ShippedLine,
    sscc,
    sscc_is_valid,
)

SHIP_TO = ShipTo(name="Acme Store 42", line1="1 Main St", city="Fort Worth", region="TX",
                 postal_code="76102", country="US")
SITE = ShipFrom(site_id="DAL", name="Shipshape Dallas DC", postal_code="75261", country="US")


def check_digit_by_hand(body: str) -> int:
    """GS1 rule written out: from the right, odd positions weigh 3, even positions 1."""
    total = 0
    for position, digit in enumerate(reversed(body), start=1):
        total += int(digit) * (3 if position % 2 == 1 else 1)
    return (10 - total % 10) % 10


def package(code: str | None = None, **overrides: Any) -> Package:
    fields: dict[str, Any] = {"sscc": code or sscc(0, "0614141", 1), "weight_kg": Decimal("2.5"),
                              "lines": (ShippedLine(line_no=1, sku="SKU-1", quantity=3),)}
    fields.update(overrides)
    return Package(**fields)


def shipment(**overrides: Any) -> Shipment:
    fields: dict[str, Any] = {
        "id": "SHP-1", "order_id": "ORD-1", "customer_po": "PO-1", "ship_date": date(2026, 6, 10),
        "site": SITE, "ship_to": SHIP_TO, "carrier_scac": "UPSN", "service": "GROUND",
        "tracking_number": "1Z1", "packages": (package(),)}
    fields.update(overrides)
    return Shipment(**fields)


def invoice(*lines: InvoiceLine, **overrides: Any) -> Invoice:
    fields: dict[str, Any] = {
        "number": "INV-1", "order_id": "ORD-1", "customer_id": "C1", "customer_po": "PO-1",
        "invoice_date": date(2026, 6, 11), "bill_to": Party("Acme", "C1"),
        "remit_to": Party("Shipshape"),
        "lines": lines or (InvoiceLine(line_no=1, sku="SKU-1", quantity=1,
                                       unit_price=Decimal("1.00")),)}
    fields.update(overrides)
    return Invoice(**fields)


# --- SSCC --------------------------------------------------------------------------------


def test_the_published_gs1_sscc_example_is_valid() -> None:
    assert check_digit_by_hand("10614141123456789") == 7
    assert sscc_is_valid("106141411234567897")
    assert sscc(1, "0614141", 123456789) == "106141411234567897"


@pytest.mark.parametrize(("extension", "prefix", "serial"), [
    (0, "0614141", 1), (3, "0614141", 999_999_999), (9, "123456789012", 4321), (0, "4000", 0),
])
def test_sscc_is_18_digits_with_the_gs1_check_digit(extension: int, prefix: str,
                                                    serial: int) -> None:
    code = sscc(extension, prefix, serial)
    assert len(code) == 18
    assert code[:1] == str(extension) and code[1:1 + len(prefix)] == prefix
    assert int(code[1 + len(prefix):17]) == serial
    assert int(code[-1]) == check_digit_by_hand(code[:17])
    assert sscc_is_valid(code)


@pytest.mark.parametrize("code", [
    "106141411234567890",   # wrong check digit
    "10614141123456789",    # 17 digits
    "0106141411234567897",  # 19 digits
    "10614141123456789X",
    "\uff1106141411234567897",  # a full-width digit is a digit, but not ASCII
    "",
])
def test_sscc_is_valid_refuses(code: str) -> None:
    assert not sscc_is_valid(code)


@pytest.mark.parametrize(("extension", "prefix", "serial"), [
    (10, "0614141", 1), (-1, "0614141", 1), (0, "061414A", 1), (0, "123", 1),
    (0, "0614141", 1_000_000_000), (0, "0614141", -1),
])
def test_sscc_refuses_parts_that_do_not_fit(extension: int, prefix: str, serial: int) -> None:
    with pytest.raises(InvalidInput):
        sscc(extension, prefix, serial)


# --- shipments ---------------------------------------------------------------------------


def test_a_shipment_totals_weight_and_quantity_over_its_packages() -> None:
    second = package(sscc(0, "0614141", 2), weight_kg=Decimal("1.25"),
                     lines=(ShippedLine(line_no=2, sku="SKU-2", quantity=4, uom="CA"),))
    made = shipment(packages=(package(), second))
    assert made.total_weight_kg == Decimal("3.75")
    assert made.quantity == 7


@pytest.mark.parametrize("overrides", [
    {"packages": ()},
    {"packages": (package(), package())},
    {"ship_to": dataclasses.replace(SHIP_TO, line1=None)},
    {"carrier_scac": "ups"},
    {"carrier_scac": "UPSNX"},
    {"id": ""},
], ids=["no packages", "same SSCC twice", "incomplete ship-to", "lowercase SCAC",
        "long SCAC", "no id"])
def test_an_impossible_shipment_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        shipment(**overrides)


@pytest.mark.parametrize("overrides", [
    {"sscc": "006141410000000013"},
    {"weight_kg": Decimal("0")},
    {"weight_kg": Decimal("NaN")},
    {"lines": ()},
], ids=["bad SSCC", "no weight", "NaN weight", "no lines"])
def test_an_impossible_package_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        package(**overrides)


@pytest.mark.parametrize("overrides", [
    {"quantity": 0}, {"quantity": -2}, {"line_no": 0}, {"sku": ""}, {"uom": ""},
    {"gtin": "012345678900"},
])
def test_an_impossible_shipped_line_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        ShippedLine(**{"line_no": 1, "sku": "SKU-1", "quantity": 1, **overrides})


def test_a_ship_from_needs_name_postal_code_and_country() -> None:
    with pytest.raises(InvalidInput):
        ShipFrom(site_id="DAL", name="Dallas", postal_code="", country="US")


# --- invoices ----------------------------------------------------------------------------


def test_line_amounts_round_half_up_to_cents() -> None:
    made = invoice(
        InvoiceLine(line_no=1, sku="A", quantity=1, unit_price=Decimal("0.125")),
        InvoiceLine(line_no=2, sku="B", quantity=3, unit_price=Decimal("0.335")),
        InvoiceLine(line_no=3, sku="C", quantity=7, unit_price=Decimal("4.25")),
    )
    assert [line.amount for line in made.lines] == [Decimal("0.13"), Decimal("1.01"),
                                                    Decimal("29.75")]
    assert made.subtotal == Decimal("30.89")


def test_total_is_lines_plus_freight_plus_tax_each_in_cents() -> None:
    made = invoice(InvoiceLine(line_no=1, sku="A", quantity=2, unit_price=Decimal("10.005")),
                   freight=Decimal("12.345"), tax=Decimal("1.6"))
    assert made.subtotal == Decimal("20.01")
    assert made.freight_amount == Decimal("12.35")
    assert made.tax_amount == Decimal("1.60")
    assert made.total == Decimal("33.96")
    assert str(made.total) == "33.96"


def test_payment_terms_give_net_days_and_due_date() -> None:
    made = invoice(payment_terms="NET45")
    assert made.net_days == 45
    assert made.due_date == date(2026, 7, 26)
    assert parse_net_days(" net 10 ") == 10


@pytest.mark.parametrize("terms", ["2/10 NET30", "NET", "NETX", "COD", "NET400"])
def test_unreadable_payment_terms_are_refused(terms: str) -> None:
    with pytest.raises(InvalidInput):
        invoice(payment_terms=terms)


@pytest.mark.parametrize("overrides", [
    {"lines": ()},
    {"lines": (InvoiceLine(line_no=1, sku="A", quantity=1, unit_price=Decimal("1")),
               InvoiceLine(line_no=1, sku="B", quantity=1, unit_price=Decimal("1")))},
    {"freight": Decimal("-1")},
    {"tax": Decimal("Infinity")},
    {"currency": "usd"},
    {"currency": "US"},
    {"number": ""},
], ids=["no lines", "repeated line number", "negative freight", "infinite tax",
        "lowercase currency", "short currency", "no number"])
def test_an_impossible_invoice_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        invoice(**overrides)


@pytest.mark.parametrize("overrides", [
    {"unit_price": Decimal("-0.01")}, {"quantity": 0}, {"gtin": "4006381333932"},
])
def test_an_impossible_invoice_line_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        InvoiceLine(**{"line_no": 1, "sku": "A", "quantity": 1, "unit_price": Decimal("1"),
                       **overrides})


def test_a_party_needs_a_name() -> None:
    with pytest.raises(InvalidInput):
        Party("")
