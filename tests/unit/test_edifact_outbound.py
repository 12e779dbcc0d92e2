"""DESADV, INVOIC and ORDRSP (D.96A) built from the domain's shipment, invoice and order
response: checked against their message structure, read back by our own EDIFACT reader, and
compared with golden files (tests/fixtures/edi/golden/*.edi)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from shipshape.adapters.channels.edifact import parse_interchange
from shipshape.adapters.channels.edifact.desadv import build_desadv
from shipshape.adapters.channels.edifact.invoic import build_invoic
from shipshape.adapters.channels.edifact.model import EdifactSegment
from shipshape.adapters.channels.edifact.ordrsp import build_ordrsp
from shipshape.adapters.channels.edifact.structure import check_interchange
from shipshape.domain.billing import Invoice, InvoiceLine, Party
from shipshape.domain.errors import InvalidInput
from shipshape.domain.order_response import LineResponse, OrderResponse
from shipshape.domain.order_response import LineStatus as S
from shipshape.domain.orders import ShipTo
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Package, ShipFrom, Shipment, ShippedLine, sscc

GOLDEN = Path(__file__).parents[1] / "fixtures" / "edi" / "golden"
PARTNER = TradingPartner(id="HOFFMANN", customer_id="C1", edifact_id="4012345000009:14")
OUR = OurIdentity(edifact_id="SHIPSHAPE")
WHEN = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)
TO = ShipTo("Hoffmann+Partner's Lager", "Industriestrasse 12", "Hamburg", "HH", "22113", "DE")
GTIN = "00012345678905"
BOX1, BOX2 = sscc(0, "0614141", 1), sscc(0, "0614141", 2)
SHIPMENT = Shipment(
    "SHP-1", "ORD-1", "PO-7781", date(2026, 11, 27),
    ShipFrom("DAL", "Dallas DC", "75001", "US", "1 Dock Rd", "Dallas", "TX"), TO, "UPS", "GND",
    "1Z999", (Package(BOX1, Decimal("12.0"), (ShippedLine(1, "SKU1", 10, gtin=GTIN, lot="L-42",
                                                          expiry=date(2027, 6, 30)),
                                              ShippedLine(2, "SKU2", 3))),
              Package(BOX2, Decimal("2.5"), (ShippedLine(2, "SKU2", 1),))))
INVOICE = Invoice(
    "INV-1", "ORD-1", "C1", "PO-7781", date(2026, 11, 28), Party("Acme", "C1"),
    Party("Shipshape Distribution"),
    (InvoiceLine(1, "SKU1", 10, Decimal("10.00"), gtin=GTIN),
     InvoiceLine(2, "SKU2", 4, Decimal("2.50"))),
    freight=Decimal("5"), tax=Decimal("1.10"), shipment_id="SHP-1", ship_to=TO)
RESPONSE = OrderResponse("ORD-1", "PO-7781", None, (
    LineResponse(1, "SKU1", 10, 10, S.ACCEPTED, "PCE", date(2026, 11, 30)),
    LineResponse(2, "SKU2", 30, 12, S.ACCEPTED, "EA", date(2026, 11, 30)),
    LineResponse(2, "SKU2", 30, 18, S.BACKORDERED, "EA", date(2026, 12, 14)),
    LineResponse(3, "SKU9", 5, 5, S.REJECTED, "EA", reason="UNKNOWN_ITEM")))


def desadv(control: int = 7) -> str:
    return build_desadv(SHIPMENT, PARTNER, OUR, control, WHEN)


def invoic(control: int = 8, invoice: Invoice = INVOICE) -> str:
    return build_invoic(invoice, PARTNER, OUR, control, WHEN)


def ordrsp(control: int = 9, response: OrderResponse = RESPONSE) -> str:
    return build_ordrsp(response, PARTNER, OUR, control, WHEN, message_ref="M1")


def body(text: str) -> list[EdifactSegment]:
    """The one message's segments (UNH..UNT) after the reader found no envelope error."""
    interchange = parse_interchange(text)
    assert interchange.all_errors == ()
    [message] = interchange.messages
    return list(message.segments)


