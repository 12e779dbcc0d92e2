"""The console's view rules, without a browser: jeopardy colours, countdowns, the queue's query,
the body of an action, the API's refusals in plain words.

NiceGUI's `user` fixture needs pytest-asyncio and a main file of its own; the project runs no
asyncio plugin, so the pages' logic lives in `console/view.py` and is tested here directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shipshape.console import view

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def case(**fields: object) -> dict[str, object]:
    return {"case_id": "X-1", "code": "PARTIAL_AVAILABILITY", "status": "open", **fields}


@pytest.mark.parametrize(("state", "colour"), [
    ("on_track", "green"), ("at_risk", "amber"), ("breached", "red"), ("paused", "grey"),
    ("closed", "blue-grey"), ("unheard_of", "grey")])
def test_each_sla_state_has_its_jeopardy_colour(state: str, colour: str) -> None:
    assert view.jeopardy_colour(state) == colour


def test_the_state_is_the_apis_when_it_sends_one() -> None:
    assert view.jeopardy(case(sla={"state": "at_risk"}), NOW) == "at_risk"


def test_without_an_sla_block_the_state_follows_the_status_and_due_time() -> None:
    past, future = (NOW - timedelta(minutes=1)).isoformat(), (NOW + timedelta(hours=1)).isoformat()
    assert view.jeopardy(case(sla_due_at=past), NOW) == "breached"
    assert view.jeopardy(case(sla_due_at=future), NOW) == "on_track"
    assert view.jeopardy(case(status="resolved", sla_due_at=past), NOW) == "closed"


def test_the_countdown_says_time_left_or_overdue() -> None:
    due = (NOW + timedelta(hours=3, minutes=5, seconds=9)).isoformat()
    assert view.countdown(case(sla_due_at=due), NOW) == "3 h 05 m left"
    assert view.countdown(case(sla_due_at=due), NOW + timedelta(hours=3, minutes=9)) \
        == "overdue by 3 m 51 s"
    assert view.countdown(case(sla={"state": "on_track", "due_at": due}), NOW
                          + timedelta(hours=3)) == "5 m 09 s left"


def test_a_paused_clock_says_what_it_waits_on() -> None:
    paused = case(sla={"state": "paused", "paused": True, "waiting_on": "customer"})
    assert view.countdown(paused, NOW) == "paused (waiting on customer)"
    assert view.countdown(case(status="rejected"), NOW) == "closed"


def test_durations_show_their_two_largest_units() -> None:
    assert view.duration(2 * 86400 + 3 * 3600 + 59) == "2 d 03 h"
    assert view.duration(59) == "0 m 59 s"


def test_the_queue_asks_for_the_filters_given_soonest_due_first() -> None:
    params = view.queue_params({"owner_team": " credit ", "code": "", "site_id": None,
                                "not_a_filter": "x"})
    assert params == {"owner_team": "credit", "sort": "sla_due_at", "limit": "200"}


def test_cases_without_a_due_time_come_last() -> None:
    late, soon = (NOW + timedelta(hours=5)).isoformat(), (NOW + timedelta(hours=1)).isoformat()
    ordered = view.by_due_time([case(case_id="none"), case(case_id="late", sla_due_at=late),
                                case(case_id="soon", sla={"due_at": soon})])
    assert [c["case_id"] for c in ordered] == ["soon", "late", "none"]


def test_a_queue_row_carries_its_chip_and_countdown() -> None:
    row = view.queue_row(case(sla={"state": "breached", "due_at": NOW.isoformat()}), NOW)
    assert (row["colour"], row["sla_label"]) == ("red", "Overdue")
    assert row["countdown"].startswith("overdue")


def test_an_action_body_takes_only_the_fields_of_its_action() -> None:
    body = view.action_body("cancel_line", "CUSTOMER_REQUEST",
                            {"line_no": "2", "substitute_sku": "SKU9", "site_id": ""},
                            root_cause=" ", note="asked by phone")
    assert body == {"action": "cancel_line", "reason_code": "CUSTOMER_REQUEST", "line_no": 2,
                    "note": "asked by phone"}
    assert view.action_body("approve_split", "CUSTOMER_CONSENT", {}) == {
        "action": "approve_split", "reason_code": "CUSTOMER_CONSENT"}


def test_destructive_actions_are_confirmed() -> None:
    assert {"cancel_line", "reject", "release_hold", "reship", "credit"} == view.DESTRUCTIVE
    assert "approve_split" not in view.DESTRUCTIVE
    assert {"redeliver", "reship", "credit"} <= set(view.ACTION_LABELS)


def test_a_refusal_reads_as_the_apis_words() -> None:
    problem = {"title": "Unprocessable", "detail": "the request does not fit the contract",
               "errors": [{"field": "owner_team", "message": "no such query parameter"}]}
    assert view.error_text(422, problem) == (
        "422: the request does not fit the contract; owner_team: no such query parameter")
    assert view.error_text(502, None) == "502: the API answered without details"


def test_counts_most_first() -> None:
    cases = [case(owner_team="credit"), case(owner_team="warehouse"), case(owner_team="credit"),
             case(owner_team=None)]
    assert view.counts(cases, "owner_team") == [("credit", 2), ("-", 1), ("warehouse", 1)]


def test_the_timeline_is_oldest_first_with_a_short_gist() -> None:
    rows = view.timeline_rows([
        {"occurred_at": "2026-12-03T09:00:00+00:00", "type": "CaseResolved",
         "payload": {"action": "approve_split", "nested": {"no": 1}}},
        {"occurred_at": "2026-12-03T08:00:00+00:00", "type": "OrderReceived", "payload": {}}])
    assert [r["what"] for r in rows] == ["OrderReceived", "CaseResolved"]
    assert rows[1]["gist"] == "action=approve_split"
