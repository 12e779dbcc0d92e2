"""X12 tokenizer and envelope checks: what a partner's file must look like to be read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shipshape.adapters.channels.x12 import Interchange, X12SyntaxError, parse, validate
from shipshape.domain.errors import InvalidInput

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi" / "x12"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def node_850() -> str:
    """node-x12's 850 on one line, "~" terminated."""
    return fixture("node-x12/850.edi").decode().replace("\n", "")


def codes(interchange: Interchange) -> list[tuple[str, str]]:
    return [(error.level, error.code) for error in validate(interchange)]


def only(data: bytes | str) -> Interchange:
    interchanges = parse(data)
    assert len(interchanges) == 1
    return interchanges[0]


def test_an_850_is_read_with_its_envelope_and_validates_clean() -> None:
    ix = only(fixture("node-x12/850.edi"))

    assert (ix.separators.element, ix.separators.component, ix.separators.segment) == (
        "*", ">", "~")
    assert (ix.sender_qualifier, ix.sender_id) == ("12", "4405197800")
    assert (ix.receiver_qualifier, ix.receiver_id) == ("01", "999999999")
    assert (ix.control_number, ix.version, ix.usage_indicator) == ("000003438", "00400", "P")
    assert (ix.date, ix.time, ix.isa_length) == ("101127", "1719", 106)
    group = ix.groups[0]
    assert (group.functional_id, group.sender, group.receiver) == ("PO", "4405197800",
                                                                   "999999999")
    assert (group.control_number, group.version) == ("1421", "004010VICS")
    [ts] = group.transaction_sets
    assert (ts.id, ts.control_number, len(ts.segments)) == ("850", "000000010", 33)
    assert ts.segments[1] == ["BEG", "00", "SA", "08292233294", "", "20101127", "610385385"]
    assert ts.segments[-1] == ["SE", "33", "000000010"]
    assert validate(ix) == []


def test_a_line_feed_can_be_the_segment_terminator() -> None:
    with_tilde = only(fixture("node-x12/850.edi"))
    with_newline = only(fixture("node-x12/850_2.edi"))

    assert with_newline.separators.segment == "\n"
    assert with_newline.groups[0].transaction_sets[0].segments == (
        with_tilde.groups[0].transaction_sets[0].segments)
    assert validate(with_newline) == []


def test_a_file_wrapped_at_80_columns_parses_identically() -> None:
    original = node_850()
    wrapped = "\r\n".join(textwrap.wrap(original, 80, drop_whitespace=False,
                                        break_on_hyphens=False))
    assert wrapped.count("\r\n") > 10 and "\r\n" in wrapped[:106]

    assert parse(wrapped.encode()) == parse(original)


def test_a_wrapped_file_whose_isa_ends_at_a_line_break_keeps_its_terminator() -> None:
    original = node_850()
    wrapped = original[:105] + "\n" + original[105:]

    assert parse(wrapped) == parse(original)


def test_the_staedi_file_wrapped_at_80_characters_validates_clean() -> None:
    data = fixture("staedi/ts210_80char.edi")
    assert b"022\n4*U" in data

    ix = only(data)

    assert ix.isa_length == 106
    [ts] = ix.groups[0].transaction_sets
    assert (ts.id, ts.control_number, len(ts.segments)) == ("210", "1305", 31)
    assert ["N4", "WILKESBORO", "NC", "286977576", "US"] in ts.segments
    assert validate(ix) == []


def test_non_printable_separators_are_read_from_the_isa() -> None:
    text = node_850().replace("*", "\x1d").replace("~", "\x1c").replace(">", "\x1f")

    ix = only(text.encode())

    assert ix.separators.element == "\x1d"
    assert ix.separators.segment == "\x1c"
    assert ix.separators.component == "\x1f"
    assert ix.groups[0].transaction_sets[0].segments == (
        only(node_850()).groups[0].transaction_sets[0].segments)
    assert validate(ix) == []


def test_several_interchanges_in_one_file() -> None:
    interchanges = parse(fixture("staedi/simple997-multiple-interchanges.edi"))

    assert [ix.control_number for ix in interchanges] == ["000000001", "000000002", "000000003"]
    assert all(validate(ix) == [] for ix in interchanges)
    assert interchanges[0].separators.repetition == "^"


def test_each_interchange_in_a_file_keeps_its_own_separators() -> None:
    second = node_850().replace("*", "|").replace("~", "\n").replace(">", "^")

    first, other = parse(node_850() + "\r\n" + second)

    assert (first.separators.element, other.separators.element) == ("*", "|")
    assert other.separators.segment == "\n"
    assert validate(first) == validate(other) == []


def test_bom_non_breaking_spaces_and_indentation_are_read() -> None:
    ix = only(fixture("edi-net/x12.850a.edi"))

    [ts] = ix.groups[0].transaction_sets
    assert ts.segments[1] == ["BEG", "00", "SA", "4600000406", "", "20140724"]
    assert (ix.sender_id, ix.receiver_id) == ("000123456", "TEST2")
    # as published: ISA02/ISA04 shortened to 102 characters and IEA02 000000001 for ISA13 000000055
    assert codes(ix) == [("interchange", "022"), ("interchange", "001")]


def test_a_component_separator_at_every_segment_end_is_suppressed() -> None:
    ix = only(fixture("edi-net/x12.850.issue135.edi"))

    assert (ix.separators.component, ix.separators.segment) == ("~", "\n")
    group = ix.groups[0]
    assert group.version == "004010"
    first, second = group.transaction_sets
    assert first.segments[1] == ["BEG", "05", "CP", "740150", "", "20191001"]
    assert (len(first.segments), len(second.segments)) == (87, 95)
    # both sets are numbered 0001 inside the same group
    assert codes(ix) == [("set", "23")]