def find(segments: list[EdifactSegment], tag: str, first: str | None = None
         ) -> list[EdifactSegment]:
    return [s for s in segments if s.tag == tag and (first is None or s.value(1) == first)]


@pytest.mark.parametrize(("name", "build"), [("desadv", desadv), ("invoic", invoic),
                                             ("ordrsp", ordrsp)])
def test_each_message_matches_its_d96a_structure_and_its_golden_file(name: str, build: object
                                                                     ) -> None:
    text = build()  # type: ignore[operator]
    assert check_interchange(text) == []
    golden = GOLDEN / f"{name}.edi"
    if os.environ.get("SHIPSHAPE_REGENERATE_GOLDEN"):
        golden.write_text(text.replace("'", "'\n"))
    assert text == golden.read_text().replace("\n", "")


@pytest.mark.parametrize("build", [desadv, invoic, ordrsp])
def test_the_control_number_is_the_interchange_and_message_reference(build: object) -> None:
    interchange = parse_interchange(build(4711))  # type: ignore[operator]
    [message] = interchange.messages
    assert (interchange.control_reference, message.reference) == ("4711", "4711")
    assert (interchange.sender_id, interchange.recipient_id,
            interchange.recipient_qualifier) == ("SHIPSHAPE", "4012345000009", "14")
    assert int(message.segments[-1].value(1)) == len(message.segments)  # UNT counts UNH..UNT


def test_the_desadv_carries_one_sscc_per_package_with_its_lines_and_lots() -> None:
    segments = body(desadv())
    assert [s.value(2) for s in find(segments, "GIN", "BJ")] == [BOX1, BOX2]
    assert [(s.value(1), s.value(2)) for s in find(segments, "CPS")] == [
        ("1", ""), ("2", "1"), ("3", "1")]
    assert find(segments, "PAC")[0].value(1) == "2"
    tags = [s.tag for s in segments]
    first_box, second_box = tags.index("GIN"), len(tags) - 1 - tags[::-1].index("GIN")
    lines = [i for i, t in enumerate(tags) if t == "LIN"]
    assert [first_box < i < second_box for i in lines] == [True, True, False]
    assert find(segments, "LIN")[0].composite(3) == (GTIN, "EN")
    assert find(segments, "PIA", "1")[0].composite(2) == ("L-42", "NB")
    assert [s.composite(1) for s in find(segments, "DTM", "36")] == [("36", "20270630", "102")]
    assert [s.composite(1) for s in find(segments, "QTY")] == [
        ("12", "10", "EA"), ("12", "3", "EA"), ("12", "1", "EA")]
    assert [s.composite(1) for s in find(segments, "RFF")][-3:] == [
        ("ON", "PO-7781", "1"), ("ON", "PO-7781", "2"), ("ON", "PO-7781", "2")]
    assert find(segments, "TDT")[0].composite(5) == ("UPS", "", "182")
    assert find(segments, "CNT")[0].composite(1) == ("2", "3")
    [to] = find(segments, "NAD", "ST")
    assert to.value(4) == "Hoffmann+Partner's Lager"  # escaped on the way out, read back


def test_invoice_totals_add_up_in_the_moa_segments() -> None:
    segments = body(invoic())
    amounts = {s.value(1, 1): Decimal(s.value(1, 2)) for s in find(segments, "MOA")
               if s.value(1, 1) != "203"}
    lines = [Decimal(s.value(1, 2)) for s in find(segments, "MOA") if s.value(1, 1) == "203"]
    assert lines == [Decimal("100.00"), Decimal("10.00")]
    assert amounts["79"] == sum(lines) == INVOICE.subtotal
    assert amounts["77"] == amounts["79"] + amounts["176"] + amounts["8"] == INVOICE.total
    assert find(segments, "ALC")[0].composite(5) == ("FC",)
    assert find(segments, "PAT")[0].composite(3) == ("5", "3", "D", "30")
    assert [s.composite(1) for s in find(segments, "RFF")] == [
        ("ON", "PO-7781"), ("AAK", "SHP-1"), ("VN", "ORD-1")]


