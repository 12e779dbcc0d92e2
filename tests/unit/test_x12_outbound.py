"""Outbound 856 and 810: golden files plus structural checks that do not trust the golden files.

The golden files live in tests/fixtures/edi/golden/. After an intended change of the output,
regenerate them with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_x12_outbound.py

then read the diff segment by segment before committing it. Without UPDATE_GOLDEN the tests compare.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shipshape.adapters.channels.x12.outbound import (
    ControlNumbers,
    build_810,
    build_856,
    gtin_id,
)
from shipshape.domain.billing import Invoice, InvoiceLine, Party
from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import ShipTo
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Package, ShipFrom, Shipment, ShippedLine, sscc

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "edi" / "golden"
ISA_WIDTHS = (3, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)

ACME = TradingPartner(id="ACME", customer_id="C1", isa_qualifier="ZZ", isa_id="ACMEEDI",
                      gs_code="ACMEGS", item_xref={"BP:A-100": "SKU-100", "BP:A-300": "SKU-300"})
GLOBEX = TradingPartner(id="GLOBEX", customer_id="C2", isa_qualifier="01", isa_id="123456789",
                        gs_code="GLOBEX", element_separator="|", segment_terminator="\n",
                        component_separator="^")
PARTNERS = {"star": ACME, "pipe": GLOBEX}
OUR = OurIdentity(isa_qualifier="ZZ", isa_id="SHIPSHAPE", gs_code="SHIPSHAPE")
CONTROL = ControlNumbers(interchange=1001, group=501, transaction_set=1)
WHEN = datetime(2026, 6, 10, 14, 5)
SHIP_TO = ShipTo(name="Acme Store 42", line1="1 Main St", city="Fort Worth", region="TX",
                 postal_code="76102", country="US")


def make_shipment(**overrides: Any) -> Shipment:
    first = Package(sscc=sscc(0, "0614141", 1), weight_kg=Decimal("7.50"), lines=(
        ShippedLine(line_no=1, sku="SKU-100", quantity=12, gtin="012345678905"),
        ShippedLine(line_no=2, sku="SKU-200", quantity=6, uom="CA", vendor_item="V-200",
                    lot="LOT2026A", expiry=date(2027, 3, 1)),
    ))
    second = Package(sscc=sscc(0, "0614141", 2), weight_kg=Decimal("4.25"), lines=(
        ShippedLine(line_no=3, sku="SKU-300", quantity=24, gtin="10012345678902"),
    ))
    fields: dict[str, Any] = {
        "id": "SHP-1001", "order_id": "ORD-5001", "customer_po": "PO-88123",
        "ship_date": date(2026, 6, 10),
        "site": ShipFrom(site_id="DAL", name="Shipshape Dallas DC", line1="2400 Logistics Pkwy",
                         city="Dallas", region="TX", postal_code="75261", country="US"),
        "ship_to": SHIP_TO, "carrier_scac": "UPSN", "service": "GROUND",
        "tracking_number": "1Z999AA10123456784", "packages": (first, second)}
    fields.update(overrides)
    return Shipment(**fields)


def make_invoice(**overrides: Any) -> Invoice:
    fields: dict[str, Any] = {
        "number": "INV-9001", "order_id": "ORD-5001", "customer_id": "C1",
        "customer_po": "PO-88123", "invoice_date": date(2026, 6, 11),
        "po_date": date(2026, 6, 1), "shipment_id": "SHP-1001",
        "bill_to": Party("Acme Retail Corp", "C1"), "remit_to": Party("Shipshape Distribution"),
        "ship_to": SHIP_TO, "payment_terms": "NET30",
        "freight": Decimal("12.50"), "tax": Decimal("15.36"),
        "lines": (
            InvoiceLine(line_no=1, sku="SKU-100", quantity=12, unit_price=Decimal("4.25"),
                        gtin="012345678905"),
            InvoiceLine(line_no=2, sku="SKU-200", quantity=6, uom="CA",
                        unit_price=Decimal("18.125"), vendor_item="V-200"),
            InvoiceLine(line_no=3, sku="SKU-300", quantity=24, unit_price=Decimal("1.10"),
                        gtin="10012345678902"),
        )}
    fields.update(overrides)
    return Invoice(**fields)


def asn(partner: TradingPartner, **overrides: Any) -> str:
    return build_856(make_shipment(**overrides), partner, OUR, CONTROL, WHEN)


def bill(partner: TradingPartner, **overrides: Any) -> str:
    return build_810(make_invoice(**overrides), partner, OUR, CONTROL, WHEN)


def parse(document: str, partner: TradingPartner) -> list[list[str]]:
    """Segments as element lists; the ISA is cut at its fixed width, not at a separator."""
    isa, rest = document[:106], document[106:]
    assert isa.endswith(partner.segment_terminator)
    *body, tail = rest.split(partner.segment_terminator)
    assert tail == ""
    split = partner.element_separator
    return [isa[:-1].split(split), *(segment.split(split) for segment in body)]


def tagged(segments: list[list[str]], tag: str) -> list[list[str]]:
    return [segment for segment in segments if segment[0] == tag]


# --- golden files ------------------------------------------------------------------------


def assert_golden(name: str, document: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(document.encode("ascii"))
    assert path.read_bytes().decode("ascii") == document


@pytest.mark.parametrize("style", PARTNERS)
def test_856_matches_its_golden_file(style: str) -> None:
    assert_golden(f"856_{style}.x12", asn(PARTNERS[style]))


@pytest.mark.parametrize("style", PARTNERS)
def test_810_matches_its_golden_file(style: str) -> None:
    assert_golden(f"810_{style}.x12", bill(PARTNERS[style]))


# --- envelopes ---------------------------------------------------------------------------


def documents() -> list[Any]:
    return [pytest.param(build(partner), partner, id=f"{code}-{style}")
            for style, partner in PARTNERS.items() for code, build in (("856", asn), ("810", bill))]


@pytest.mark.parametrize(("document", "partner"), documents())
def test_isa_is_106_characters_of_fixed_width_fields(document: str,
                                                     partner: TradingPartner) -> None:
    assert document.index(partner.segment_terminator) == 105
    isa = parse(document, partner)[0]
    assert tuple(len(element) for element in isa) == ISA_WIDTHS
    assert isa[6] == OUR.isa_id.ljust(15) and isa[8] == partner.isa_id.ljust(15)
    assert (isa[9], isa[10], isa[11], isa[12], isa[15]) == ("260610", "1405", "U", "00401", "P")
    assert isa[16] == partner.component_separator


@pytest.mark.parametrize(("document", "partner"), documents())
def test_envelope_counts_and_control_numbers_agree(document: str,
                                                   partner: TradingPartner) -> None:
    segments = parse(document, partner)
    tags = [segment[0] for segment in segments]
    isa, gs, st, se, ge, iea = (segments[tags.index(tag)] for tag in
                                ("ISA", "GS", "ST", "SE", "GE", "IEA"))
    assert tags[:3] == ["ISA", "GS", "ST"] and tags[-3:] == ["SE", "GE", "IEA"]
    assert int(se[1]) == tags.index("SE") - tags.index("ST") + 1
    assert st[2] == se[2] == "0001"
    assert gs[6] == ge[2] == "501" and int(ge[1]) == tags.count("ST")
    assert isa[13] == iea[2] == "000001001" and int(iea[1]) == tags.count("GS")
    assert gs[1] == {"856": "SH", "810": "IN"}[st[1]]
    assert (gs[2], gs[3], gs[7], gs[8]) == ("SHIPSHAPE", partner.gs_code, "X", "004010")


def test_a_later_version_puts_a_free_repetition_separator_in_isa11() -> None:
    partner = dataclasses.replace(ACME, x12_version="005010")
    segments = parse(asn(partner), partner)
    isa, gs = segments[0], segments[1]
    assert (isa[12], gs[8]) == ("00501", "005010")
    assert len(isa[11]) == 1 and isa[11] not in "*~>" and not isa[11].isalnum()


def test_a_test_interchange_is_flagged_in_isa15() -> None:
    document = build_856(make_shipment(), ACME, OUR, CONTROL, WHEN, test=True)
    assert parse(document, ACME)[0][15] == "T"


# --- 856 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", PARTNERS.values())
def test_856_hl_parents_and_child_codes_follow_shipment_order_pack_item(
        partner: TradingPartner) -> None:
    levels: dict[str, str] = {}
    hls = tagged(parse(asn(partner), partner), "HL")
    expected_parent = {"S": None, "O": "S", "P": "O", "I": "P"}
    for position, (_, hl_id, parent, level, child) in enumerate(hls, start=1):
        assert hl_id == str(position)
        assert levels.get(parent) == expected_parent[level]
        assert child == ("1" if any(hl[2] == hl_id for hl in hls) else "0")
        levels[hl_id] = level
    assert [hl[3] for hl in hls] == ["S", "O", "P", "I", "I", "P", "I"]


def test_856_puts_each_item_under_the_package_holding_it() -> None:
    segments = parse(asn(ACME), ACME)
    pack, packs = None, {}
    for segment in segments:
        if segment[0] == "MAN":
            pack = segment[2]
        if segment[0] == "LIN":
            packs[segment[1]] = pack
    first, second = "00" + sscc(0, "0614141", 1), "00" + sscc(0, "0614141", 2)
    assert packs == {"1": first, "2": first, "3": second}


def test_856_counts_hl_segments_and_hashes_quantities_in_ctt() -> None:
    segments = parse(asn(ACME), ACME)
    ctt = tagged(segments, "CTT")[0]
    assert int(ctt[1]) == len(tagged(segments, "HL"))
    assert int(ctt[2]) == sum(int(sn1[2]) for sn1 in tagged(segments, "SN1")) == 42


def test_856_sends_the_bill_of_lading_before_the_tracking_number() -> None:
    references = tagged(parse(asn(ACME, bill_of_lading="BOL-77"), ACME), "REF")
    assert references == [["REF", "BM", "BOL-77"], ["REF", "CN", "1Z999AA10123456784"]]


def test_856_needs_a_customer_po() -> None:
    with pytest.raises(InvalidInput, match="PO"):
        asn(ACME, customer_po=None)


def test_item_ids_prefer_the_line_and_fall_back_to_the_partner_cross_reference() -> None:
    lines = [ShippedLine(line_no=1, sku="SKU-100", quantity=1, buyer_item="B-9")]
    package = Package(sscc=sscc(0, "0614141", 7), weight_kg=Decimal("1"), lines=tuple(lines))
    lin = tagged(parse(asn(ACME, packages=(package,)), ACME), "LIN")[0]
    assert lin == ["LIN", "1", "VN", "SKU-100", "BP", "B-9"]
    with_xref = dataclasses.replace(ACME, item_xref={"UP:012345678905": "SKU-100"})
    lin = tagged(parse(asn(with_xref, packages=(package,)), with_xref), "LIN")[0]
    assert lin[2:4] == ["UP", "012345678905"]


@pytest.mark.parametrize(("gtin", "expected"), [
    ("012345678905", ("UP", "012345678905")),
    ("0012345678905", ("UP", "012345678905")),
    ("00012345678905", ("UP", "012345678905")),
    ("4006381333931", ("UK", "04006381333931")),
    ("10012345678902", ("UK", "10012345678902")),
    ("96385074", ("UK", "00000096385074")),
])
def test_a_gtin_becomes_a_upc_when_it_is_one(gtin: str, expected: tuple[str, str]) -> None:
    assert gtin_id(gtin) == expected


# --- 810 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", PARTNERS.values())
def test_810_tds_is_the_invoice_total_in_cents(partner: TradingPartner) -> None:
    invoice = make_invoice()
    segments = parse(build_810(invoice, partner, OUR, CONTROL, WHEN), partner)
    tds = int(tagged(segments, "TDS")[0][1])
    assert tds == int(invoice.total * 100) == 21401
    lines = sum((Decimal(it1[2]) * Decimal(it1[4]) for it1 in tagged(segments, "IT1")),
                Decimal("0"))
    tax = Decimal(tagged(segments, "TXI")[0][2])
    freight = int(tagged(segments, "SAC")[0][5])
    assert tds == int((lines * 100).quantize(Decimal("1"))) + int(tax * 100) + freight


def test_810_counts_line_items_in_ctt() -> None:
    segments = parse(bill(ACME), ACME)
    assert tagged(segments, "CTT") == [["CTT", str(len(tagged(segments, "IT1")))]]


def test_810_leaves_out_charges_that_are_zero() -> None:
    segments = parse(bill(ACME, freight=Decimal("0"), tax=Decimal("0.004")), ACME)
    assert not tagged(segments, "SAC") and not tagged(segments, "TXI")
    assert tagged(segments, "TDS") == [["TDS", "18615"]]


def test_810_without_po_or_ship_to_leaves_them_out() -> None:
    segments = parse(bill(ACME, customer_po=None, po_date=None, ship_to=None), ACME)
    assert tagged(segments, "BIG") == [["BIG", "20260611", "INV-9001"]]
    assert [n1[1] for n1 in tagged(segments, "N1")] == ["BT", "RE"]


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(("partner", "name"), [
    (ACME, "Acme*Store"), (ACME, "Acme~Store"), (ACME, "Acme>Store"),
    (GLOBEX, "Acme|Store"), (GLOBEX, "Acme\nStore"), (GLOBEX, "Acme^Store"),
    (ACME, "Acme\tStore"),
])
def test_data_containing_a_delimiter_is_refused(partner: TradingPartner, name: str) -> None:
    ship_to = dataclasses.replace(SHIP_TO, name=name)
    with pytest.raises(InvalidInput, match="delimiter"):
        asn(partner, ship_to=ship_to)
    with pytest.raises(InvalidInput, match="delimiter"):
        bill(partner, bill_to=Party(name))


def test_another_partners_delimiter_is_ordinary_data() -> None:
    ship_to = dataclasses.replace(SHIP_TO, name="Acme|Store^1")
    n1 = tagged(parse(asn(ACME, ship_to=ship_to), ACME), "N1")
    assert ["N1", "ST", "Acme|Store^1"] in n1


@pytest.mark.parametrize("changes", [
    {"element_separator": "~"},
    {"component_separator": "A"},
    {"segment_terminator": " "},
    {"element_separator": "**"},
    {"isa_id": ""},
    {"isa_id": "A" * 16},
    {"isa_qualifier": "Z"},
    {"isa_id": "ACME*EDI"},
    {"x12_version": "4010"},
], ids=["clashing", "alphanumeric", "space", "two characters", "no ISA id", "long ISA id",
        "short qualifier", "delimiter in ISA id", "bad version"])
def test_an_unusable_partner_profile_is_refused(changes: dict[str, Any]) -> None:
    partner = dataclasses.replace(ACME, **changes)
    with pytest.raises(InvalidInput):
        asn(partner)


@pytest.mark.parametrize("numbers", [(0, 1, 1), (1, 1_000_000_000, 1), (1, 1, -5)])
def test_control_numbers_must_fit_the_envelope(numbers: tuple[int, int, int]) -> None:
    with pytest.raises(InvalidInput):
        ControlNumbers(*numbers)