@pytest.mark.parametrize("name", ["staedi/simple997.edi", "staedi/empty997.edi",
                                  "staedi/invalid997.edi", "staedi/extraDelimiter997.edi"])
def test_staedi_997_samples_have_sound_envelopes(name: str) -> None:
    ix = only(fixture(name))

    assert ix.groups[0].transaction_sets[0].id == "997"
    assert validate(ix) == []


def test_repeated_elements_keep_their_repetition_separator() -> None:
    ix = only(fixture("staedi/extraDelimiter997.edi"))

    ak3 = ix.groups[0].transaction_sets[0].segments[3]
    assert ak3[:2] == ["AK3", "NM1"]
    assert ak3[2] == "AK302-R1^AK302-R2^AK302-R3-COMP1:AK302-R3-COMP2"


def broken(old: str, new: str) -> Interchange:
    text = node_850()
    assert old in text
    return only(text.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("IEA*1*000003438", "IEA*1*000003439", ("interchange", "001")),
    ("IEA*1*", "IEA*2*", ("interchange", "021")),
    ("GE*1*1421", "GE*1*1422", ("group", "4")),
    ("GE*1*1421", "GE*2*1421", ("group", "5")),
    ("SE*33*", "SE*32*", ("set", "4")),
    ("SE*33*000000010", "SE*33*000000011", ("set", "3")),
    ("*101127*", "*101327*", ("interchange", "014")),
    ("*0*P*", "*0*X*", ("interchange", "020")),
])
def test_envelope_faults_carry_their_ack_code(old: str, new: str,
                                              expected: tuple[str, str]) -> None:
    assert codes(broken(old, new)) == [expected]


def test_an_isa_that_is_not_106_characters_is_reported() -> None:
    ix = broken("*ABCCO     *", "*ABCCO      *")

    assert ix.isa_length == 107
    assert codes(ix) == [("interchange", "022")]
    assert ix.groups[0].transaction_sets[0].segments[1][0] == "BEG"


def test_missing_trailers_are_reported() -> None:
    assert codes(broken("SE*33*000000010~", "")) == [("set", "2")]
    assert codes(broken("GE*1*1421~", "")) == [("group", "3")]


def test_segments_outside_a_transaction_set_are_invalid_content() -> None:
    ix = broken("GE*1*1421~", "GE*1*1421~REF*XX*1~")

    assert codes(ix) == [("interchange", "024")]


def test_an_unknown_segment_id_in_a_set_marks_the_set() -> None:
    ix = broken("REF*DP*038~", "ref*DP*038~")

    [ts] = ix.groups[0].transaction_sets
    assert codes(ix) == [("set", "5")]
    assert [(e.segment_id, e.position, e.code) for e in ts.segment_errors] == [("ref", 3, "1")]


def refused(data: bytes | str) -> X12SyntaxError:
    with pytest.raises(X12SyntaxError) as caught:
        parse(data)
    assert isinstance(caught.value, InvalidInput)
    return caught.value


def test_a_truncated_file_is_refused_and_names_the_sender() -> None:
    text = node_850()
    error = refused(text[: text.index("GE*")])

    assert (error.code, error.reason) == ("023", "truncated")
    assert error.header is not None and error.header.sender_id == "4405197800"


def test_an_interchange_without_iea_before_the_next_isa_is_refused() -> None:
    text = node_850()
    error = refused(text.replace("IEA*1*000003438~", "") + text)

    assert (error.code, error.reason) == ("023", "truncated")


def test_a_cut_isa_is_refused() -> None:
    assert refused(node_850()[:60]).code == "023"


@pytest.mark.parametrize("data", [b"", b"   \r\n\t", "", "\ufeff"])
def test_empty_input_is_refused(data: bytes | str) -> None:
    error = refused(data)
    assert (error.code, error.reason) == ("023", "empty")


def test_ebcdic_is_refused() -> None:
    error = refused(node_850().encode("cp500"))

    assert (error.code, error.reason) == ("024", "ebcdic")
    assert "EBCDIC" in str(error)


def test_random_binary_is_refused() -> None:
    data = bytes((i * 151 + 7) % 256 for i in range(2048))

    error = refused(data)

    assert (error.code, error.reason) == ("024", "binary")


def test_binary_inside_an_interchange_is_refused() -> None:
    error = refused(node_850().replace("REF*DP*038", "REF*DP*0\x00\x0138").encode())

    assert (error.code, error.reason) == ("024", "binary")


def test_text_that_is_not_x12_is_refused() -> None:
    error = refused(b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER'")

    assert (error.code, error.reason) == ("024", "not_x12")


def test_trailing_data_after_the_last_iea_is_refused() -> None:
    assert refused(node_850() + "\nGARBAGE").reason == "not_x12"


@pytest.mark.parametrize(("position", "char", "code"), [(3, "A", "026"), (104, "P", "027")])
def test_unusable_separators_are_refused(position: int, char: str, code: str) -> None:
    text = node_850()
    error = refused(text[:position] + char + text[position + 1:])

    assert (error.code, error.reason) == (code, "separators")


def test_a_terminator_equal_to_the_element_separator_is_refused() -> None:
    text = node_850()

    assert refused(text[:105] + "*" + text[106:]).code == "004"
