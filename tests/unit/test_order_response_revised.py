"""A truthful 855 after intake: a backordered line dated by the replenishment assumption (the
one the desk's recommendations make), and an order answered again when the desk takes it or it
is cancelled (BAK01 05, each line's outcome now), in X12 and in EDIFACT."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from shipshape.adapters.channels import edifact, x12
from shipshape.adapters.channels.edifact.documents import EdifactDocumentWriter
from shipshape.adapters.channels.edifact.ordrsp import line_action
from shipshape.adapters.channels.sent_orders import orders_message, sent_lines, x12_order
from shipshape.adapters.channels.x12.documents import X12DocumentWriter
from shipshape.domain import order_response as orr
from shipshape.domain.errors import InvalidInput
from shipshape.domain.inventory import StockPosition
from shipshape.domain.masterdata import Customer
from shipshape.domain.order_response import LineStatus, OrderedLine
from shipshape.domain.orders import OrderLine
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.replenishment import Replenishment
from shipshape.recommend_settings import RecommendSettings
from shipshape.services.edi_later_responses import InboundOrder, revised
from shipshape.services.intake import IntakeResult, Outcome
from shipshape.services.order_responses import order_response_for

TODAY = date(2026, 12, 10)
AT = datetime(2026, 12, 10, 9, 30)
OUR = OurIdentity("ZZ", "SHIPSHAPE", "SHIPSHAPE", "SHIPSHAPE")
X12_PARTNER = TradingPartner(id="ACME", customer_id="C1", isa_qualifier="ZZ", isa_id="ACME",
                             gs_code="ACME", item_xref={"VN:GLV-1": "SKU1", "VN:MSK-5": "SKU2"})
EDIFACT_PARTNER = TradingPartner(id="HOFF", customer_id="C1", isa_id="",
                                 edifact_id="4012345000009:14")
PO850 = "~".join([
    "ISA*00*          *00*          *ZZ*ACME           *ZZ*SHIPSHAPE      *261205*0900*U"
    "*00401*000000077*0*P*>",
    "GS*PO*ACME*SHIPSHAPE*20261205*0900*77*X*004010", "ST*850*0001",
    "BEG*00*SA*PO-77**20261205", "N1*ST*ACME STORE*92*0012",
    "PO1*1*30*EA*10.00**VN*GLV-1", "PO1*2*12*EA*5.00**VN*MSK-5", "CTT*2", "SE*7*0001",
    "GE*1*77", "IEA*1*000000077"]) + "~"
ORDERS = ("UNA:+.? 'UNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+ICR-0077'"
          "UNH+M1+ORDERS:D:96A:UN'BGM+220+PO-9001+9'DTM+137:20261120:102'"
          "LIN+1++SKU1:SA'QTY+21:10:EA'LIN+2++SKU2:SA'QTY+21:30:EA'UNS+S'UNT+9+M1'"
          "UNZ+1+ICR-0077'")


def outcomes(response: orr.OrderResponse) -> list[tuple[int, str, str, int, date | None]]:
    return [(ln.line_no, ln.status.value, ln.sku, ln.quantity, ln.date) for ln in response.lines]


# --- when a backorder ships: the replenishment assumption ------------------------------------

def test_the_replenishment_days_are_the_house_s_or_the_customer_s_and_0_is_not_known() -> None:
    assumed = Replenishment(7, {"C2": 14, "C3": 0})
    assert assumed.expected_on(TODAY) == date(2026, 12, 17)
    assert assumed.expected_on(TODAY, "C1") == date(2026, 12, 17)
    assert assumed.expected_on(TODAY, "C2") == date(2026, 12, 24)
    assert assumed.expected_on(TODAY, "C3") is None
    assert Replenishment().expected_on(TODAY) is None


def test_one_setting_serves_the_recommendations_and_the_855() -> None:
    settings = RecommendSettings.model_validate(
        {"replenishment_days": 5, "customers": {"C2": {"replenishment_days": 10},
                                                "C3": {"max_splits": 0}}})
    assert settings.replenishment() == Replenishment(5, {"C2": 10})
    customer = Customer(id="C2", name="Two", credit_limit=Decimal("1"))
    assert settings.policy(customer).replenishment_days == 10
    assert settings.policy(None).replenishment_days == 5
    assert RecommendSettings().replenishment().days == 7  # as documented


def test_a_backorder_ships_when_stock_is_back_and_not_before_the_requested_date() -> None:
    expected = date(2026, 12, 17)
    assert orr.backorder_ship_date(None, expected) == expected
    assert orr.backorder_ship_date(date(2026, 12, 12), expected) == expected
    assert orr.backorder_ship_date(date(2027, 1, 4), expected) == date(2027, 1, 4)
    assert orr.backorder_ship_date(date(2027, 1, 4), None) is None


class _Stock:
    def positions(self, skus: Any, lock: bool) -> list[StockPosition]:
        return [StockPosition("DAL", "IN-STOCK", 20, 5), StockPosition("DAL", "SHORT", 3, 0)]


def _held_for_an_unknown_item(requested: date | None) -> tuple[Any, IntakeResult]:
    draft = SimpleNamespace(customer_id="C1", customer_po="PO1", release_number=None,
                            requested_ship_date=requested,
                            lines=(OrderLine(1, "IN-STOCK", 10), OrderLine(2, "SHORT", 8),
                                   OrderLine(3, "UNKNOWN", 5)))
    held = IntakeResult(Outcome.CREATED, {
        "order_id": "ord-1", "status": "held", "reservations": [],
        "findings": [{"code": "UNKNOWN_ITEM", "severity": "block", "line_nos": [3]}]})
    return draft, held


@pytest.mark.parametrize(("days", "requested", "dated"), [
    (7, None, date(2026, 12, 17)), (7, date(2027, 1, 4), date(2027, 1, 4)), (0, None, None)])
def test_the_intake_855_dates_the_backordered_rest_by_the_replenishment_days(
        days: int, requested: date | None, dated: date | None) -> None:
    draft, held = _held_for_an_unknown_item(requested)
    uow: Any = SimpleNamespace(inventory=_Stock())
    response = order_response_for(uow, draft, held, TODAY, replenishment=Replenishment(days))
    assert outcomes(response) == [(1, "IA", "IN-STOCK", 10, None), (2, "IA", "SHORT", 3, None),
                                  (2, "IB", "SHORT", 5, dated), (3, "IR", "UNKNOWN", 5, None)]


def test_without_a_replenishment_assumption_the_backorder_carries_no_date() -> None:
    draft, held = _held_for_an_unknown_item(None)
    uow: Any = SimpleNamespace(inventory=_Stock())
    response = order_response_for(uow, draft, held, TODAY)
    assert [ln.date for ln in response.lines if ln.status is LineStatus.BACKORDERED] == [None]


# --- an order answered again -----------------------------------------------------------------

SENT = (OrderedLine(1, "SKU1", 30), OrderedLine(2, "SKU2", 12), OrderedLine(3, "SKU3", 4))


def _now(*lines: tuple[int, str, int]) -> dict[int, OrderedLine]:
    return {n: OrderedLine(n, sku, quantity) for n, sku, quantity in lines}


def test_an_order_taken_later_is_accepted_line_by_line_with_its_ship_date() -> None:
    now = _now((1, "SKU1", 30), (2, "SKU2", 12), (3, "SKU3", 4))
    response = orr.revised_response("ord-1", "PO-77", None, SENT, now, False, TODAY)
    assert outcomes(response) == [(1, "IA", "SKU1", 30, TODAY), (2, "IA", "SKU2", 12, TODAY),
                                  (3, "IA", "SKU3", 4, TODAY)]
    assert response.response_type is orr.ResponseType.ACCEPTED


def test_a_changed_quantity_a_substitute_and_a_cancelled_line_say_so() -> None:
    now = _now((1, "SKU1", 20), (2, "SKU9", 12), (3, "SKU3", 0))
    response = orr.revised_response("ord-1", "PO-77", None, SENT, now, False, TODAY)
    assert outcomes(response) == [(1, "IQ", "SKU1", 20, TODAY), (2, "IS", "SKU9", 12, TODAY),
                                  (3, "IR", "SKU3", 4, None)]
    assert response.lines[0].ordered == 30
    assert response.lines[2].reason == orr.LINE_CANCELLED
    assert response.response_type is orr.ResponseType.CHANGED
    gone = orr.revised_response("ord-1", None, None, SENT, _now((1, "SKU1", 30)), False, TODAY)
    assert [ln.status.value for ln in gone.lines] == ["IA", "IR", "IR"]


def test_a_cancelled_order_is_rejected_line_by_line() -> None:
    now = _now((1, "SKU1", 25), (2, "SKU2", 12), (3, "SKU3", 4))
    response = orr.revised_response("ord-1", "PO-77", None, SENT, now, True, TODAY)
    assert outcomes(response) == [(1, "IR", "SKU1", 30, None), (2, "IR", "SKU2", 12, None),
                                  (3, "IR", "SKU3", 4, None)]
    assert {ln.reason for ln in response.lines} == {orr.ORDER_CANCELLED}
    assert response.response_type is orr.ResponseType.REJECTED


def _inbound(standard: str, text: str, external_id: str, partner: TradingPartner,
             lines: tuple[OrderLine, ...], requested: date | None = None) -> InboundOrder:
    sent = sent_lines(standard, text, external_id, partner, TODAY) or ()
    return InboundOrder("ord-1", "C1", Decimal("360"), "PO-77", None, requested, lines, partner,
                        standard, external_id, text, sent)


def test_the_stored_interchange_gives_the_order_as_sent() -> None:
    order = x12_order(PO850, "000000077-77-0001", X12_PARTNER, TODAY)
    assert order is not None and order.po_number == "PO-77"
    assert x12_order(PO850, "000000077-77-0002", X12_PARTNER, TODAY) is None
    assert sent_lines("x12", PO850, "000000077-77-0001", X12_PARTNER, TODAY) == (
        OrderedLine(1, "SKU1", 30), OrderedLine(2, "SKU2", 12))
    found = orders_message(ORDERS, "ICR-0077-M1", EDIFACT_PARTNER)
    assert found is not None and found[0].reference == "M1"
    assert sent_lines("edifact", ORDERS, "ICR-0077-M1", EDIFACT_PARTNER, TODAY) == (
        OrderedLine(1, "SKU1", 10), OrderedLine(2, "SKU2", 30))
    assert sent_lines("x12", "not an interchange", "1-1-1", X12_PARTNER, TODAY) is None


def _segments(text: str) -> list[list[str]]:
    [ix] = x12.parse(text)
    assert x12.validate(ix) == []
    return [s for g in ix.groups for ts in g.transaction_sets for s in ts.segments]


def test_the_855_sent_again_replaces_the_first_and_names_a_substitute() -> None:
    inbound = _inbound("x12", PO850, "000000077-77-0001", X12_PARTNER,
                       (OrderLine(1, "SKU1", 30), OrderLine(2, "SKU9", 12)),
                       requested=date(2026, 12, 14))
    response = revised(inbound, cancelled=False, today=TODAY)
    segments = _segments(X12DocumentWriter(OUR).order_response(response, inbound, 12, AT))
    [bak] = [s for s in segments if s[0] == "BAK"]
    assert bak[1:4] == ["05", "AC", "PO-77"]
    assert [s for s in segments if s[0] == "ACK"] == [
        ["ACK", "IA", "30", "EA", "068", "20261214"],
        ["ACK", "IS", "12", "EA", "068", "20261214", "", "VN", "SKU9"]]
    assert [s[:3] for s in segments if s[0] == "PO1"] == [["PO1", "1", "30"], ["PO1", "2", "12"]]
    cancelled = revised(inbound, cancelled=True, today=TODAY)
    again = _segments(X12DocumentWriter(OUR).order_response(cancelled, inbound, 13, AT))
    assert [s[1:3] for s in again if s[0] == "BAK"] == [["05", "RD"]]
    assert [s[1:3] for s in again if s[0] == "ACK"] == [["IR", "30"], ["IR", "12"]]


def test_an_855_without_its_850_cannot_be_made() -> None:
    inbound = _inbound("x12", PO850, "000000077-77-0009", X12_PARTNER, ())
    with pytest.raises(InvalidInput, match="850 of order ord-1"):
        X12DocumentWriter(OUR).order_response(
            orr.OrderResponse("ord-1", "PO-77", None, ()), inbound, 1, AT)


def test_the_ordrsp_sent_again_names_the_orders_message_and_each_line_now() -> None:
    inbound = _inbound("edifact", ORDERS, "ICR-0077-M1", EDIFACT_PARTNER,
                       (OrderLine(1, "SKU1", 10), OrderLine(2, "SKU7", 30)))
    response = revised(inbound, cancelled=False, today=TODAY)
    text = EdifactDocumentWriter(OUR).order_response(response, inbound, 5, AT)
    [ix] = edifact.parse_interchanges(text)
    [message] = ix.messages
    tags = {(s.tag, s.value(1)): s for s in message.segments}
    assert tags[("BGM", "231")].value(3) == "4"  # a line changed: the substitute
    assert tags[("RFF", "ACW")].value(1, 2) == "M1"
    assert [(s.value(1), s.value(2)) for s in message.segments if s.tag == "LIN"] == [
        ("1", "5"), ("2", "3")]
    assert [s.value(2) for s in message.segments if s.tag == "PIA"] == ["SKU1", "SKU7"]
    assert line_action(response.for_line(2)) == "3"
