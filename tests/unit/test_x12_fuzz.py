"""Mutated interchanges are read, refused or answered, never crash the X12 adapter."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipshape.adapters.channels.x12 import (
    Interchange,
    Order850,
    X12SyntaxError,
    build_855,
    build_997,
    orders_from_850,
    parse,
    set_result,
    validate,
)
from shipshape.domain.errors import InvalidInput
from shipshape.domain.order_response import LineResponse, LineStatus, OrderResponse
from shipshape.domain.partners import OurIdentity, TradingPartner

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi" / "x12"
PARTNER = TradingPartner(id="p", customer_id="C", item_xref={"VN:AB3542": "W-1"})
OUR = OurIdentity()
AT = datetime(2026, 3, 2, 9, 0)
SEPARATORS = "*~>^:|\n\r\x1c\x1d\x1f"
SDQ_850 = (
    "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SHIPSHAPE      *260301*0930*U*00401"
    "*000000777*0*P*>~GS*PO*BUYER*SHIPSHAPE*20260301*0930*55*X*004010~ST*850*0001~"
    "BEG*00*SA*PO-77**20260301~DTM*010*20260315~N1*Z7*Store One*92*0001~N4*Nashville*TN~"
    "PO1*1*30*EA*2.50**UP*012345678905~SDQ*EA*92*0001*10*0002*20~PO1*2*5*EA*1**VN*W-2~"
    "CTT*2~SE*10*0001~GE*1*55~IEA*1*000000777~"
)


def _bases() -> list[str]:
    node = (FIXTURES / "node-x12/850.edi").read_text()
    return [
        node,
        (FIXTURES / "node-x12/850_2.edi").read_text(),
        node.replace("\n", "").replace("*", "\x1d").replace("~", "\x1c").replace(">", "\x1f"),
        (FIXTURES / "edi-net/x12.850.issue135.edi").read_text(),
        (FIXTURES / "staedi/simple997-multiple-interchanges.edi").read_text(),
        SDQ_850,
    ]


BASES = _bases()
CHARS = st.one_of(st.sampled_from(list(SEPARATORS + "ISAGEST0123456789 \x00\xa0")),
                  st.characters(exclude_categories=("Cs",)))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(1, 4))):
        size = len(text)
        at = draw(st.integers(0, size))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "swap"]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:at] + draw(st.text(CHARS, min_size=1, max_size=8)) + text[at:]
        elif kind == "replace":
            text = text[:at] + draw(CHARS) + text[at + 1:]
        elif kind == "truncate":
            text = text[:at]
        else:
            old, new = draw(st.sampled_from(SEPARATORS)), draw(st.sampled_from(SEPARATORS))
            text = text.replace(old, new)
    return text


def _answer(ix: Interchange) -> None:
    """Map every 850 and acknowledge every group; a 997 we send must read back clean."""
    for group in ix.groups:
        results = []
        for ts in group.transaction_sets:
            orders = orders_from_850(ts, PARTNER, date(2026, 3, 2)) if ts.id == "850" else []
            results.append(set_result(ts, orders))
            for order in orders:
                _ack_or_refuse(lambda o=order: build_855(o, _all_accepted(o), 2, OUR, AT))
        _ack_or_refuse(lambda g=group, r=results: build_997(ix, g, r, 1, OUR, AT))


def _all_accepted(order: Order850) -> OrderResponse:
    return OrderResponse(order.draft.external_id, order.po_number, order.release, tuple(
        LineResponse(line.line_no, str(line.line_no), line.quantity or 0, line.quantity or 0,
                     LineStatus.ACCEPTED) for line in order.lines))


def _ack_or_refuse(build: object) -> None:
    assert callable(build)
    try:
        document = build()
    except InvalidInput:
        return  # e.g. a sender id that cannot be addressed in an ISA
    [reply] = parse(document)
    assert validate(reply) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated(), as_bytes=st.booleans())
def test_mutated_interchanges_never_raise_anything_but_x12_syntax_errors(
        text: str, as_bytes: bool) -> None:
    try:
        interchanges = parse(text.encode() if as_bytes else text)
    except X12SyntaxError as error:
        assert error.code.isdigit() and len(error.code) == 3
        return
    for ix in interchanges:
        assert all(e.code for e in validate(ix))
        _answer(ix)
