"""Reading EDIFACT interchanges: service characters, envelopes, and what is refused."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from shipshape.adapters.channels.edifact import (
    EdifactError,
    EdifactSyntaxError,
    parse_interchange,
    parse_interchanges,
)
from shipshape.domain.errors import InvalidInput

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi" / "edifact"
TWO_ORDERS = FIXTURES / "shipshape" / "orders_two_messages.edi"

CLEAN = (
    "UNB+UNOA:3+SENDER:14+SHIPSHAPE+261120:0930+REF1'"
    "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'LIN+1++SKU1:SA'QTY+21:5'UNT+5+1'"
    "UNZ+1+REF1'"
)


def codes(errors: tuple[EdifactError, ...]) -> list[tuple[str, str | None]]:
    return [(e.code, e.segment_tag) for e in errors]


def refused(data: bytes | str) -> EdifactSyntaxError:
    with pytest.raises(EdifactSyntaxError) as caught:
        parse_interchange(data)
    return caught.value


def test_a_clean_interchange_reads_its_envelope() -> None:
    interchange = parse_interchange(TWO_ORDERS.read_bytes())

    assert (interchange.syntax_identifier, interchange.syntax_version) == ("UNOC", "3")
    assert (interchange.sender_id, interchange.sender_qualifier) == ("4012345000009", "14")
    assert (interchange.recipient_id, interchange.recipient_qualifier) == ("SHIPSHAPE", "ZZ")
    assert interchange.control_reference == "ICR0042"
    assert interchange.prepared_at is not None
    assert interchange.prepared_at.isoformat() == "2026-11-20T09:30:00"
    assert [m.reference for m in interchange.messages] == ["M1", "M2"]
    assert interchange.messages[0].identifier == ("ORDERS", "D", "96A", "UN", "EAN008")
    assert interchange.all_errors == ()


def test_message_segments_run_from_unh_to_unt() -> None:
    message = parse_interchange(CLEAN).messages[0]

    assert [s.tag for s in message.segments] == ["UNH", "BGM", "LIN", "QTY", "UNT"]
    assert message.segments[2].value(3, 2) == "SA"
    assert message.segments[2].value(9) == ""


def test_release_character_and_latin1_text_survive() -> None:
    interchange = parse_interchange(TWO_ORDERS.read_text(encoding="utf-8").encode("latin-1"))

    nad = interchange.messages[1].segments[3]
    assert nad.value(4) == "Hoffmann's Filiale Süd"
    assert nad.value(6) == "München"


def test_custom_service_characters_from_una() -> None:
    interchange = parse_interchange((FIXTURES / "staedi" / "invoic_d97b_una.edi").read_bytes())

    assert interchange.service_characters == "=*.? ~"
    assert interchange.recipient_id == "006415160"  # sent as 006?415160
    assert interchange.messages[0].message_type == "INVOIC"
    assert interchange.all_errors == ()


def test_bom_and_no_newlines_and_newlines_read_alike() -> None:
    one_line = parse_interchange((FIXTURES / "edi-net" / "edifact.ORDRSP.edi").read_bytes())
    formatted = parse_interchange(
        (FIXTURES / "edi-net" / "edifact.ORDRSP-formatted.edi").read_bytes())

    assert one_line.control_reference == formatted.control_reference == "DAREFNR0000001"
    assert one_line.messages[0].message_type == formatted.messages[0].message_type == "ORDRSP"


def test_whitespace_and_crlf_between_segments_is_ignored() -> None:
    spaced = "\r\n  " + CLEAN.replace("'", "'\r\n\t ") + "\n\n"

    assert parse_interchange(spaced).messages == parse_interchange(CLEAN).messages


def test_str_and_utf16_input_read_like_bytes() -> None:
    assert parse_interchange(CLEAN) == parse_interchange(CLEAN.encode())
    assert parse_interchange(codecs.BOM_UTF16_LE + CLEAN.encode("utf-16-le")) == \
        parse_interchange(CLEAN)


def test_groups_are_read_and_checked() -> None:
    interchange = parse_interchange((FIXTURES / "staedi" / "orders-with-group.edi").read_bytes())

    assert [g.reference for g in interchange.groups] == ["1"]
    assert interchange.groups[0].sender == ("5400110000009", "14")
    assert interchange.messages[0].group_reference == "1"
    assert interchange.errors == ()
    # the upstream sample says UNT+21 for an 18-segment message
    assert codes(interchange.messages[0].errors) == [("29", "UNT")]


def test_several_interchanges_each_with_its_una() -> None:
    other = CLEAN.replace("REF1", "REF2").replace("+", "*").replace(":", "=")
    data = "UNA:+.? '" + CLEAN + "\nUNA=*.? '" + other

    found = parse_interchanges(data)

    assert [i.control_reference for i in found] == ["REF1", "REF2"]
    assert found[1].messages[0].segments[1].value(2) == "PO1"
    with pytest.raises(EdifactSyntaxError) as caught:
        parse_interchange(data)
    assert caught.value.code == "16"


def test_una_without_release_character_reads_question_marks_as_text() -> None:
    data = "UNA:+.  '" + CLEAN.replace("PO1", "PO?1")

    assert parse_interchange(data).messages[0].segments[1].value(2) == "PO?1"


def test_interchanges_back_to_back_without_una() -> None:
    found = parse_interchanges(CLEAN + "\n" + CLEAN.replace("REF1", "REF2"))

    assert [i.control_reference for i in found] == ["REF1", "REF2"]
    assert all(i.all_errors == () for i in found)


def test_test_indicator_is_read() -> None:
    data = CLEAN.replace("+REF1'", "+REF1++++++1'", 1)

    assert parse_interchange(data).test_indicator is True


# ------------------------------------------------------------ envelope mismatches: recorded


def test_wrong_unt_count_is_code_29_on_the_message() -> None:
    interchange = parse_interchange(CLEAN.replace("UNT+5+1", "UNT+6+1"))

    error = interchange.messages[0].errors[0]
    assert (error.code, error.segment_tag, error.segment_position, error.element_position) == \
        ("29", "UNT", 5, 1)
    assert error.message_ref == "1"
    assert interchange.errors == ()


def test_unt_reference_not_unh_is_code_28() -> None:
    interchange = parse_interchange(CLEAN.replace("UNT+5+1", "UNT+5+9"))

    assert codes(interchange.messages[0].errors) == [("28", "UNT")]
    assert interchange.messages[0].errors[0].element_position == 2


def test_wrong_unz_count_is_code_29_on_the_interchange() -> None:
    interchange = parse_interchange(CLEAN.replace("UNZ+1+REF1", "UNZ+3+REF1"))

    assert codes(interchange.errors) == [("29", "UNZ")]
    assert interchange.messages[0].errors == ()


def test_unz_reference_not_unb_is_code_28() -> None:
    interchange = parse_interchange(CLEAN.replace("UNZ+1+REF1", "UNZ+1+REF9"))

    assert codes(interchange.errors) == [("28", "UNZ")]
    assert interchange.errors[0].element_position == 2


def test_non_numeric_count_is_code_12() -> None:
    interchange = parse_interchange(CLEAN.replace("UNT+5+1", "UNT+X5+1"))

    assert codes(interchange.messages[0].errors) == [("12", "UNT")]


def test_duplicate_message_reference_is_code_26() -> None:
    message = "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1'UNT+3+1'"
    data = f"UNB+UNOA:3+S+R+261120:0930+R1'{message}{message}UNZ+2+R1'"

    interchange = parse_interchange(data)

    assert interchange.messages[0].errors == ()
    assert codes(interchange.messages[1].errors) == [("26", "UNH")]


def test_message_without_unt_is_code_13() -> None:
    data = "UNB+UNOA:3+S+R+261120:0930+R1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1'UNZ+1+R1'"

    assert codes(parse_interchange(data).messages[0].errors) == [("13", "UNT")]


def test_group_trailer_mismatch_is_reported_for_the_group() -> None:
    data = ("UNB+UNOA:3+S+R+261120:0930+R1'UNG+ORDERS+S+R+261120:0930+G1+UN+D:96A'"
            "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1'UNT+3+1'UNE+2+G7'UNZ+1+R1'")

    errors = parse_interchange(data).errors

    assert codes(errors) == [("29", "UNE"), ("28", "UNE")]
    assert {e.group_ref for e in errors} == {"G1"}


def test_segment_outside_a_message_is_code_33() -> None:
    data = CLEAN.replace("UNZ+1", "FTX+AAI+++stray'UNZ+1")

    assert codes(parse_interchange(data).errors) == [("33", "FTX")]


def test_interchange_without_messages_is_code_32() -> None:
    assert codes(parse_interchange("UNB+UNOA:3+S+R+261120:0930+R1'UNZ+0+R1'").errors) == \
        [("32", None)]


def test_unsupported_syntax_level_is_code_2() -> None:
    errors = parse_interchange(CLEAN.replace("UNOA:3", "UNOA:7")).errors

    assert codes(errors) == [("2", "UNB")]


def test_missing_trailer_may_be_recorded_instead_of_refused() -> None:
    data = (FIXTURES / "pydifact" / "order.edi").read_bytes()

    assert refused(data).code == "13"
    interchange = parse_interchange(data, allow_missing_trailer=True)
    assert codes(interchange.errors) == [("13", "UNZ")]
    assert interchange.messages[0].errors == ()


# ------------------------------------------------------------ unreadable input: refused


@pytest.mark.parametrize(("data", "code"), [
    (b"", "13"),
    (b"   \r\n", "13"),
    ("\ufeff", "13"),
    (CLEAN.encode("cp500"), "46"),
    (("UNA:+.? '" + CLEAN).encode("cp500"), "46"),
    (b"UNB+UNOA:3+S\x00\x01\x02\xff\xfe+R'", "21"),
    (bytes(range(256)) * 4, "21"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "21"),
    (b"ISA*00*          *00*", "13"),
    (b"<?xml version='1.0'?><order/>", "13"),
    (CLEAN[:-12].encode(), "13"),
    (CLEAN[:40].encode(), "13"),
    (CLEAN.replace("UNZ+1+REF1'", ""), "13"),
    ("UNA:+", "13"),
    ("UNA:+.? '", "13"),
    ("UNA::.? '" + CLEAN, "20"),
    ("UNA:+x? '" + CLEAN, "19"),
    ("UNH+1+ORDERS:D:96A:UN'UNT+2+1'", "13"),
    ("UNB+UNOA:3+S+R+261120:0930+'UNZ+0+'", "13"),
    ("UNB+UNOA:3++R+261120:0930+R1'UNZ+0+R1'", "13"),
    (CLEAN[:-1] + "?'", "13"),
    (CLEAN.encode("utf-8").replace(b"UNOA", b"UNOW").replace(b"PO1", b"PO\xff"), "21"),
])
def test_unreadable_input_is_refused(data: bytes | str, code: str) -> None:
    error = refused(data)

    assert error.code == code
    assert isinstance(error, InvalidInput)
    assert str(error).startswith(f"EDIFACT error {code}: ")


def test_ebcdic_is_named_in_the_message() -> None:
    assert "EBCDIC" in str(refused(CLEAN.encode("cp500")))


def test_truncated_interchange_inside_a_message_is_refused() -> None:
    cut = CLEAN[:CLEAN.index("UNT")]

    error = refused(cut)

    assert error.code == "13"
    assert error.error.segment_tag == "UNZ"
