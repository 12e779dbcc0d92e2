"""Reading change requests (X12 860, 850 BEG01 01/05, EDIFACT ORDCHG), deciding each line, and
writing the 865 / ORDRSP answers, which our own readers take back as valid interchanges.

No permissively licensed 860 or ORDCHG sample is in /work/shared/data/edi (node-x12, staedi,
EDI.Net, pydifact hold none), so the inputs are written here from the X12 004010 and UN/EDIFACT
D.96A segment definitions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shipshape.adapters.channels import edifact, x12
from shipshape.adapters.channels.edifact.ordchg import change_from_ordchg
from shipshape.adapters.channels.edifact.ordrsp_change import build_ordrsp_change
from shipshape.adapters.channels.x12.po860 import is_change, take_change
from shipshape.adapters.channels.x12.po865 import build_865
from shipshape.domain import edi_changes as ec
from shipshape.domain.orders import OrderLine, OrderStatus
from shipshape.domain.partners import OurIdentity, TradingPartner

PARTNER = TradingPartner(id="P", customer_id="C1", isa_id="ACMESTORES",
                         edifact_id="4012345000009", item_xref={"VN:GLV-1": "SKU1"})
OUR = OurIdentity()
AT = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
ISA = ("ISA*00*          *00*          *ZZ*ACMESTORES     *ZZ*SHIPSHAPE      *261105*0900*U"
       "*00401*000000777*0*P*>")
LINES = (OrderLine(1, "SKU1", 30, Decimal("10.00"), "EA"),
         OrderLine(2, "SKU2", 12, Decimal("5.00"), "EA"))


def one_set(set_id: str, *segments: str) -> x12.TransactionSet:
    body = [ISA, "GS*PC*ACMESTORES*SHIPSHAPE*20261105*0900*777*X*004010",
            f"ST*{set_id}*0001", *segments, f"SE*{len(segments) + 2}*0001", "GE*1*777",
            "IEA*1*000000777"]
    [interchange] = list(x12.interchanges(("~".join(body) + "~").encode()))
    return interchange.groups[0].transaction_sets[0]


def ordchg(*segments: str) -> edifact.EdifactMessage:
    body = ["UNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+R1", "UNH+1+ORDCHG:D:96A:UN",
            *segments, f"UNT+{len(segments) + 2}+1", "UNZ+1+R1"]
    [interchange] = list(edifact.interchanges(("UNA:+.? '" + "'".join(body) + "'").encode()))
    return interchange.messages[0]


def test_an_860_names_po_release_and_each_line_change() -> None:
    ts = one_set("860", "BCH*04*SA*PO-1*0002*03*20261105",
                 "POC*1*QI*40*40*EA*10.00**VN*GLV-1*UP*012345678905", "POC*2*DI*0*0*EA",
                 "POC*3*AI*5*5*EA*1.00**VN*NEW-1", "POC*4*PC*5*5*EA*9.99", "CTT*4")

    taken, result = take_change(ts, PARTNER, AT.date(), importable=True)

    request = taken.request
    assert is_change(ts) and result.accepted
    assert (request.document, request.purpose, request.po_number, request.release) == (
        "860", ec.Purpose.CHANGE, "PO-1", "0002")  # BCH04 (328); BCH05 is the sequence (327)
    assert [(a.line_no, a.code, a.ask, a.quantity) for a in request.lines] == [
        (1, "QI", ec.Ask.QUANTITY, 40), (2, "DI", ec.Ask.DELETE, 0),
        (3, "AI", ec.Ask.ADD, 5), (4, "PC", ec.Ask.PRICE, 5)]
    assert request.lines[0].item_ids == (("VN", "GLV-1"), ("UP", "012345678905"))
    assert request.problem is None


def test_an_860_in_error_is_a_refused_request_and_a_997_rejection() -> None:
    ts = one_set("860", "BCH*04*SA*PO-1***20261105", "POC*1*QI*4X*0*EA", "CTT*1")

    taken, result = take_change(ts, PARTNER, AT.date(), importable=True)

    assert not result.accepted
    assert [(e.segment_id, [el.reference for el in e.elements])
            for e in result.all_segment_errors] == [("POC", ["330"])]
    assert taken.request.problem is not None and "syntax errors" in taken.request.problem


def test_an_860_with_an_unknown_purpose_or_change_type_says_which() -> None:
    ts = one_set("860", "BCH*07*SA*PO-1***20261105", "POC*1*ZZ*4*0*EA", "CTT*1")

    request = take_change(ts, PARTNER, AT.date(), importable=True)[0].request

    assert request.problem is not None and "BCH01 purpose '07'" in request.problem
    assert request.lines[0].problem is not None and "'ZZ'" in request.lines[0].problem


def test_an_850_that_cancels_or_replaces_is_a_change_request() -> None:
    cancel = one_set("850", "BEG*01*SA*PO-9**20261105", "PO1*1*30*EA*10.00**VN*GLV-1", "CTT*1")
    replace = one_set("850", "BEG*05*RL*BPO-1*0003*20261105", "PO1*1*12*EA*10.00**VN*GLV-1",
                      "CTT*1")
    new = one_set("850", "BEG*00*SA*PO-9**20261105", "PO1*1*30*EA*10.00**VN*GLV-1", "CTT*1")

    cancelled = take_change(cancel, PARTNER, AT.date(), True)[0].request
    replaced = take_change(replace, PARTNER, AT.date(), True)[0].request

    assert (is_change(cancel), is_change(replace), is_change(new)) == (True, True, False)
    assert not is_change(replace, lambda po, release: False)  # never received: the order
    assert is_change(cancel, lambda po, release: False)  # refused as unknown instead
    assert (cancelled.purpose, cancelled.po_number, cancelled.lines) == (
        ec.Purpose.CANCEL, "PO-9", ())
    assert (replaced.purpose, replaced.po_number, replaced.release) == (
        ec.Purpose.REPLACE, "BPO-1", "0003")
    assert [(a.line_no, a.code, a.quantity) for a in replaced.lines] == [(1, "RZ", 12)]


def test_an_ordchg_reads_function_order_and_line_actions() -> None:
    message = ordchg("BGM+230+CHG-1+4", "RFF+ON:PO-7", "LIN+1+3+GLV-1:SA", "QTY+21:25:EA",
                     "PRI+AAA:10", "LIN+2+2+MSK-5:SA", "LIN+3+1+NEW:SA", "QTY+21:1",
                     "LIN+4+3+X:SA", "QTY+21:1.5", "UNS+S")

    request = change_from_ordchg(message)

    assert (request.document, request.purpose, request.po_number, request.release) == (
        "ORDCHG", ec.Purpose.CHANGE, "PO-7", "")
    assert [(a.line_no, a.ask, a.quantity, a.problem) for a in request.lines] == [
        (1, ec.Ask.QUANTITY, 25, None), (2, ec.Ask.DELETE, None, None),
        (3, ec.Ask.ADD, 1, None),
        (4, ec.Ask.QUANTITY, None, "quantity '1.5' is not a whole number")]
    assert request.lines[0].unit_price == Decimal("10")


def test_an_ordchg_call_off_and_a_cancellation() -> None:
    call_off = change_from_ordchg(ordchg("BGM+230+CO-1+1", "RFF+BO:BO-55", "RFF+ON:CO-1"))
    unknown = change_from_ordchg(ordchg("BGM+230+PO-1+9", "LIN+1+3+A:SA", "QTY+21:1"))

    assert (call_off.purpose, call_off.po_number, call_off.release, call_off.problem) == (
        ec.Purpose.CANCEL, "BO-55", "CO-1", None)
    assert unknown.problem is not None and "message function '9'" in unknown.problem


@pytest.mark.parametrize(("status", "route"), [
    (OrderStatus.RECEIVED, ec.Route.APPLY), (OrderStatus.HELD, ec.Route.APPLY),
    (OrderStatus.ACCEPTED, ec.Route.APPLY), (OrderStatus.RELEASED, ec.Route.DESK),
    (OrderStatus.PICKED, ec.Route.DESK), (OrderStatus.SHIPPED, ec.Route.REFUSE),
    (OrderStatus.INVOICED, ec.Route.REFUSE), (OrderStatus.CANCELLED, ec.Route.REFUSE)])
def test_the_stage_decides_the_route(status: OrderStatus, route: ec.Route) -> None:
    assert ec.route(status) is route


def request_of(purpose: ec.Purpose, *asks: ec.LineAsk) -> ec.ChangeRequest:
    return ec.ChangeRequest("x12", "860", "0001", purpose, "04", "PO-1", "", asks)


def test_each_line_gets_its_own_verdict() -> None:
    request = request_of(
        ec.Purpose.CHANGE, ec.LineAsk(1, "QI", ec.Ask.QUANTITY, 40, Decimal("10.00")),
        ec.LineAsk(1, "QD", ec.Ask.QUANTITY, 1), ec.LineAsk(2, "CA", ec.Ask.QUANTITY, 8,
                                                           Decimal("4.00")),
        ec.LineAsk(3, "DI", ec.Ask.DELETE), ec.LineAsk(2, "AI", ec.Ask.ADD, 1),
        ec.LineAsk(2, "QI", ec.Ask.QUANTITY, 10_000_001))

    wanted, verdicts = ec.plan_lines(request, LINES)

    assert wanted == {1: 40}
    assert [(v.verdict, v.quantity) for v in verdicts] == [
        (ec.Verdict.ACCEPTED, 40), (ec.Verdict.REJECTED, 30), (ec.Verdict.REJECTED, 12),
        (ec.Verdict.REJECTED, None), (ec.Verdict.REJECTED, 12), (ec.Verdict.REJECTED, 12)]
    reasons = [v.reason for v in verdicts[1:]]
    assert "named twice" in reasons[0] and "price 4.00 differs" in reasons[1]
    assert "no line 3" in reasons[2] and "new purchase order" in reasons[3]
    assert "outside 0-10000000" in reasons[4]
    assert ec.outcome_of(verdicts) is ec.Outcome.PARTLY_APPLIED


def test_a_replacement_deletes_the_lines_it_does_not_name() -> None:
    request = request_of(ec.Purpose.REPLACE, ec.LineAsk(1, "RZ", ec.Ask.QUANTITY, 12))

    wanted, verdicts = ec.plan_lines(request, LINES)

    assert wanted == {1: 12, 2: 0}
    assert [(v.ask.line_no, v.verdict) for v in verdicts] == [
        (1, ec.Verdict.ACCEPTED), (2, ec.Verdict.DELETED)]


def test_the_865_is_a_valid_interchange_stating_each_line() -> None:
    ts = one_set("860", "BCH*04*SA*PO-1***20261105", "POC*1*QI*40*40*EA*10.00**VN*GLV-1",
                 "POC*9*QD*1*1*EA", "CTT*2")
    taken = take_change(ts, PARTNER, AT.date(), True)[0]
    _, verdicts = ec.plan_lines(taken.request, LINES)
    outcome = ec.ChangeOutcome(taken.request, "ord-1", ec.outcome_of(verdicts), "partly",
                               tuple(verdicts))

    text = build_865(taken, outcome, 42, OUR, AT)

    [back] = list(x12.interchanges(text.encode()))
    assert not back.envelope_errors and back.control_number == "000000042"
    [group] = back.groups
    assert (group.functional_id, not group.errors) == ("CA", True)
    [answer] = group.transaction_sets
    assert not answer.errors
    tags = [s[0] for s in answer.segments]
    assert tags == ["ST", "BCA", "POC", "ACK", "POC", "ACK", "MSG", "CTT", "SE"]
    assert answer.segments[1][:4] == ["BCA", "04", "AC", "PO-1"]
    assert answer.segments[3] == ["ACK", "IA", "40", "EA"]
    assert answer.segments[5][:2] == ["ACK", "IR"]


def test_the_ordrsp_is_a_valid_interchange_stating_each_line() -> None:
    request = change_from_ordchg(ordchg("BGM+230+PO-7+4", "RFF+ON:PO-7", "LIN+1+3+GLV-1:SA",
                                        "QTY+21:25"))
    outcome = ec.ChangeOutcome(request, None, ec.Outcome.REFUSED,
                               "no order of customer C1 has PO PO-7; nothing was changed",
                               (ec.LineVerdict(request.lines[0], ec.Verdict.REJECTED, None,
                                               "no order"),))

    text = build_ordrsp_change(outcome, "1", PARTNER, OUR, 43, AT)

    [back] = list(edifact.interchanges(text.encode("latin-1")))
    assert not back.errors and back.control_reference == "43"
    [message] = back.messages
    assert not message.errors and message.message_type == "ORDRSP"
    bgm = next(s for _, s in message.positioned("BGM"))
    assert (bgm.value(1), bgm.value(2), bgm.value(3)) == ("231", "43", "27")
    lin = next(s for _, s in message.positioned("LIN"))
    assert (lin.value(1), lin.value(2)) == ("1", "7")
    assert any("PO-7" in s.value(4) for _, s in message.positioned("FTX"))
