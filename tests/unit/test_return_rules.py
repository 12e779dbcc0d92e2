"""The return rules: what may be authorised, how a receipt is booked and judged, what is
credited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shipshape.domain import returns as rt
from shipshape.domain.errors import Conflict, InvalidInput

TODAY = date(2026, 12, 3)
POLICY = rt.ReturnPolicy(window_days=30, restocking_fee_pct=Decimal("0.15"))


def shipped(line_no: int, shipment: str, quantity: int, days_ago: int = 1) -> rt.ShippedUnits:
    return rt.ShippedUnits(line_no, shipment, "DAL" if shipment == "S1" else "ATL", "SKU1",
                           quantity, date.fromordinal(TODAY.toordinal() - days_ago))


def test_units_come_from_the_shipments_oldest_first_less_what_is_returned_already() -> None:
    code, lines = rt.authorise({1: 4}, "damaged", POLICY,
                               [shipped(1, "S2", 5, days_ago=1), shipped(1, "S1", 3, days_ago=2)],
                               {(1, "S1"): 2}, TODAY)
    assert code == "DAMAGED"
    assert [(ln.shipment_id, ln.site, ln.authorised) for ln in lines] == [
        ("S1", "DAL", 1), ("S2", "ATL", 3)]


def test_more_than_is_left_to_return_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="only 1"):
        rt.authorise({1: 2}, "DAMAGED", POLICY, [shipped(1, "S1", 3)], {(1, "S1"): 2}, TODAY)


@pytest.mark.parametrize(("requested", "reason", "ship", "message"), [
    ({1: 1}, "BORED", [shipped(1, "S1", 3)], "not accepted"),
    ({}, "DAMAGED", [shipped(1, "S1", 3)], "at least one line"),
    ({1: 0}, "DAMAGED", [shipped(1, "S1", 3)], "positive"),
    ({2: 1}, "DAMAGED", [shipped(1, "S1", 3)], "shipped nothing"),
    ({1: 1}, "DAMAGED", [shipped(1, "S1", 3, days_ago=31)], "return window"),
])
def test_bad_requests_are_refused(requested: dict[int, int], reason: str,
                                  ship: list[rt.ShippedUnits], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        rt.authorise(requested, reason, POLICY, ship, {}, TODAY)


def test_units_shipped_outside_the_window_are_not_returnable() -> None:
    with pytest.raises(Conflict):
        rt.authorise({1: 4}, "DAMAGED", POLICY,
                     [shipped(1, "S1", 3, days_ago=40), shipped(1, "S2", 3, days_ago=2)],
                     {}, TODAY)


def line(authorised: int, shipment: str = "S1") -> rt.ReturnLine:
    return rt.ReturnLine(1, shipment, "DAL", "SKU1", authorised)


def test_a_matching_receipt_books_each_condition_and_is_not_disputed() -> None:
    outcome = rt.evaluate_receipt("DAMAGED", [line(3)], [rt.Received(1, 1, 1, 1)])
    [booked] = outcome.lines
    assert (booked.good, booked.damaged, booked.scrapped, booked.accepted) == (1, 1, 1, 3)
    assert not outcome.disputed


def test_damage_on_a_return_that_claims_none_is_disputed_and_not_accepted() -> None:
    outcome = rt.evaluate_receipt("NOT_NEEDED", [line(2)], [rt.Received(1, 1, 1, 0)])
    assert outcome.lines[0].accepted == 1
    assert outcome.disputed and "claims no damage" in outcome.differences[0]


def test_units_beyond_the_authorisation_are_not_booked_and_are_disputed() -> None:
    outcome = rt.evaluate_receipt("DAMAGED", [line(1, "S1"), line(2, "S2")],
                                  [rt.Received(1, 4, 0, 0), rt.Received(7, 1, 0, 0)])
    assert [(ln.shipment_id, ln.good) for ln in outcome.lines] == [("S1", 1), ("S2", 2)]
    assert outcome.differences == ["line 7 was not authorised, yet 1 arrived",
                                   "line 1: 3 authorised, 4 received"]


def test_a_short_receipt_is_disputed() -> None:
    outcome = rt.evaluate_receipt("DAMAGED", [line(3)], [])
    assert outcome.differences == ["line 1: 3 authorised, 0 received"]
    assert outcome.lines[0].accepted == 0


@pytest.mark.parametrize("lines", [[], "x", [{"line_no": 1, "good": -1}],
                                   [{"line_no": 1, "good": True}],
                                   [{"line_no": 1}, {"line_no": 1}]])
def test_a_malformed_receipt_is_refused(lines: object) -> None:
    with pytest.raises(InvalidInput):
        rt.parse_receipt(lines)


def invoiced(quantity: int = 5, credited: int = 0) -> rt.InvoicedLine:
    return rt.InvoicedLine("inv-1", "S1", 1, "SKU1", quantity, Decimal("10.00"), credited)


def accepted(units: int) -> rt.ReturnLine:
    return rt.ReturnLine(1, "S1", "DAL", "SKU1", units, good=units, accepted=units)


def test_the_credit_is_the_invoiced_price_less_the_restocking_fee() -> None:
    [credit] = rt.credit_lines("NOT_NEEDED", POLICY, [accepted(2)], [invoiced()])
    assert (credit.invoice_id, credit.quantity, credit.unit_price) == (
        "inv-1", 2, Decimal("8.50"))


def test_no_restocking_fee_when_the_fault_is_ours() -> None:
    [credit] = rt.credit_lines("DEFECTIVE", POLICY, [accepted(2)], [invoiced()])
    assert credit.unit_price == Decimal("10.00")


def test_never_more_is_credited_than_was_invoiced() -> None:
    with pytest.raises(Conflict, match="more than was invoiced"):
        rt.credit_lines("DAMAGED", POLICY, [accepted(2)], [invoiced(credited=4)])
    with pytest.raises(Conflict, match="no invoice"):
        rt.credit_lines("DAMAGED", POLICY, [accepted(1)], [])


def test_policies_per_customer_and_their_checks() -> None:
    special = rt.ReturnPolicy(window_days=90)
    policies = rt.ReturnPolicies(POLICY, {"C2": special})
    assert (policies.of("C1"), policies.of("C2")) == (POLICY, special)
    with pytest.raises(InvalidInput):
        rt.ReturnPolicy(restocking_fee_pct=Decimal("1"))
    with pytest.raises(InvalidInput):
        rt.ReturnPolicy(accepted_reasons=frozenset())


def received(good: int, damaged: int, credited: int) -> rt.ReturnLine:
    return rt.ReturnLine(1, "S1", "DAL", "SKU1", good + damaged, good=good, damaged=damaged,
                         accepted=credited, credited=credited)


def test_settling_credits_what_was_received_and_not_credited_within_the_invoice() -> None:
    [(line, units)] = rt.settlement([received(1, 2, credited=1)], [invoiced(credited=1)])
    assert (line.line_no, units) == (1, 2)
    [(_, capped)] = rt.settlement([received(1, 2, credited=1)], [invoiced(credited=4)])
    assert capped == 1
    assert rt.settlement([received(1, 2, credited=1)], [invoiced(credited=5)]) == []
    assert rt.settlement([received(2, 0, credited=2)], [invoiced(credited=2)]) == []
    settled = rt.ReturnLine(1, "S1", "DAL", "SKU1", 3, good=1, damaged=2, accepted=1,
                            credited=1, settled=2)
    assert rt.settlement([settled], [invoiced(credited=3)]) == []


def test_a_settlement_is_priced_as_the_receipts_credit() -> None:
    [credit] = rt.priced("NOT_NEEDED", POLICY, [(received(1, 2, credited=1), 2)], [invoiced()])
    assert (credit.quantity, credit.unit_price) == (2, Decimal("8.50"))