def test_an_invoice_without_freight_has_no_charge_segment() -> None:
    segments = body(invoic(invoice=replace(INVOICE, freight=Decimal("0"))))
    assert find(segments, "ALC") == [] and check_interchange(invoic()) == []


def test_the_ordrsp_states_each_lines_own_outcome() -> None:
    segments = body(ordrsp())
    assert find(segments, "BGM")[0].elements == (("231",), ("ORD-1",), ("4",))
    assert [(s.value(1), s.value(2)) for s in find(segments, "LIN")] == [
        ("1", "5"), ("2", "3"), ("3", "7")]
    quantities = [s.composite(1)[:2] for s in find(segments, "QTY")]
    assert quantities == [("21", "10"), ("113", "10"), ("21", "30"), ("113", "12"),
                          ("83", "18"), ("21", "5")]
    assert [s.composite(1)[:2] for s in find(segments, "DTM")][1:] == [
        ("11", "20261130"), ("11", "20261130"), ("69", "20261214")]
    assert find(segments, "FTX")[0].value(4) == "UNKNOWN_ITEM"
    assert [s.composite(1) for s in find(segments, "RFF")] == [("ON", "PO-7781"), ("ACW", "M1")]


@pytest.mark.parametrize(("statuses", "code"), [((S.ACCEPTED,), "29"), ((S.REJECTED,), "27"),
                                                ((S.HELD,), "12"),
                                                ((S.QUANTITY_CHANGED,), "4")])
def test_the_ordrsp_bgm_follows_the_lines(statuses: tuple[S, ...], code: str) -> None:
    lines = tuple(LineResponse(n, "SKU1", 5, 5, status)
                  for n, status in enumerate(statuses, start=1))
    text = ordrsp(response=replace(RESPONSE, lines=lines))
    assert check_interchange(text) == []
    assert find(body(text), "BGM")[0].value(3) == code


def test_the_checker_finds_order_missing_and_repeated_segments() -> None:
    text = desadv()
    moved = text.replace("CNT+2:3'", "").replace("BGM+351", "CNT+2:3'BGM+351")
    assert any("out of place" in e for e in check_interchange(_recount(moved)))
    no_bgm = text.replace("BGM+351+SHP-1+9'", "")
    assert any("mandatory BGM missing" in e for e in check_interchange(_recount(no_bgm)))
    many = text.replace("DTM+11:20261127:102'", "DTM+11:20261127:102'" * 10)
    assert any("DTM repeated more than 10" in e for e in check_interchange(_recount(many)))
    unsummed = invoic().replace("UNS+S'", "")
    assert any("mandatory UNS missing" in e for e in check_interchange(_recount(unsummed)))


def test_the_checker_reports_a_wrong_unt_count_and_reference() -> None:
    errors = check_interchange(desadv().replace("UNT+40+7'", "UNT+38+6'"))
    assert any(e.startswith("29:") for e in errors) and any(e.startswith("28:") for e in errors)


def _recount(text: str) -> str:
    """The same interchange with its UNT count made right again."""
    segments = text.split("'")
    start = next(i for i, s in enumerate(segments) if s.startswith("UNH"))
    end = next(i for i, s in enumerate(segments) if s.startswith("UNT"))
    segments[end] = f"UNT+{end - start + 1}+{segments[end].split('+')[2]}"
    return "'".join(segments)


@pytest.mark.parametrize(("change", "words"), [
    (lambda s: replace(s, customer_po=None), "no customer PO"),
    (lambda s: replace(s, ship_to=replace(TO, city="Łódź")), "outside UNOC"),
    (lambda s: replace(s, customer_po="P" * 36), "longer than the 35"),
])
def test_data_edifact_cannot_carry_is_refused_naming_it(change: object, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        build_desadv(change(SHIPMENT), PARTNER, OUR, 1, WHEN)  # type: ignore[operator]


def test_a_partner_without_an_edifact_id_gets_no_document() -> None:
    with pytest.raises(InvalidInput, match="HOFFMANN EDIFACT id is missing"):
        build_invoic(INVOICE, replace(PARTNER, edifact_id=""), OUR, 1, WHEN)
