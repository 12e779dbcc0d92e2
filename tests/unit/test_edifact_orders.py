"""EDIFACT ORDERS messages become canonical orders; other messages do not."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shipshape.adapters.channels.edifact import (
    EdifactMessage,
    EdifactSyntaxError,
    delivery_party_id,
    is_orders,
    order_from_orders,
    parse_interchange,
    unsupported_message_error,
)
from shipshape.domain.orders import OrderDraft, OrderLine, ShipTo
from shipshape.domain.partners import TradingPartner

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi" / "edifact"
PARTNER = TradingPartner(id="HOFF", customer_id="C-HOFF", edifact_id="4012345000009:14")


def messages(relative: str) -> tuple[str, tuple[EdifactMessage, ...]]:
    interchange = parse_interchange((FIXTURES / relative).read_bytes(),
                                    allow_missing_trailer=True)
    return interchange.control_reference, interchange.messages


def order(relative: str, partner: TradingPartner = PARTNER, index: int = 0) -> OrderDraft:
    reference, found = messages(relative)
    return order_from_orders(found[index], partner, reference)


def test_two_messages_become_two_orders() -> None:
    first, second = (order("shipshape/orders_two_messages.edi", index=i) for i in (0, 1))

    assert (first.channel, first.external_id, first.customer_id) == \
        ("edi", "ICR0042-M1", "C-HOFF")
    assert first.customer_po == "PO-7781"
    assert first.requested_ship_date == date(2026, 12, 4)
    assert first.ship_to == ShipTo(
        name="Hoffmann + Partner Lager Nord Tor 3", line1="Industriestraße 12, Halle B",
        city="Hamburg", region="HH", postal_code="22113", country="DE")
    assert first.lines == (
        OrderLine(1, "ACME-100", 24, Decimal("12.50"), "PCE"),
        OrderLine(2, "ACME-200", 6, Decimal("12.5"), "EA"),
    )
    assert second.external_id == "ICR0042-M2"
    assert second.requested_ship_date == date(2026, 12, 1)
    assert second.ship_to == ShipTo(name="Hoffmann's Filiale Süd", line1="Marktplatz 1",
                                    city="München", postal_code="80331", country="DE")
    assert second.lines == (OrderLine(1, "4006381333948", 3, Decimal("7.25")),)


def test_pydifact_order_with_gtins_and_a_delivery_party() -> None:
    draft = order("pydifact/order.edi")

    assert draft.external_id == "807-1"
    assert draft.customer_po == "801715918011"
    assert draft.requested_ship_date == date(2015, 8, 6)
    assert draft.ship_to == ShipTo()
    assert [(ln.line_no, ln.sku, ln.quantity, ln.unit_price) for ln in draft.lines] == [
        (1, "5020436373085", 8, None), (2, "5020436373108", 8, None)]
    assert delivery_party_id(messages("pydifact/order.edi")[1][0]) == "8711576100019"


def test_pydifact_order2_with_a_buyer_item_and_a_price() -> None:
    draft = order("pydifact/order2.edi")

    assert draft.customer_po == "PO123456"
    assert draft.requested_ship_date is None
    assert draft.lines == (OrderLine(1, "ABC123", 10, Decimal("25.00")),)


def test_staedi_grouped_order_maps_its_content() -> None:
    reference, found = messages("staedi/orders-with-group.edi")
    # the sample's UNT count is wrong, so only its content is mapped here
    clean = dataclasses.replace(found[0], errors=())
    partner = dataclasses.replace(PARTNER, item_xref={"BP:8641800": "SKU-WIDGET"})

    unmapped = order_from_orders(clean, PARTNER, reference)
    mapped = order_from_orders(clean, partner, reference)

    assert unmapped.customer_po == "C1441747"
    assert unmapped.requested_ship_date is None
    assert unmapped.lines == (OrderLine(1, "5400111864181", 288, Decimal("12.80")),)
    assert mapped.lines[0].sku == "SKU-WIDGET"
    with pytest.raises(EdifactSyntaxError) as caught:
        order_from_orders(found[0], PARTNER, reference)
    assert caught.value.code == "29"


def test_gtin_cross_reference_gives_the_sku() -> None:
    partner = dataclasses.replace(PARTNER, item_xref={"EN:5020436373085": "SKU-A"})

    assert [ln.sku for ln in order("pydifact/order.edi", partner).lines] == \
        ["SKU-A", "5020436373108"]


@pytest.mark.parametrize("relative", [
    "pydifact/invoice1.edi", "pydifact/aperak_v3.edi", "staedi/invoic_d97b_una.edi",
    "edi-net/edifact.ORDRSP.edi",
])
def test_other_message_types_are_not_orders(relative: str) -> None:
    reference, found = messages(relative)
    message = dataclasses.replace(found[0], errors=())

    assert not is_orders(message)
    with pytest.raises(EdifactSyntaxError) as caught:
        order_from_orders(message, PARTNER, reference)
    assert caught.value.error == unsupported_message_error(message)
    assert caught.value.code == "17"


def build(body: str) -> EdifactMessage:
    segments = body.count("'") + 2
    data = (f"UNB+UNOA:3+S+R+261120:0930+R1'UNH+1+ORDERS:D:96A:UN'{body}"
            f"UNT+{segments}+1'UNZ+1+R1'")
    message = parse_interchange(data).messages[0]
    assert message.errors == ()
    return message


def test_date_formats_and_qualifier_preference() -> None:
    assert order_from_orders(
        build("BGM+220+P'DTM+64:20261203:102'DTM+10:202612021200:203'LIN+1++X:SA'"),
        PARTNER, "R1").requested_ship_date == date(2026, 12, 2)
    assert order_from_orders(
        build("BGM+220+P'DTM+2:20261205093000:204'LIN+1++X:SA'"),
        PARTNER, "R1").requested_ship_date == date(2026, 12, 5)
    assert order_from_orders(
        build("BGM+220+P'DTM+2:20261201-20261204:718'LIN+1++X:SA'"),
        PARTNER, "R1").requested_ship_date == date(2026, 12, 1)


def test_line_ids_quantities_and_prices() -> None:
    draft = order_from_orders(build(
        "BGM+220+P'NAD+ST+++Shop+1 Main St+Dallas+TX+75201+US'"
        "LIN+++:+1'PIA+5+B0918306:::91'QTY+1:4:KGM'QTY+21:7:EA'PRI+AAB:20'PRI+AAA:3630.1724::NTP:100'"
        "LIN+20++012345678905:UP'PIA+1+CU-9:IN'"), PARTNER, "R1")

    assert draft.ship_to == ShipTo("Shop", "1 Main St", "Dallas", "TX", "75201", "US")
    assert draft.lines == (
        OrderLine(1, "B0918306", 7, Decimal("36.301724"), "EA"),
        OrderLine(20, "CU-9", None, None, None),
    )


@pytest.mark.parametrize(("body", "code", "tag", "position"), [
    ("LIN+1++X:SA'", "13", "BGM", None),
    ("BGM+220'LIN+1++X:SA'", "13", "BGM", 2),
    ("BGM+220+P'", "13", "LIN", None),
    ("BGM+220+P'LIN+1'QTY+21:1'", "13", "LIN", 3),
    ("BGM+220+P'LIN+A1++X:SA'", "12", "LIN", 3),
    ("BGM+220+P'LIN+1++X:SA'QTY+21:1020A:EA'", "12", "QTY", 4),
    ("BGM+220+P'LIN+1++X:SA'QTY+21:2.5'", "12", "QTY", 4),
    ("BGM+220+P'LIN+1++X:SA'PRI+AAA:$1.179'", "12", "PRI", 4),
    ("BGM+220+P'DTM+2:20261332:102'LIN+1++X:SA'", "12", "DTM", 3),
    ("BGM+220+P'DTM+2:20261201:999'LIN+1++X:SA'", "12", "DTM", 3),
])
def test_unusable_content_is_refused_with_its_position(
        body: str, code: str, tag: str, position: int | None) -> None:
    with pytest.raises(EdifactSyntaxError) as caught:
        order_from_orders(build(body), PARTNER, "R1")

    error = caught.value.error
    assert (error.code, error.segment_tag, error.segment_position) == (code, tag, position)
    assert error.message_ref == "1"


CALL_OFF = ("UNA:+.? '\nUNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+ICR7++ORDERS'\n"
            "UNH+1+ORDERS:D:96A:UN:EAN008'\nBGM+{code}+{number}+9'\nDTM+2:20261201:102'\n"
            "{reference}NAD+DP+4012345000115::9'\nLIN+1++4006381333931:EN'\nQTY+21:5'\n"
            "UNS+S'\nUNT+{count}+1'\nUNZ+1+ICR7'\n")


def call_off(code: str, number: str, reference: str = "RFF+BO:BO-55'\n") -> OrderDraft:
    text = CALL_OFF.format(code=code, number=number, reference=reference,
                           count=8 + bool(reference))
    interchange = parse_interchange(text)
    return order_from_orders(interchange.messages[0], PARTNER, interchange.control_reference)


def test_a_call_off_order_naming_its_blanket_is_a_release_of_the_blanket() -> None:
    draft = call_off("226", "CO-1")

    assert (draft.customer_po, draft.release_number) == ("BO-55", "CO-1")


@pytest.mark.parametrize(("code", "reference"), [("220", "RFF+BO:BO-55'\n"), ("226", "")],
                         ids=["an order naming a blanket", "a call-off naming none"])
def test_other_orders_keep_their_document_number_as_po(code: str, reference: str) -> None:
    draft = call_off(code, "CO-1", reference)

    assert (draft.customer_po, draft.release_number) == ("CO-1", None)


def test_a_call_off_number_too_long_for_a_release_is_refused_with_code_39() -> None:
    with pytest.raises(EdifactSyntaxError) as refused:
        call_off("226", "C" * 36)

    assert (refused.value.code, refused.value.error.segment_tag) == ("39", "BGM")
