"""The desk's recommendations as pure functions: candidates from a case's facts (the same
allocation the action runs), filtered by policy, ranked by service commitment then margin."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from shipshape.domain.desk import Action
from shipshape.domain.inventory import StockPosition
from shipshape.domain.recommend import (
    CarrierOption,
    Facts,
    Line,
    Policy,
    Recommendation,
    Substitute,
    rank,
    recommend,
)
from shipshape.domain.recommend_options import candidates

TODAY = date(2026, 3, 2)
DUE = date(2026, 3, 9)
SHORT = Facts(
    code="PARTIAL_AVAILABILITY", today=TODAY, due=DUE, order_value=Decimal("150"),
    lines=(Line(1, "A", 15, Decimal("10")),),
    positions=(StockPosition("DAL", "A", 10, 0), StockPosition("ATL", "A", 10, 0),
               StockPosition("DAL", "B", 20, 0)),
    ranked_sites=("DAL", "ATL"), substitutes=(Substitute("A", "B", Decimal("8")),))


def made(facts: Facts, policy: Policy) -> list[tuple[str, dict[str, object]]]:
    found = recommend(candidates(facts, policy), facts, policy)
    return [(r.action.value, dict(r.parameters)) for r in found.ranked]


def rec(action: Action, on_time: bool, complete: bool, margin: str,
        preference: int = 0, **parameters: str) -> Recommendation:
    return Recommendation(action, parameters, (), on_time, complete, Decimal(margin),
                          preference=preference)


def test_service_commitment_ranks_before_margin_and_margin_before_preference() -> None:
    ranked = rank([rec(Action.DELAY_RELEASE, False, True, "500"),
                   rec(Action.SUBSTITUTE, True, True, "100", 2),
                   rec(Action.APPROVE_SPLIT, True, True, "140", 1),
                   rec(Action.RESOURCE, True, False, "900", 0, site_id="ATL"),
                   rec(Action.RESOURCE, True, True, "140", 0, site_id="DAL")])
    assert [(r.rank, r.action.value) for r in ranked] == [
        (1, "resource"), (2, "approve_split"), (3, "substitute"), (4, "resource"),
        (5, "delay_release")]
    assert ranked[0].parameters == {"site_id": "DAL"} and ranked[0].service == 3


def test_a_split_substitute_and_delay_are_found_for_a_shortage() -> None:
    policy = Policy(allow_substitutes=True, replenishment_days=3)
    assert made(SHORT, policy) == [
        ("approve_split", {}), ("delay_release", {"release_on": "2026-03-05"}),
        ("substitute", {"line_no": 1, "substitute_sku": "B"})]


def test_the_policy_drops_substitutes_splits_and_low_margins_saying_why() -> None:
    found = recommend(candidates(SHORT, Policy(max_splits=0)), SHORT, Policy(max_splits=0))
    assert found.ranked == ()
    assert sorted(d.why for d in found.dropped) == [
        "ships from 2 sites; at most 1 are allowed",
        "the customer does not accept substitutes"]
    floor = Policy(allow_substitutes=True, margin_floor_pct=Decimal("0.9"))
    assert made(SHORT, floor) == [("approve_split", {})]  # B at 8.00 keeps 80 %


def test_an_extra_shipment_cost_puts_one_site_before_a_split() -> None:
    facts = replace(SHORT, positions=(*SHORT.positions, StockPosition("ATL", "B", 20, 0)))
    policy = Policy(allow_substitutes=True, extra_shipment_cost=Decimal("40"))
    assert made(facts, policy)[0] == ("substitute", {"line_no": 1, "substitute_sku": "B"})


def test_no_delay_without_a_replenishment_date_or_lead_time() -> None:
    assert [a for a, _ in made(SHORT, Policy())] == ["approve_split"]
    known = replace(SHORT, replenish_on=date(2026, 3, 20))
    delayed = recommend(candidates(known, Policy()), known, Policy()).ranked[-1]
    assert delayed.action is Action.DELAY_RELEASE and delayed.on_time is False
    assert "stock is due then" in delayed.reasons[0]


def test_a_failed_tender_is_offered_eligible_services_not_tried_fastest_in_the_table_first(
        ) -> None:
    facts = Facts(code="CARRIER_TENDER_FAILED", today=TODAY, due=date(2026, 3, 4),
                  order_value=Decimal("100"), tried=frozenset({"UPS:GND"}), carriers=(
                      CarrierOption("UPS:GND", 3, 1), CarrierOption("FDX:GRD", 3, 2),
                      CarrierOption("DHL:EXP", 1, None),
                      CarrierOption("DHL:LTL", 1, None, ("carries at most 5 kg",))))
    found = recommend(candidates(facts, Policy()), facts, Policy())
    assert [r.parameters["carrier_service"] for r in found.ranked] == ["DHL:EXP", "FDX:GRD"]
    assert found.ranked[0].on_time and not found.ranked[1].on_time  # 3 days is late
    [dropped] = found.dropped
    assert dropped.why == "DHL:LTL is not eligible: carries at most 5 kg"


def test_a_short_pick_is_resourced_to_a_site_that_has_the_backorder_not_the_picking_one(
        ) -> None:
    facts = Facts(code="SHORT_PICK", today=TODAY, due=DUE, order_value=Decimal("100"),
                  lines=(Line(1, "A", 3, Decimal("10")),),
                  positions=(StockPosition("DAL", "A", 10, 0), StockPosition("ATL", "A", 2, 0),
                             StockPosition("MEM", "A", 5, 0)),
                  ranked_sites=("DAL", "ATL", "MEM"), excluded_sites=frozenset({"DAL"}))
    assert made(facts, Policy(allow_split=True)) == [("resource", {"site_id": "MEM"})]
