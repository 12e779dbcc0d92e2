"""Each interchange read from a file carries its own bytes, exactly as they were received.

What is stored for an interchange is this `source`, so a file of many interchanges is stored
at about its own size. Reading is lazy: a bounded read stops before the rest of the file.
"""

from __future__ import annotations

import codecs
from itertools import islice
from pathlib import Path

import pytest

from shipshape.adapters.channels import edifact, x12

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi"
NODE_850 = (FIXTURES / "x12/node-x12/850.edi").read_text().strip()
"""One interchange, ISA13 000003438, segments ending in `~` and a line break."""
TWO_ORDERS = (FIXTURES / "edifact/shipshape/orders_two_messages.edi").read_bytes().strip()
"""UNA, then interchange ICR0042 with Latin-1 letters and release characters."""


def renumbered(control: str) -> str:
    return NODE_850.replace("000003438", control)


def test_each_x12_interchange_of_a_file_carries_only_its_own_bytes() -> None:
    first, second = renumbered("000000001"), renumbered("000000002")
    data = f"{first}\r\n\r\n{second}\n\x00\x1a".encode()

    found = x12.parse(data)

    assert [ix.source for ix in found] == [first.encode(), second.encode()]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1", "utf-16"])
def test_x12_bytes_are_kept_in_the_encoding_they_came_in(encoding: str) -> None:
    text = renumbered("000000003").replace("SMALL WIDGET", "PETIT GADGET ÉTÉ")
    data = text.encode(encoding)

    [found] = x12.parse(data)

    assert found.source.decode(found_encoding(data)) == text
    assert len(found.source) == len(data) - bom_length(data)


def found_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return "utf-8" if data.startswith(codecs.BOM_UTF8) else "latin-1"


def bom_length(data: bytes) -> int:
    boms = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    return next((len(bom) for bom in boms if data.startswith(bom)), 0)


def test_a_wrapped_x12_file_keeps_its_line_breaks_in_the_interchange_bytes() -> None:
    data = (FIXTURES / "x12/staedi/ts210_80char.edi").read_bytes()

    [found] = x12.parse(data)

    assert found.source == data.strip()


def test_reading_x12_one_interchange_at_a_time_stops_before_a_broken_rest() -> None:
    data = (renumbered("000000004") + renumbered("000000005")[:300]).encode()

    [first] = islice(x12.interchanges(data), 1)

    assert first.control_number == "000000004"
    with pytest.raises(x12.X12SyntaxError):
        x12.parse(data)


def test_each_edifact_interchange_after_one_una_carries_the_una_and_its_own_bytes() -> None:
    second = TWO_ORDERS.replace(b"ICR0042", b"ICR0043").removeprefix(b"UNA:+.? '\n")
    data = TWO_ORDERS + b"\n" + second + b"\n"

    first, then = edifact.parse_interchanges(data)

    assert first.source == TWO_ORDERS
    assert then.source == b"UNA:+.? '" + second
    assert (first.control_reference, then.control_reference) == ("ICR0042", "ICR0043")


def test_an_escaped_terminator_before_unb_text_does_not_cut_an_interchange() -> None:
    text = ("UNB+UNOC:3+SENDER:14+SHIPSHAPE+261120:0930+R1'UNH+1+ORDERS:D:96A:UN'"
            "BGM+220+PO1+9'FTX+AAI+++see ?'UNB+ below'UNT+4+1'UNZ+1+R1'")

    [found] = edifact.parse_interchanges(text.encode("latin-1"))

    assert found.source == text.encode("latin-1")
    assert not found.all_errors


def test_each_edifact_interchange_with_its_own_una_is_its_exact_bytes() -> None:
    second = TWO_ORDERS.replace(b"ICR0042", b"ICR0044")
    data = TWO_ORDERS + b"\r\n" + second

    found = edifact.parse_interchanges(data)

    assert [ix.source for ix in found] == [TWO_ORDERS, second]


def test_reading_edifact_one_interchange_at_a_time_stops_before_a_broken_rest() -> None:
    data = TWO_ORDERS + b"\n" + TWO_ORDERS.replace(b"ICR0042", b"ICR0045")[:200]

    [first] = islice(edifact.interchanges(data), 1)

    assert first.control_reference == "ICR0042"
    with pytest.raises(edifact.EdifactSyntaxError):
        edifact.parse_interchanges(data)
