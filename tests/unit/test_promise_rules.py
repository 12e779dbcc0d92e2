"""The promise: the promised delivery date at acceptance, and the projection that tells when it
is at risk before the order is late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shipshape.domain.orders import OrderStatus
from shipshape.domain.promise import (
    Cause,
    PromisePolicy,
    PromiseState,
    Situation,
    changes,
    project,
    promised_date,
)

TODAY = date(2026, 12, 3)
DAY = timedelta(days=1)
POLICY = PromisePolicy()


def situation(status: OrderStatus = OrderStatus.ACCEPTED, *, requested: date | None = TODAY,
              promised: date = TODAY + 3 * DAY, **more: object) -> Situation:
    return Situation(order_id="ord_1", status=status, requested_ship_date=requested,
                     promised_date=promised, transit_days=3,
                     since=datetime(2026, 12, 3, 9, tzinfo=UTC), **more)  # type: ignore[arg-type]


def test_a_future_requested_date_ships_then_and_arrives_after_the_transit_days() -> None:
    assert promised_date(TODAY + 10 * DAY, TODAY, 3) == TODAY + 13 * DAY


def test_a_past_or_missing_requested_date_ships_when_the_stock_is_available_today() -> None:
    assert promised_date(TODAY - 5 * DAY, TODAY, 3) == TODAY + 3 * DAY
    assert promised_date(None, TODAY, 2) == TODAY + 2 * DAY


def test_transit_days_come_from_the_service_then_the_country_then_the_default() -> None:
    policy = PromisePolicy(default_transit_days=4, transit_days_by_country={"CA": 6})
    assert policy.transit_days(1, "CA") == 1
    assert policy.transit_days(None, "ca") == 6
    assert policy.transit_days(None, "US") == 4
    assert policy.transit_days(None, None) == 4


def test_an_accepted_order_on_schedule_is_on_track() -> None:
    projection = project(situation(), TODAY, POLICY)
    assert (projection.state, projection.projected) == (PromiseState.ON_TRACK, TODAY + 3 * DAY)


def test_a_hold_pushes_the_projection_past_the_promise() -> None:
    projection = project(situation(OrderStatus.HELD), TODAY, POLICY)
    assert (projection.state, projection.projected, projection.cause) == (
        PromiseState.AT_RISK, TODAY + 4 * DAY, Cause.HELD)


def test_a_hold_well_before_the_ship_date_costs_nothing() -> None:
    projection = project(situation(OrderStatus.HELD, requested=TODAY + 5 * DAY,
                                   promised=TODAY + 8 * DAY), TODAY, POLICY)
    assert projection.state is PromiseState.ON_TRACK


def test_the_slack_flags_a_promise_before_the_projection_passes_it() -> None:
    s = situation(requested=TODAY + DAY, promised=TODAY + 5 * DAY)  # projected TODAY + 4
    assert project(s, TODAY, POLICY).state is PromiseState.ON_TRACK
    assert project(s, TODAY, PromisePolicy(at_risk_slack_days=2)).state is PromiseState.AT_RISK


def test_an_order_left_waiting_past_its_ship_date_comes_at_risk_as_days_pass() -> None:
    s = situation(OrderStatus.RELEASED)
    assert project(s, TODAY, POLICY).state is PromiseState.ON_TRACK
    late = project(s, TODAY + DAY, POLICY)
    assert (late.state, late.projected, late.cause) == (
        PromiseState.AT_RISK, TODAY + 4 * DAY, Cause.SCHEDULE)


def test_a_failed_tender_and_a_failed_delivery_push_the_projection() -> None:
    tender = project(situation(OrderStatus.PICKED, tender_failed=True), TODAY, POLICY)
    assert (tender.state, tender.cause) == (PromiseState.AT_RISK, Cause.TENDER_FAILED)
    shipped = situation(OrderStatus.SHIPPED, shipped_on=TODAY, promised=TODAY + 3 * DAY)
    assert project(shipped, TODAY, POLICY).state is PromiseState.ON_TRACK
    early = project(situation(OrderStatus.SHIPPED, shipped_on=TODAY,
                              delivery_failed_on=TODAY + DAY), TODAY + DAY, POLICY)
    assert (early.state, early.projected) == (PromiseState.ON_TRACK, TODAY + 2 * DAY)
    on_the_day = project(situation(OrderStatus.SHIPPED, shipped_on=TODAY,
                                   delivery_failed_on=TODAY + 3 * DAY), TODAY + 3 * DAY, POLICY)
    assert (on_the_day.state, on_the_day.projected, on_the_day.cause) == (
        PromiseState.AT_RISK, TODAY + 4 * DAY, Cause.DELIVERY_FAILED)


def test_a_delivery_ends_the_promise_kept_or_missed() -> None:
    kept = situation(OrderStatus.INVOICED, shipped_on=TODAY, delivered_on=TODAY + 2 * DAY)
    assert project(kept, TODAY, POLICY).state is PromiseState.KEPT
    missed = situation(OrderStatus.INVOICED, shipped_on=TODAY, delivered_on=TODAY + 5 * DAY)
    assert project(missed, TODAY, POLICY).state is PromiseState.MISSED
    redelivered = situation(OrderStatus.INVOICED, shipped_on=TODAY,
                            delivery_failed_on=TODAY + 2 * DAY, delivered_on=TODAY + 3 * DAY)
    assert project(redelivered, TODAY, POLICY).state is PromiseState.KEPT


def test_only_a_change_of_the_flag_is_a_change() -> None:
    flagged = datetime(2026, 12, 2, tzinfo=UTC)
    held, held_flagged = situation(OrderStatus.HELD), situation(OrderStatus.HELD,
                                                                 at_risk_since=flagged)
    back, back_flagged = situation(), situation(at_risk_since=flagged)
    found = changes([held, held_flagged, back, back_flagged], TODAY, POLICY)
    assert [(c.situation, c.newly_at_risk, c.recovered) for c in found] == [
        (held, True, False), (back_flagged, False, True)]
