"""997, TA1 and 855: what the partner gets back, and that it reads as sound X12."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from shipshape.adapters.channels.x12 import (
    Interchange,
    Order850,
    build_855,
    build_997,
    build_ta1,
    orders_from_850,
    parse,
    set_result,
    ta1_note,
    validate,
)
from shipshape.domain.errors import InvalidInput
from shipshape.domain.order_response import LineResponse, LineStatus, OrderResponse
from shipshape.domain.partners import OurIdentity, TradingPartner

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi" / "x12"
AT = datetime(2026, 3, 2, 14, 5)
OUR = OurIdentity(isa_qualifier="ZZ", isa_id="SHIPSHAPE", gs_code="SHIPSHAPE")
PARTNER = TradingPartner(id="xyz", customer_id="CUST-XYZ")


def node_850(**replacements: str) -> str:
    text = (FIXTURES / "node-x12/850.edi").read_text().replace("\n", "")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def read_back(document: str) -> tuple[Interchange, list[list[str]]]:
    """The generated document parsed by our own reader; it must validate clean."""
    [ix] = parse(document)
    assert validate(ix) == []
    assert ix.isa_length == 106
    segments = [s for g in ix.groups for ts in g.transaction_sets for s in ts.segments]
    return ix, segments


def tagged(segments: list[list[str]], tag: str) -> list[list[str]]:
    return [s for s in segments if s[0] == tag]


def ack_997(text: str, control_number: int = 41) -> tuple[Interchange, list[list[str]]]:
    [ix] = parse(text)
    group = ix.groups[0]
    results = [set_result(ts, orders_from_850(ts, PARTNER, AT.date()))
               for ts in group.transaction_sets]
    return read_back(build_997(ix, group, results, control_number, OUR, AT))


def test_997_accepts_a_clean_group_and_goes_back_to_the_sender() -> None:
    ix, segments = ack_997(node_850())

    assert (ix.sender_qualifier, ix.sender_id) == ("ZZ", "SHIPSHAPE")
    assert (ix.receiver_qualifier, ix.receiver_id) == ("12", "4405197800")
    assert (ix.control_number, ix.date, ix.time) == ("000000041", "260302", "1405")
    group = ix.groups[0]
    assert (group.functional_id, group.sender, group.receiver) == ("FA", "SHIPSHAPE",
                                                                   "4405197800")
    assert (group.control_number, group.version) == ("41", "004010VICS")
    assert segments[0] == ["ST", "997", "0001"]
    assert tagged(segments, "AK1") == [["AK1", "PO", "1421"]]
    assert tagged(segments, "AK2") == [["AK2", "850", "000000010"]]
    assert tagged(segments, "AK5") == [["AK5", "A"]]
    assert tagged(segments, "AK9") == [["AK9", "A", "1", "1", "1"]]


def test_997_rejects_a_set_whose_se_count_is_wrong() -> None:
    _, segments = ack_997(node_850(**{"SE*33*": "SE*30*"}))

    assert tagged(segments, "AK5") == [["AK5", "R", "4"]]
    assert tagged(segments, "AK9") == [["AK9", "R", "1", "1", "0"]]


def test_997_partially_accepts_a_group_with_one_bad_set() -> None:
    text = node_850()
    start, end = text.index("ST*850"), text.index("GE*")
    second = text[start:end].replace("000000010", "000000011").replace("SE*33*", "SE*34*")
    text = text[:end] + second + text[end:].replace("GE*1*", "GE*2*")

    _, segments = ack_997(text)

    assert tagged(segments, "AK2") == [["AK2", "850", "000000010"], ["AK2", "850", "000000011"]]
    assert tagged(segments, "AK5") == [["AK5", "A"], ["AK5", "R", "4"]]
    assert tagged(segments, "AK9") == [["AK9", "P", "2", "2", "1"]]


def test_997_rejects_a_group_whose_trailer_does_not_match() -> None:
    _, segments = ack_997(node_850(**{"GE*1*1421": "GE*1*1420"}))

    assert tagged(segments, "AK5") == [["AK5", "A"]]
    assert tagged(segments, "AK9") == [["AK9", "R", "1", "1", "0", "4"]]


def test_997_points_at_the_faulty_segment_and_element() -> None:
    _, segments = ack_997(node_850(**{"PO1*2*220*EA*13.79": "PO1*2*22O*EA*13.79",
                                      "CTT*6": "CTT*7"}))

    assert tagged(segments, "AK3") == [["AK3", "PO1", "16", "", "8"],
                                       ["AK3", "CTT", "31", "", "8"]]
    assert tagged(segments, "AK4") == [["AK4", "2", "330", "6", "22O"]]
    assert tagged(segments, "AK5") == [["AK5", "R", "5"]]
    assert tagged(segments, "AK9") == [["AK9", "R", "1", "1", "0"]]


def test_997_uses_the_partner_separators_even_non_printable_ones() -> None:
    text = node_850().replace("*", "\x1d").replace("~", "\x1c").replace(">", "\x1f")
    [ix] = parse(text)

    document = build_997(ix, ix.groups[0], None, 3, OUR, AT)

    assert document.startswith("ISA\x1d00\x1d") and document.endswith("\x1c")
    read_ix, segments = read_back(document)
    assert read_ix.separators == ix.separators
    assert tagged(segments, "AK9") == [["AK9", "A", "1", "1", "1"]]


def test_ta1_reports_an_interchange_control_number_mismatch() -> None:
    [inbound] = parse(node_850(**{"IEA*1*000003438": "IEA*1*000003439"}))
    assert ta1_note(inbound) == "001"

    ix, _ = read_back(build_ta1(inbound, ta1_note(inbound), 12, OUR, AT))

    assert ix.groups == []
    assert ix.ta1 == [["TA1", "000003438", "101127", "1719", "R", "001"]]
    assert ix.trailer == ["IEA", "0", "000000012"]
    assert (ix.receiver_qualifier, ix.receiver_id) == ("12", "4405197800")


def test_ta1_without_errors_accepts() -> None:
    [inbound] = parse(node_850())
    assert ta1_note(inbound) == "000"

    ix, _ = read_back(build_ta1(inbound, "000", 13, OUR, AT))

    assert ix.ta1[0][4:] == ["A", "000"]


def order_850() -> Order850:
    [ix] = parse(node_850())
    [order] = orders_from_850(ix.groups[0].transaction_sets[0], PARTNER, date(2026, 3, 2))
    return order


def ack_lines(segments: list[list[str]]) -> list[tuple[str, str, str]]:
    """(PO101, ACK01, ACK02) per line."""
    po1s, acks = tagged(segments, "PO1"), tagged(segments, "ACK")
    assert len(po1s) == len(acks)
    return [(po1[1], ack[1], ack[2] if len(ack) > 2 else "") for po1, ack in zip(po1s, acks,
                                                                                 strict=True)]


def respond(order: Order850, outcomes: LineStatus | dict[int, list[tuple[LineStatus, int]]],
            shipping: date | None = None) -> OrderResponse:
    """An order response: one status for every line (its quantity), or per line its ACKs."""
    lines = []
    for line in order.lines:
        ordered = line.quantity or 0
        acks = ([(outcomes, ordered)] if isinstance(outcomes, LineStatus)
                else outcomes.get(line.line_no, []))
        lines += [LineResponse(line.line_no, f"SKU-{line.line_no}", ordered, quantity, status,
                               "EA", shipping if status is LineStatus.ACCEPTED else None)
                  for status, quantity in acks]
    return OrderResponse(order.draft.external_id, order.po_number, order.release, tuple(lines))


def test_855_carries_each_line_s_own_outcomes() -> None:
    outcome = {1: [(LineStatus.ACCEPTED, 120)], 2: [(LineStatus.HELD, 220)],
               3: [(LineStatus.REJECTED, 126)], 4: [(LineStatus.QUANTITY_CHANGED, 50)],
               5: [(LineStatus.ACCEPTED, 30), (LineStatus.BACKORDERED, 42)],
               6: [(LineStatus.BACKORDERED, 696)]}

    ix, segments = read_back(build_855(order_850(), respond(order_850(), outcome,
                                                            date(2026, 3, 5)), 77, OUR, AT))

    assert ix.groups[0].functional_id == "PR"
    assert segments[0] == ["ST", "855", "0001"]
    assert tagged(segments, "BAK") == [["BAK", "00", "AC", "08292233294", "20101127", "", "",
                                        "", "000003438-1421-000000010"]]
    assert [s[:3] for s in tagged(segments, "ACK")] == [
        ["ACK", "IA", "120"], ["ACK", "IH", "220"], ["ACK", "IR", "126"], ["ACK", "IQ", "50"],
        ["ACK", "IA", "30"], ["ACK", "IB", "42"], ["ACK", "IB", "696"]]
    assert tagged(segments, "ACK")[0] == ["ACK", "IA", "120", "EA", "068", "20260305"]
    assert tagged(segments, "ACK")[5] == ["ACK", "IB", "42", "EA"]
    assert tagged(segments, "PO1")[0] == ["PO1", "1", "120", "EA", "9.25", "TE", "CB",
                                          "065322-117", "PR", "RO", "VN", "AB3542"]
    po1_then_acks = [s[0] for s in segments if s[0] in ("PO1", "ACK")]
    assert po1_then_acks[-5:] == ["PO1", "ACK", "ACK", "PO1", "ACK"]
    assert tagged(segments, "CTT") == [["CTT", "6", "1310"]]


@pytest.mark.parametrize(("status", "bak02", "ack01"), [
    (LineStatus.ACCEPTED, "AD", "IA"),
    (LineStatus.REJECTED, "RD", "IR"),
    (LineStatus.HELD, "AH", "IH"),
])
def test_855_for_a_whole_order(status: LineStatus, bak02: str, ack01: str) -> None:
    _, segments = read_back(build_855(order_850(), respond(order_850(), status), 78, OUR, AT))

    assert tagged(segments, "BAK")[0][2] == bak02
    assert {ack for _, ack, _ in ack_lines(segments)} == {ack01}


def test_855_for_a_store_order_names_the_store() -> None:
    text = node_850(**{"PO4*2*2*EA~": "PO4*2*2*EA~SDQ*EA*92*0007*200*0009*20~"})
    [ix] = parse(text)
    orders = orders_from_850(ix.groups[0].transaction_sets[0], PARTNER, date(2026, 3, 2))
    store = next(o for o in orders if o.store == "0007")

    _, segments = read_back(build_855(store, respond(store, LineStatus.ACCEPTED), 79, OUR, AT))

    assert tagged(segments, "SDQ") == [["SDQ", "EA", "92", "0007", "200"]]
    assert ack_lines(segments) == [("2", "IA", "200")]


def test_855_needs_an_outcome_for_every_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        build_855(order_850(), respond(order_850(), {1: [(LineStatus.ACCEPTED, 120)]}),
                  80, OUR, AT)


@pytest.mark.parametrize("number", [0, 1_000_000_000])
def test_control_numbers_must_fit_nine_digits(number: int) -> None:
    [ix] = parse(node_850())

    with pytest.raises(InvalidInput):
        build_997(ix, ix.groups[0], None, number, OUR, AT)


def test_acks_keep_the_partner_terminator_when_it_is_a_line_feed() -> None:
    [ix] = parse((FIXTURES / "node-x12/850_2.edi").read_bytes())

    document = build_997(ix, ix.groups[0], None, 5, OUR, AT)

    assert document.count("\n") == 10
    read_back(document)
