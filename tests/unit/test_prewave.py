"""The wave's order and the pre-wave check, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shipshape.domain.controls import PastShipDate
from shipshape.domain.errors import IllegalTransition
from shipshape.domain.inventory import Reservation
from shipshape.domain.masterdata import Carrier, CarrierService, Customer, Item
from shipshape.domain.orders import OrderDraft, OrderLine, OrderStatus, ShipTo
from shipshape.domain.waves import (
    PrewaveFacts,
    WaveCandidate,
    decide_wave,
    prewave_findings,
    status_after,
    wave_order,
)

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SHIP_TO = ShipTo("Acme", "1 Main St", "Dallas", "TX", "75201", "US")
CUSTOMERS = {
    "STRAT": Customer("STRAT", "Strategic", priority="strategic", credit_limit=Decimal(1000)),
    "STD": Customer("STD", "Standard", priority="standard", credit_limit=Decimal(1000)),
    "LOW": Customer("LOW", "Low", priority="low", credit_limit=Decimal(1000)),
}


def candidate(order_id: str, customer: str = "STD", ship: date | None = date(2026, 12, 1),
              created_minutes: int = 0, quantity: int = 2, price: str = "10",
              carrier: str | None = "UPS:GND") -> WaveCandidate:
    draft = OrderDraft("web", order_id, customer, f"PO-{order_id}", ship, SHIP_TO,
                       (OrderLine(1, "SKU1", quantity, Decimal(price)),), carrier)
    return WaveCandidate(order_id, OrderStatus.ACCEPTED, draft,
                         T0 + timedelta(minutes=created_minutes),
                         (Reservation(1, "DAL", "SKU1", quantity),))


def facts(**overrides: object) -> PrewaveFacts:
    base = PrewaveFacts(
        today=T0.date(), site="DAL", customers=CUSTOMERS,
        items={"SKU1": Item("SKU1", "Gloves", weight_kg=Decimal(1))},
        carriers={"UPS": Carrier("UPS", "UPS", (CarrierService("GND", Decimal(70),
                                                               countries=("US",)),))},
        on_hand={("DAL", "SKU1"): 100}, reserved={("DAL", "SKU1"): 10},
        exposure={"STD": Decimal(20), "STRAT": Decimal(20), "LOW": Decimal(20)})
    return replace(base, **overrides)  # type: ignore[arg-type]


def codes(c: WaveCandidate, f: PrewaveFacts) -> list[str]:
    return [finding.code for finding in prewave_findings(c, f)]


def test_the_wave_takes_priority_then_ship_date_then_age() -> None:
    ordered = wave_order([
        candidate("late-std", "STD", date(2026, 12, 3)),
        candidate("no-date-std", "STD", None),
        candidate("low", "LOW", date(2026, 11, 28)),
        candidate("early-std-newer", "STD", date(2026, 12, 1), created_minutes=5),
        candidate("early-std-older", "STD", date(2026, 12, 1), created_minutes=1),
        candidate("strategic", "STRAT", date(2026, 12, 9)),
        candidate("unknown-customer", "GONE", date(2026, 11, 28)),
    ], CUSTOMERS)
    assert [c.order_id for c in ordered] == [
        "strategic", "early-std-older", "early-std-newer", "late-std", "no-date-std", "low",
        "unknown-customer"]


def test_a_clean_order_passes() -> None:
    assert prewave_findings(candidate("A"), facts()) == []


def test_a_reservation_not_covered_by_on_hand_is_stale() -> None:
    [finding] = prewave_findings(candidate("A"), facts(on_hand={("DAL", "SKU1"): 9}))
    assert (finding.code, finding.kind.value, finding.owner_team, finding.line_nos) == (
        "STALE_RESERVATION", "operational", "warehouse", (1,))
    assert finding.details["on_hand"] == 9 and finding.details["reserved"] == 10


def test_credit_is_checked_against_current_exposure_without_the_order_itself() -> None:
    order = candidate("A", quantity=50, price="10")  # value 500, inside the exposure
    assert codes(order, facts(exposure={"STD": Decimal(1000)})) == []
    assert codes(order, facts(exposure={"STD": Decimal("1000.01")})) == [
        "CREDIT_LIMIT_EXCEEDED"]
    assert codes(order, facts(exposure={})) == []


def test_a_credit_hold_an_inactive_customer_or_item_and_a_lost_carrier_service_pull() -> None:
    held = {**CUSTOMERS, "STD": replace(CUSTOMERS["STD"], credit_hold=True)}
    inactive = {**CUSTOMERS, "STD": replace(CUSTOMERS["STD"], active=False)}
    assert codes(candidate("A"), facts(customers=held)) == ["CREDIT_HOLD"]
    assert "INACTIVE_CUSTOMER" in codes(candidate("A"), facts(customers=inactive))
    assert codes(candidate("A"), facts(items={"SKU1": Item("SKU1", "x", active=False)})) == [
        "INACTIVE_ITEM"]
    assert codes(candidate("A"), facts(carriers={})) == ["INVALID_CARRIER_SERVICE"]


def test_decide_wave_keeps_the_wave_order_and_the_findings_per_order() -> None:
    over_limit = candidate("A", "STRAT", quantity=60, price="20")
    outcomes = decide_wave([candidate("B", "LOW"), over_limit], facts())
    assert [(o.candidate.order_id, o.released) for o in outcomes] == [("A", False),
                                                                      ("B", True)]
    assert outcomes[0].codes == ["CREDIT_LIMIT_EXCEEDED"]


def test_status_after_follows_the_lifecycle_table() -> None:
    assert status_after(OrderStatus.ACCEPTED, True) is OrderStatus.RELEASED
    assert status_after(OrderStatus.RELEASED, True) is OrderStatus.RELEASED
    assert status_after(OrderStatus.RELEASED, False) is OrderStatus.HELD
    with pytest.raises(IllegalTransition):
        status_after(OrderStatus.SHIPPED, False)


def test_a_ship_date_passed_while_waiting_goes_with_the_release_as_a_warning() -> None:
    [outcome] = decide_wave([candidate("A", ship=T0.date() - timedelta(days=2))], facts())
    assert outcome.released
    assert [f.code for f in outcome.warnings] == ["SHIP_DATE_IN_PAST"]


def test_a_ship_date_passed_while_waiting_pulls_the_order_when_the_setting_says_hold() -> None:
    [outcome] = decide_wave([candidate("A", ship=T0.date() - timedelta(days=2))],
                            facts(past_ship_date=PastShipDate.HOLD))
    assert not outcome.released
    assert outcome.codes == ["SHIP_DATE_IN_PAST"]
