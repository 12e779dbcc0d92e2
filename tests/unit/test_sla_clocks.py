"""Business calendars and SLA clocks (`domain/sla.py`): business seconds across nights,
weekends, holidays, time zones and a daylight-saving change; a case's clock with pauses,
budget changes and jeopardy; the escalation steps a jeopardy owes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shipshape.domain.sla import (
    BusinessCalendar,
    DeskCalendars,
    EscalationStep,
    clock_of,
    escalation_steps,
    parse_span,
    raised,
    supervisor_queue,
)

H = 3600
UTC_WEEK = BusinessCalendar()  # Mon-Fri 08:00-18:00 UTC
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# 2026-03-02 is a Monday
def test_business_seconds_count_only_business_hours() -> None:
    assert UTC_WEEK.business_seconds(utc(2026, 3, 2, 9), utc(2026, 3, 2, 11)) == 2 * H
    assert UTC_WEEK.business_seconds(utc(2026, 3, 2, 6), utc(2026, 3, 2, 20)) == 10 * H
    # Monday 17:00 to Tuesday 09:00: one hour each side of the night
    assert UTC_WEEK.business_seconds(utc(2026, 3, 2, 17), utc(2026, 3, 3, 9)) == 2 * H
    assert UTC_WEEK.business_seconds(utc(2026, 3, 3, 9), utc(2026, 3, 2, 17)) == -2 * H


def test_the_weekend_does_not_count() -> None:
    friday_5pm, monday_9am = utc(2026, 3, 6, 17), utc(2026, 3, 9, 9)
    assert UTC_WEEK.business_seconds(friday_5pm, monday_9am) == 2 * H
    assert UTC_WEEK.add(friday_5pm, 2 * H) == monday_9am
    assert UTC_WEEK.add(utc(2026, 3, 7, 12), 1) == utc(2026, 3, 9, 8, 0, 1)
    # a whole week is five ten-hour days
    assert UTC_WEEK.business_seconds(utc(2026, 3, 2), utc(2026, 3, 9)) == 50 * H


def test_add_stops_at_the_end_of_a_span_not_the_start_of_the_next() -> None:
    assert UTC_WEEK.add(utc(2026, 3, 2, 8), 10 * H) == utc(2026, 3, 2, 18)
    assert UTC_WEEK.add(utc(2026, 3, 2, 22), 0) == utc(2026, 3, 2, 22)


def test_holidays_have_no_business_hours() -> None:
    calendar = BusinessCalendar(holidays=[date(2026, 12, 24), date(2026, 12, 25)])
    # Wednesday 23rd 17:00 + 2 h: 1 h that day, Thursday and Friday off, Monday 28th 09:00
    assert calendar.add(utc(2026, 12, 23, 17), 2 * H) == utc(2026, 12, 28, 9)
    assert calendar.business_seconds(utc(2026, 12, 23), utc(2026, 12, 29)) == 20 * H
    assert not calendar.is_open(utc(2026, 12, 24, 10))
    assert calendar.is_open(utc(2026, 12, 23, 10))


def test_hours_are_local_to_the_time_zone() -> None:
    calendar = BusinessCalendar("America/Chicago")  # UTC-6 in January
    assert calendar.is_open(utc(2026, 1, 5, 14)) and not calendar.is_open(utc(2026, 1, 5, 13))
    assert calendar.add(utc(2026, 1, 5, 23), 1 * H) == utc(2026, 1, 6, 0)  # 17:00 -> 18:00
    assert calendar.add(utc(2026, 1, 6, 0), 1 * H) == utc(2026, 1, 6, 15)  # next day 09:00


def test_a_daylight_saving_change_in_berlin_keeps_the_local_hours() -> None:
    calendar = BusinessCalendar("Europe/Berlin")
    # Friday 27 March 2026 17:00 CET; the clocks go forward on Sunday 29 March
    friday = berlin(2026, 3, 27, 17)
    due = calendar.add(friday, 2 * H)
    assert due == berlin(2026, 3, 30, 9) and due.astimezone(UTC) == utc(2026, 3, 30, 7)
    assert calendar.business_seconds(friday, berlin(2026, 3, 30, 9)) == 2 * H
    # and back in October: Friday 23rd 17:00 CEST to Monday 26th 09:00 CET
    assert calendar.add(berlin(2026, 10, 23, 17), 2 * H).astimezone(UTC) == utc(2026, 10, 26, 8)


def test_round_the_clock_hours_count_the_hours_that_really_pass_on_a_change() -> None:
    every_hour = BusinessCalendar("Europe/Berlin", {d: ["00:00-24:00"] for d in
                                                    ("mon", "tue", "wed", "thu", "fri", "sat",
                                                     "sun")})
    # 29 March 2026 in Berlin lasts 23 hours
    assert every_hour.business_seconds(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23 * H
    assert every_hour.add(utc(2026, 3, 28, 12), 48 * H) == utc(2026, 3, 30, 12)


def test_several_spans_a_day_and_a_long_distance() -> None:
    split = BusinessCalendar(hours={"mon": ["08:00-12:00", "13:00-17:00"]})
    assert split.business_seconds(utc(2026, 3, 2, 11), utc(2026, 3, 2, 14)) == 2 * H
    assert split.add(utc(2026, 3, 2, 11), 2 * H) == utc(2026, 3, 2, 14)
    # years apart: still one count (the range grows by years)
    assert split.business_seconds(utc(2024, 1, 1), utc(2028, 1, 1)) == 8 * H * 209


def test_spans_and_zones_are_checked() -> None:
    assert parse_span("08:30-24:00") == (8 * H + 1800, 24 * H)
    for bad in ("8-17", "18:00-08:00", "08:00-25:00", "08:60-09:00"):
        with pytest.raises(ValueError):
            parse_span(bad)
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar(hours={"mon": ["08:00-12:00", "11:00-13:00"]})
    with pytest.raises(ValueError, match="time zone"):
        BusinessCalendar("Mars/Olympus")
    with pytest.raises(ValueError, match="at least one weekday"):
        BusinessCalendar(hours={})


OPENED = utc(2026, 3, 2, 8)  # Monday 08:00


def clock(now: datetime, budget: int | None = 10 * H, paused_at: datetime | None = None,
          paused_s: int = 0, status: str = "open", **kw: object) -> object:
    return clock_of(status=status, opened_at=OPENED, sla_due_at=OPENED + timedelta(hours=10),
                    sla_budget_s=budget, paused_at=paused_at, paused_s=paused_s,
                    waiting_on="customer" if paused_at else None, now=now,
                    calendar=UTC_WEEK, **kw)  # type: ignore[arg-type]


def test_a_running_clock_consumes_business_time_and_its_jeopardy_rises() -> None:
    on_track = clock(utc(2026, 3, 2, 12))
    assert (on_track.state, on_track.remaining_s, on_track.consumed_share, on_track.due_at) == (
        "on_track", 6 * H, 0.4, utc(2026, 3, 2, 18))
    assert clock(utc(2026, 3, 2, 15, 29)).state == "on_track"
    assert clock(utc(2026, 3, 2, 15, 30)).state == "at_risk"  # 75 % used
    assert clock(utc(2026, 3, 2, 15, 30), at_risk_share=0.9).state == "on_track"
    breached = clock(utc(2026, 3, 3, 9))
    assert (breached.state, breached.remaining_s, breached.due_at) == (
        "breached", -1 * H, utc(2026, 3, 2, 18))


def test_the_clock_does_not_tick_at_night() -> None:
    evening = clock(utc(2026, 3, 2, 17, 59), budget=12 * H)
    night = clock(utc(2026, 3, 3, 3), budget=12 * H)
    assert (evening.state, night.state) == ("at_risk", "at_risk")
    assert (night.remaining_s, night.due_at) == (2 * H, utc(2026, 3, 3, 10))


def test_a_paused_clock_stands_still_and_its_due_time_moves_out() -> None:
    paused = clock(utc(2026, 3, 2, 16), paused_at=utc(2026, 3, 2, 10))
    assert (paused.state, paused.paused, paused.waiting_on) == ("paused", True, "customer")
    assert (paused.jeopardy, paused.remaining_s, paused.paused_s) == ("on_track", 8 * H, 6 * H)
    assert paused.due_at == utc(2026, 3, 3, 14)  # 8 business hours from now
    resumed = clock(utc(2026, 3, 2, 16), paused_s=6 * H)  # the same pause, over
    assert (resumed.state, resumed.paused, resumed.waiting_on) == ("on_track", False, None)
    assert (resumed.remaining_s, resumed.due_at) == (8 * H, utc(2026, 3, 3, 14))


def test_paused_is_shown_only_while_the_case_really_is_paused() -> None:
    pausing_later = clock(utc(2026, 3, 2, 9), paused_at=utc(2026, 3, 2, 10))
    assert (pausing_later.state, pausing_later.paused) == ("on_track", False)
    closed = clock(utc(2026, 3, 2, 12), paused_at=utc(2026, 3, 2, 10), status="resolved")
    assert (closed.state, closed.paused, closed.waiting_on) == ("closed", False, None)


def test_a_budget_change_keeps_the_time_paused() -> None:
    now = utc(2026, 3, 2, 16)
    before = clock(now, budget=10 * H, paused_s=3 * H)
    after = clock(now, budget=20 * H, paused_s=3 * H)
    assert (before.consumed_s, after.consumed_s) == (5 * H, 5 * H)
    assert after.remaining_s - before.remaining_s == 10 * H
    assert after.due_at == utc(2026, 3, 4, 11)  # 15 business hours from Monday 16:00


def test_a_case_without_a_budget_keeps_its_due_time_in_wall_time() -> None:
    legacy = clock(utc(2026, 3, 2, 14), budget=None)
    assert (legacy.state, legacy.due_at, legacy.budget_s) == (
        "on_track", utc(2026, 3, 2, 18), None)
    night = clock(utc(2026, 3, 2, 22), budget=None)
    assert (night.state, night.remaining_s) == ("breached", -4 * H)


def test_a_promise_caps_the_due_time_and_the_budget() -> None:
    desk = DeskCalendars()
    assert desk.budget_and_due("credit", OPENED, 24, None) == (24 * H, utc(2026, 3, 4, 12))
    promised = utc(2026, 3, 2, 14)
    assert desk.budget_and_due("credit", OPENED, 24, promised) == (6 * H, promised)
    saturday = utc(2026, 3, 7, 12)  # nothing left of the week's hours after Friday
    assert desk.budget_and_due("credit", utc(2026, 3, 6, 20), 4, saturday) == (1, saturday)


def test_teams_without_their_own_calendar_use_the_default() -> None:
    berlin_desk = BusinessCalendar("Europe/Berlin")
    desk = DeskCalendars({"default": UTC_WEEK, "credit": berlin_desk})
    assert desk.of("credit") is berlin_desk and desk.of("warehouse") is UTC_WEEK


def test_escalation_steps_follow_the_jeopardy_once() -> None:
    assert escalation_steps(0, "on_track") == []
    assert escalation_steps(0, "at_risk") == [EscalationStep(1, "notify")]
    assert escalation_steps(1, "at_risk") == []
    assert escalation_steps(1, "breached") == [EscalationStep(2, "reassign"),
                                               EscalationStep(2, "raise_priority")]
    assert len(escalation_steps(0, "breached")) == 3
    assert escalation_steps(2, "breached") == []
    assert [raised(p) for p in ("low", "standard", "high", "urgent", "odd")] == [
        "standard", "high", "urgent", "urgent", "high"]
    assert supervisor_queue("credit", "credit") == "credit-supervisor"
    assert supervisor_queue("credit-supervisor", "credit") == "credit-supervisor"
    assert supervisor_queue("", "warehouse") == "warehouse-supervisor"
