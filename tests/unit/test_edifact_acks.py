"""CONTRL and APERAK out: right action codes and errors, and they read back clean."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shipshape.adapters.channels.edifact import (
    EdifactInterchange,
    EdifactSegment,
    EdifactSyntaxError,
    build_aperak,
    build_contrl,
    order_from_orders,
    parse_interchange,
    unsupported_message_error,
)
from shipshape.domain.partners import OurIdentity, TradingPartner

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi" / "edifact"
OUR = OurIdentity(edifact_id="SHIPSHAPE")
PARTNER = TradingPartner(id="HOFF", customer_id="C-HOFF", edifact_id="4012345000009:14")
NOW = datetime(2026, 11, 21, 8, 5, tzinfo=UTC)

CLEAN = (
    "UNB+UNOA:3+SENDER:14+SHIPSHAPE:ZZ+261120:0930+REF1'"
    "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'LIN+1++SKU1:SA'QTY+21:5'UNT+5+1'"
    "UNH+2+ORDERS:D:96A:UN'BGM+220+PO2+9'LIN+1++SKU2:SA'QTY+21:5'UNT+5+2'"
    "UNZ+2+REF1'"
)


def contrl(interchange: EdifactInterchange, *extra: EdifactSyntaxError) -> EdifactInterchange:
    text = build_contrl(interchange, [e.error for e in extra], "C0001", OUR, now=NOW)
    answer = parse_interchange(text)
    assert answer.all_errors == ()
    assert [m.message_type for m in answer.messages] == ["CONTRL"]
    return answer


def body(answer: EdifactInterchange) -> list[EdifactSegment]:
    return list(answer.messages[0].segments[1:-1])


def uci(answer: EdifactInterchange) -> EdifactSegment:
    return body(answer)[0]


def test_clean_interchange_is_acknowledged() -> None:
    answer = contrl(parse_interchange(CLEAN))

    assert (answer.sender_id, answer.sender_qualifier) == ("SHIPSHAPE", "ZZ")
    assert (answer.recipient_id, answer.recipient_qualifier) == ("SENDER", "14")
    assert (answer.control_reference, answer.prepared_date, answer.prepared_time) == \
        ("C0001", "261121", "0805")
    assert answer.messages[0].identifier == ("CONTRL", "D", "3", "UN")
    assert [s.tag for s in body(answer)] == ["UCI"]
    assert uci(answer).elements == (("REF1",), ("SENDER", "14"), ("SHIPSHAPE", "ZZ"), ("7",))


def test_bad_unz_count_rejects_the_interchange() -> None:
    answer = contrl(parse_interchange(CLEAN.replace("UNZ+2", "UNZ+5")))

    assert uci(answer).elements[3:] == (("4",), ("29",), ("UNZ",), ("1",))


def test_bad_unt_count_rejects_and_names_the_message() -> None:
    answer = contrl(parse_interchange(CLEAN.replace("UNT+5+2", "UNT+4+2")))

    segments = body(answer)
    assert uci(answer).value(4) == "7"
    assert [s.tag for s in segments] == ["UCI", "UCM"]
    assert segments[1].elements == (("2",), ("ORDERS", "D", "96A", "UN"), ("4",), ("29",),
                                    ("UNT",), ("1",))


def test_every_message_bad_rejects_the_interchange() -> None:
    data = CLEAN.replace("UNT+5+2", "UNT+4+2").replace("UNT+5+1", "UNT+5+9")

    answer = contrl(parse_interchange(data))

    assert uci(answer).value(4) == "4"
    assert [(s.value(1), s.value(3), s.value(4)) for s in body(answer)[1:]] == \
        [("1", "4", "28"), ("2", "4", "29")]


def test_content_error_is_placed_with_ucs_and_ucd() -> None:
    interchange = parse_interchange(CLEAN.replace("QTY+21:5'UNT+5+2", "QTY+21:5X'UNT+5+2"))
    with pytest.raises(EdifactSyntaxError) as caught:
        order_from_orders(interchange.messages[1], PARTNER, "REF1")

    segments = body(contrl(interchange, caught.value))

    assert [s.tag for s in segments] == ["UCI", "UCM", "UCS", "UCD"]
    assert segments[1].elements[2:] == (("4",),)
    assert segments[2].elements == (("4",),)
    assert segments[3].elements == (("12",), ("1", "2"))


def test_unsupported_message_type_is_code_17() -> None:
    interchange = parse_interchange((FIXTURES / "pydifact" / "invoice1.edi").read_bytes())
    error = EdifactSyntaxError(unsupported_message_error(interchange.messages[0]))

    segments = body(contrl(interchange, error))

    assert segments[0].value(4) == "4"
    assert segments[1].elements == (("1",), ("INVOIC", "D", "97A", "UN"), ("4",), ("17",),
                                    ("UNH",), ("2", "1"))


def test_grouped_message_errors_go_under_ucf() -> None:
    interchange = parse_interchange((FIXTURES / "staedi" / "orders-with-group.edi").read_bytes())

    segments = body(contrl(interchange))

    assert [s.tag for s in segments] == ["UCI", "UCF", "UCM"]
    assert segments[1].elements == (("1",), ("5400110000009", "14"), ("5013546107732", "14"),
                                    ("4",))
    assert segments[2].value(5) == "UNT"


def test_syntax_4_answers_with_contrl_4_and_long_dates() -> None:
    interchange = parse_interchange((FIXTURES / "pydifact" / "order.edi").read_bytes(),
                                    allow_missing_trailer=True)

    answer = contrl(interchange)

    assert answer.syntax_version == "4"
    assert answer.prepared_date == "20261121"
    assert answer.messages[0].identifier == ("CONTRL", "4", "1", "UN")
    assert uci(answer).elements[3:] == (("4",), ("13",), ("UNZ",))


def test_received_only_sends_action_8() -> None:
    text = build_contrl(parse_interchange(CLEAN), [], "C2", OUR, now=NOW, received_only=True)

    assert uci(parse_interchange(text)).value(4) == "8"


def test_aperak_carries_the_po_and_the_error_text() -> None:
    long_text = "Item 5020436373085 is not known for this customer; " * 3
    text = build_aperak("PO-7781", "ICR0042-M1",
                        [("UNKNOWN_ITEM", long_text), ("12", "Preis: 12,50 € falsch?")],
                        "A0001", PARTNER, OUR, now=NOW)

    answer = parse_interchange(text)

    assert answer.all_errors == ()
    assert (answer.sender_id, answer.recipient_id, answer.recipient_qualifier) == \
        ("SHIPSHAPE", "4012345000009", "14")
    assert answer.syntax_identifier == "UNOC"
    message = answer.messages[0]
    assert message.identifier == ("APERAK", "D", "96A", "UN")
    tags = [s.tag for s in message.segments]
    assert tags == ["UNH", "BGM", "DTM", "RFF", "RFF", "ERC", "FTX", "ERC", "FTX", "UNT"]
    bgm, dtm, rff_on, rff_acw, erc, ftx, erc2, ftx2 = message.segments[1:-1]
    assert (bgm.value(1), bgm.value(2)) == ("313", "A0001")
    assert dtm.elements == (("137", "202611210805", "203"),)
    assert rff_on.elements == (("ON", "PO-7781"),)
    assert rff_acw.elements == (("ACW", "ICR0042-M1"),)
    assert erc.value(1) == "UNKNOWN_ITEM"
    assert ftx.value(1) == "AAO"
    assert "".join(ftx.composite(4)) == long_text
    assert erc2.value(1) == "12"
    assert ftx2.value(4) == "Preis: 12,50 ? falsch?"
