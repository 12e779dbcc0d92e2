"""The KPIs' arithmetic and rules without a store: rates, per 1,000, mean and p90, the perfect
order as the product of its parts, which case caused which failure, which dimensions apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shipshape.domain import kpis as k
from shipshape.domain import perfect_order_causes as pc
from shipshape.domain.kpis import Dimension, Measure

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
USD = k.Money("USD", {"USD": 2, "JPY": 0})


def case(code: str, minutes: int = 0, action: str | None = None,
         case_id: str | None = None) -> pc.OrderCase:
    return pc.OrderCase(case_id or f"exc_{code}_{minutes}", code,
                        AT + timedelta(minutes=minutes), action)


def test_rates_round_half_up_to_four_places_and_have_none_without_a_whole() -> None:
    assert k.rate(1, 3) == Decimal("0.3333")
    assert k.rate(2, 3) == Decimal("0.6667")
    assert k.rate(0, 0) is None
    assert k.per_thousand(5, 6) == Decimal("833.33")
    assert k.per_thousand(3, 0) is None


def test_the_product_of_the_parts_is_exact_before_it_is_rounded() -> None:
    assert k.product([(3, 4)] * 4) == Decimal("0.3164")  # 0.31640625
    assert k.product([(1, 1), (0, 4)]) == Decimal("0.0000")
    assert k.product([(1, 0)]) is None


@pytest.mark.parametrize(("values", "p90"), [
    ([], None), ([7], 7), ([1, 2, 5], 5), (list(range(1, 11)), 9), (list(range(1, 21)), 18),
    ([10, 1, 3, 2], 10)])
def test_p90_is_the_nearest_rank(values: list[float], p90: float | None) -> None:
    assert k.p90(values) == p90


def test_mean_and_hours() -> None:
    assert k.mean([3600.0, 7200.0, 18000.0]) == 9600.0
    assert k.hours(9600.0) == Decimal("2.67")
    assert k.hours(None) is None
    assert k.mean([]) is None


def test_a_perfect_order_is_the_product_of_its_four_parts() -> None:
    assert pc.perfect(True, True, True, True)
    assert not pc.perfect(None, True, True, True)  # not delivered yet
    assert not pc.perfect(True, True, False, True)


def test_a_late_order_is_blamed_on_its_late_delivery_before_a_failed_attempt() -> None:
    parts = pc.OrderParts(on_time=False, in_full=True, damage_free=True,
                          invoiced_accurately=True)
    failed, late = case("DELIVERY_FAILED", 0), case("DELIVERED_LATE", 60)
    assert pc.failures_of(parts, [failed, late, case("SHORT_PICK")]) == (
        pc.Failure(pc.Component.ON_TIME, "DELIVERED_LATE", late.case_id),)


def test_a_credit_is_blamed_on_the_case_that_wrote_it_else_on_the_credit_note() -> None:
    parts = pc.OrderParts(True, True, False, invoiced_accurately=False)
    damaged = case("DAMAGED_ON_DELIVERY", action="credit")
    assert [(f.component, f.code, f.case_id) for f in pc.failures_of(parts, [damaged])] == [
        (pc.Component.DAMAGE_FREE, "DAMAGED_ON_DELIVERY", damaged.case_id),
        (pc.Component.INVOICED_ACCURATELY, "DAMAGED_ON_DELIVERY", damaged.case_id)]
    by_hand = pc.OrderParts(True, True, True, invoiced_accurately=False)
    assert pc.failures_of(by_hand, [], ["crn_1", "crn_2"]) == (
        pc.Failure(pc.Component.INVOICED_ACCURATELY, pc.CREDIT_NOTE, None, "crn_1"),)


def test_a_failure_without_a_case_says_so() -> None:
    parts = pc.OrderParts(True, in_full=False, damage_free=True, invoiced_accurately=True)
    assert pc.failures_of(parts, [case("DELIVERED_LATE")]) == (
        pc.Failure(pc.Component.IN_FULL, None),)


def test_failures_are_counted_per_part_most_frequent_first() -> None:
    on_time, in_full = pc.Component.ON_TIME, pc.Component.IN_FULL
    counted = pc.failure_counts([pc.Failure(in_full, "SHORT_PICK"), pc.Failure(on_time, None),
                                 pc.Failure(on_time, "DELIVERED_LATE"),
                                 pc.Failure(on_time, "DELIVERED_LATE")])
    assert [(c.component, c.code, c.orders) for c in counted] == [
        ("on_time", "DELIVERED_LATE", 2), ("on_time", None, 1), ("in_full", "SHORT_PICK", 1)]


def test_by_takes_names_repeated_or_comma_separated_each_once() -> None:
    assert k.dimensions_of(["day,stage", " day ", "owner_team"]) == (
        Dimension.DAY, Dimension.STAGE, Dimension.OWNER_TEAM)
    assert k.dimensions_of([]) == ()
    with pytest.raises(ValueError, match="'week' is not a dimension; use day, site"):
        k.dimensions_of(["day,week"])


def test_a_dimension_a_measure_cannot_carry_is_said_not_to_apply() -> None:
    assert k.not_applicable(Measure.PERFECT_ORDER, Dimension.SITE) is None
    assert "an order has no stage" in str(k.not_applicable(Measure.PERFECT_ORDER,
                                                           Dimension.STAGE))
    assert k.not_applicable(Measure.CREDIT_NOTES, Dimension.OWNER_TEAM) == (
        "a credit note has no owner_team")
    assert k.not_applicable(Measure.INTEGRATION, Dimension.SITE) == (
        "a call to another system has no site")
    assert all(k.not_applicable(m, d) is None for m in (Measure.EXCEPTIONS, Measure.CASE_WORK)
               for d in Dimension)


def test_a_row_is_null_where_its_measure_does_not_apply() -> None:
    figures = k.Figures({Measure.EXCEPTIONS: k.Exceptions(3, 6), Measure.PERFECT_ORDER: None,
                         Measure.CASE_WORK: k.CaseWork(1, 90, Decimal("25.5"), Decimal(0),
                                                       (3600.0,)),
                         Measure.CREDIT_NOTES: k.CreditNotes(1, {"JPY": Decimal("1200")}),
                         Measure.INTEGRATION: k.Integration(3, 1)})
    row = figures.as_json(USD)
    assert (row["exceptions_per_1000"], row["perfect_order_rate"], row["delivered_orders"]) == (
        500.0, None, None)
    assert (row["rework_hours"], row["expedited_freight"], row["time_to_resolve_p90_h"]) == (
        1.5, "25.50", 1.0)
    assert row["credit_note_amount"] == {"JPY": "1200"}
    assert row["integration_failure_rate"] == 0.25
    assert set(row) == {name for names in k.FIELDS.values() for name in names}
