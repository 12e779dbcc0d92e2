"""KPIs over a store whose orders, deliveries, cases, desk costs and calls are known
(`tests/worlds/kpis.py`): exact figures in all, per dimension and per period, each imperfect
order linked to the case that caused it, a customer's token counting its own, the same
figures from `shipshape kpis`, and bad parameters refused in plain words."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipshape.bootstrap import Container
from shipshape.cli import exit_codes
from tests.builders import auth
from tests.cli_support import shipshape
from tests.conftest import BACKENDS
from tests.worlds.kpis import T0, KpiWorld, kpi_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

TOTALS = {
    "orders": 6, "cases": 5, "exceptions_per_1000": 833.33,
    "delivered_orders": 4, "perfect_orders": 1, "perfect_order_rate": 0.25,
    "on_time_rate": 0.75, "in_full_rate": 0.75, "damage_free_rate": 0.75,
    "invoice_accuracy_rate": 0.75, "perfect_order_product": 0.3164,
    "closed_cases": 3, "rework_hours": 2.25, "expedited_freight": "25.50",
    "invoice_correction_cost": "10.00", "time_to_resolve_mean_h": 2.67,
    "time_to_resolve_p90_h": 5.0, "credit_notes": 1, "credit_note_amount": {"USD": "10.00"},
    "system_calls": 5, "dead_letters": 1, "integration_failure_rate": 0.1667,
}
"""Six orders, five cases (the ERP's refusal, E's shortage, B late, C damaged, D short);
A of the four delivered is perfect, each of B, C, D fails one part and C two (its credit);
three cases closed after 1 h (E), 2 h (C) and 5 h (D) with 15 + 30 + 90 rework minutes;
five tenders answered and one call refused for good."""


@pytest.fixture
def story(database_url: str) -> Iterator[KpiWorld]:
    with kpi_world(database_url) as built:
        yield built


def kpis(story: KpiWorld, token: str | None = None, **params: Any) -> Any:
    return story.world.client.get("/api/v1/kpis", params=params,
                                  headers=auth(token or story.world.token))


def report(story: KpiWorld, **params: Any) -> dict[str, Any]:
    answer = kpis(story, **params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def by(found: dict[str, Any], dimension: str) -> dict[str | None, dict[str, Any]]:
    [breakdown] = [b for b in found["breakdowns"] if b["by"] == dimension]
    return {group["key"]: group for group in breakdown["groups"]}


def pick(group: dict[str, Any], *fields: str) -> tuple[Any, ...]:
    return tuple(group[name] for name in fields)


def test_the_whole_history_counts_every_order_case_cost_and_call(story: KpiWorld) -> None:
    found = report(story)
    assert found["totals"] == TOTALS
    assert (found["from"], found["to"], found["currency"], found["customer_id"]) == (
        None, None, "USD", None)
    assert found["failures"] == [
        {"component": "on_time", "code": "DELIVERED_LATE", "orders": 1},
        {"component": "in_full", "code": "SHORT_ON_DELIVERY", "orders": 1},
        {"component": "damage_free", "code": "DAMAGED_ON_DELIVERY", "orders": 1},
        {"component": "invoiced_accurately", "code": "DAMAGED_ON_DELIVERY", "orders": 1}]


def test_each_imperfect_order_names_the_case_behind_each_failure(story: KpiWorld) -> None:
    answer = story.world.client.get("/api/v1/kpis/orders", params={"perfect": "false"},
                                    headers=auth(story.world.token))
    assert answer.status_code == 200, answer.text
    listed = {row["order_id"]: row for row in answer.json()["orders"]}
    assert answer.json()["total"] == 3
    orders, cases = story.orders, story.cases
    assert set(listed) == {orders["B"], orders["C"], orders["D"]}
    assert listed[orders["B"]]["failures"] == [
        {"component": "on_time", "code": "DELIVERED_LATE", "case_id": cases["DELIVERED_LATE"],
         "credit_note_id": None}]
    damaged = cases["DAMAGED_ON_DELIVERY"]
    assert [(f["component"], f["case_id"]) for f in listed[orders["C"]]["failures"]] == [
        ("damage_free", damaged), ("invoiced_accurately", damaged)]
    assert listed[orders["C"]]["credit_notes"] == [story.credit_note]
    assert [(f["component"], f["code"]) for f in listed[orders["D"]]["failures"]] == [
        ("in_full", "SHORT_ON_DELIVERY")]
    perfect = story.world.client.get("/api/v1/kpis/orders", params={"perfect": "true"},
                                     headers=auth(story.world.token)).json()
    assert [(row["order_id"], row["failures"]) for row in perfect["orders"]] == [
        (orders["A"], [])]


def test_by_day_each_kpi_counts_on_the_day_it_happened(story: KpiWorld) -> None:
    days = by(report(story, by="day"), "day")
    taken, held = T0.date(), story.t1.date()
    on_time, late, reported = story.promised, story.promised + timedelta(days=2), story.t2.date()
    assert set(days) == {d.isoformat() for d in (taken, held, on_time, late, reported)}
    fields = ("orders", "cases", "exceptions_per_1000", "system_calls", "dead_letters")
    assert pick(days[taken.isoformat()], *fields) == (5, 1, 200.0, 5, 1)
    assert pick(days[held.isoformat()], "orders", "cases", "closed_cases",
                "time_to_resolve_mean_h") == (1, 1, 1, 1.0)
    assert pick(days[on_time.isoformat()], "delivered_orders", "perfect_orders",
                "perfect_order_rate", "in_full_rate") == (3, 1, 0.3333, 0.6667)
    assert pick(days[late.isoformat()], "delivered_orders", "on_time_rate") == (1, 0.0)
    assert pick(days[reported.isoformat()], "orders", "cases", "exceptions_per_1000",
                "closed_cases", "rework_hours", "time_to_resolve_p90_h", "credit_notes") == (
        0, 3, None, 2, 2.0, 5.0, 1)


def test_by_stage_and_owner_team_cases_count_against_every_order(story: KpiWorld) -> None:
    found = report(story, by=["stage", "owner_team"])
    stages = by(found, "stage")
    assert {k: pick(g, "orders", "cases", "exceptions_per_1000") for k, g in stages.items()} == {
        "allocate": (6, 1, 166.67), "capture": (6, 1, 166.67), "ship": (6, 3, 500.0)}
    assert pick(stages["ship"], "system_calls", "dead_letters", "closed_cases",
                "time_to_resolve_mean_h", "time_to_resolve_p90_h") == (5, 0, 2, 3.5, 5.0)
    assert pick(stages["capture"], "dead_letters", "integration_failure_rate") == (1, 1.0)
    assert stages["ship"]["perfect_order_rate"] is None
    [stage_breakdown] = [b for b in found["breakdowns"] if b["by"] == "stage"]
    assert set(stage_breakdown["not_applicable"]) == {"perfect_order", "invoice_corrections"}
    assert "every order" in stage_breakdown["notes"]["orders"]
    teams = by(found, "owner_team")
    assert {k: pick(g, "cases", "exceptions_per_1000", "closed_cases", "rework_hours")
            for k, g in teams.items()} == {
        "customer_service": (4, 666.67, 3, 2.25), "integration": (1, 166.67, 0, 0.0)}
    assert teams["integration"]["integration_failure_rate"] is None


def test_by_site_segment_and_channel_orders_count_where_they_belong(story: KpiWorld) -> None:
    found = report(story, by="site,segment,channel")
    sites = by(found, "site")
    assert pick(sites["DAL"], "orders", "cases", "exceptions_per_1000", "delivered_orders",
                "perfect_order_rate", "credit_notes") == (5, 3, 600.0, 4, 0.25, 1)
    assert pick(sites[None], "orders", "cases", "exceptions_per_1000") == (1, 2, None)
    assert sites["DAL"]["integration_failure_rate"] is None  # a call has no site
    segments = by(found, "segment")
    assert pick(segments["retail"], "orders", "cases", "delivered_orders", "perfect_orders",
                "closed_cases", "rework_hours", "expedited_freight") == (
        2, 2, 1, 0, 2, 1.75, "25.50")
    assert pick(segments["standard"], "orders", "delivered_orders", "perfect_order_rate",
                "system_calls", "dead_letters", "integration_failure_rate") == (
        4, 3, 0.3333, 4, 1, 0.2)
    channels = by(found, "channel")
    assert {k: pick(g, "orders", "cases") for k, g in channels.items()} == {
        "api": (2, 2), "web": (4, 3)}


def test_a_period_counts_only_what_happened_within_it(story: KpiWorld) -> None:
    reported = story.t2.date().isoformat()
    found = report(story, **{"from": reported, "to": reported})
    assert found["from"] == f"{reported}T00:00:00+00:00"
    assert pick(found["totals"], "orders", "cases", "delivered_orders", "closed_cases",
                "rework_hours", "time_to_resolve_mean_h", "credit_notes", "system_calls",
                "dead_letters") == (0, 3, 0, 2, 2.0, 3.5, 1, 0, 0)
    assert found["failures"] == []
    deliveries = report(story, **{"from": story.promised.isoformat(),
                                  "to": story.promised.isoformat()})["totals"]
    assert pick(deliveries, "delivered_orders", "perfect_orders", "on_time_rate") == (
        3, 1, 1.0)


def test_a_customers_token_counts_that_customers_records_only(story: KpiWorld) -> None:
    container = story.world.container
    token = container.tokens.create("bolt", "viewer", story.clock.now(), customer_id="C2")
    answer = kpis(story, token, by="day")
    assert answer.status_code == 200, answer.text
    totals = answer.json()["totals"]
    assert answer.json()["customer_id"] == "C2"
    assert pick(totals, "orders", "cases", "delivered_orders", "perfect_orders",
                "closed_cases", "rework_hours", "credit_notes", "system_calls",
                "dead_letters") == (2, 2, 1, 0, 2, 1.75, 0, 1, 0)
    orders = story.world.client.get("/api/v1/kpis/orders", headers=auth(token)).json()
    assert [row["order_id"] for row in orders["orders"]] == [story.orders["D"]]


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"by": "region"}, "by", "'region' is not a dimension; use day, site"),
    ({"by": "day,"}, "by", "'' is not a dimension"),
    ({"from": "2026-12-05", "to": "2026-12-01"}, "from", "is after to"),
    ({"from": "yesterday"}, "from", "an ISO date"),
    ({"group": "day"}, "group", "takes no such query parameter"),
])
def test_bad_parameters_are_refused_naming_the_field(
        client: TestClient, container: Container, params: dict[str, str], field: str,
        words: str) -> None:
    token = container.tokens.create("vic", "viewer", container.deps.clock.now())
    answer = client.get("/api/v1/kpis", params=params, headers=auth(token))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    [error] = answer.json()["errors"]
    assert error["field"] == field and words in error["message"], error


def test_reading_kpis_needs_a_token_and_any_reader_role(story: KpiWorld) -> None:
    assert story.world.client.get("/api/v1/kpis").status_code == 401
    viewer = story.world.container.tokens.create("vic", "viewer", story.clock.now())
    assert kpis(story, viewer).json()["totals"] == TOTALS
    refused = story.world.client.get("/api/v1/kpis/orders", params={"perfect": "maybe"},
                                     headers=auth(viewer))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "perfect"


def test_the_cli_prints_what_the_api_answers(story: KpiWorld, database_url: str) -> None:
    api = report(story, by=["stage", "day"])
    printed = shipshape(database_url, "kpis", "--by", "stage", "--by", "day", "-o", "json")
    assert json.loads(printed.stdout) == api
    rows = list(csv.DictReader(io.StringIO(shipshape(
        database_url, "kpis", "--by", "stage", "-o", "csv").stdout)))
    assert [(r["by"], r["key"], r["cases"]) for r in rows] == [
        ("total", "", "5"), ("stage", "allocate", "1"), ("stage", "capture", "1"),
        ("stage", "ship", "3")]
    table = shipshape(database_url, "kpis", "--by", "owner_team").stdout
    assert "perfect_order_rate" in table and "customer_service" in table
    assert "every integration failure is the integration team's" in " ".join(table.split())
    imperfect = json.loads(shipshape(database_url, "kpis", "--orders", "--imperfect",
                                     "-o", "json").stdout)
    assert imperfect["total"] == 3
    refused = shipshape(database_url, "kpis", "--by", "region", code=exit_codes.USAGE)
    assert "'region' is not a dimension" in " ".join(refused.output.split())
    backwards = shipshape(database_url, "kpis", "--from", "2026-12-05", "--to", "2026-12-01",
                          code=exit_codes.USAGE)
    assert "is after --to" in " ".join(backwards.output.split())


def test_an_empty_store_has_no_rates_to_give(story: KpiWorld) -> None:
    future = (date.today() + timedelta(days=30)).isoformat()
    found = report(story, **{"from": future}, by="day")
    assert pick(found["totals"], "orders", "cases", "exceptions_per_1000", "delivered_orders",
                "perfect_order_rate", "perfect_order_product", "time_to_resolve_mean_h",
                "integration_failure_rate", "credit_note_amount") == (
        0, 0, None, 0, None, None, None, None, {})
    assert by(found, "day") == {}
