"""The packaged routing table (`rules/desk/case_routing.json`, zen-engine): business and
integration exceptions go to separate queues; priority and SLA follow the customer and the
order's value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipshape.adapters.rules.routing import ZenCaseRouting
from shipshape.bootstrap import routing_table
from shipshape.config import PACKAGED_RULES
from shipshape.domain.errors import InvalidInput
from shipshape.services.ports.routing import Route

ROUTING = ZenCaseRouting(routing_table(PACKAGED_RULES))


def route(kind: str = "business", owner_team: str = "customer_service",
          customer_priority: str | None = "standard", order_value: float = 100.0) -> Route:
    return ROUTING.route({"code": "X", "kind": kind, "stage": "validate", "site_id": "DAL",
                          "customer_segment": "retail", "customer_priority": customer_priority,
                          "order_value": order_value, "owner_team": owner_team})


def test_business_exceptions_stay_in_their_teams_queue() -> None:
    assert route() == Route("customer_service", "customer_service", "standard", 24)
    assert route("data_quality", "master_data").queue == "master_data"
    assert route("operational", "warehouse").queue == "warehouse"


def test_integration_exceptions_go_to_the_integration_queue() -> None:
    failed_post = route("integration", "finance")
    assert (failed_post.owner_team, failed_post.queue, failed_post.priority,
            failed_post.sla_hours) == ("finance", "integration", "high", 8)
    assert route("technical", "integration").queue == "integration"
    assert route("integration", customer_priority="strategic").priority == "urgent"


@pytest.mark.parametrize(("customer", "value", "priority", "hours"), [
    ("strategic", 100, "high", 4), ("strategic", 10_000, "urgent", 2),
    ("standard", 100, "standard", 24), ("standard", 10_000, "high", 12),
    ("low", 100, "low", 48), ("low", 25_000, "standard", 24), (None, 100, "standard", 24)])
def test_priority_and_sla_follow_the_customer_and_the_value(
        customer: str | None, value: float, priority: str, hours: float) -> None:
    got = route(customer_priority=customer, order_value=value)
    assert (got.priority, got.sla_hours) == (priority, hours)


def test_the_version_names_the_table_and_its_digest() -> None:
    name, digest = ROUTING.version.split("@")
    assert name == "case_routing" and len(digest) == 12


def test_a_rules_folder_may_bring_its_own_table(tmp_path: Path) -> None:
    own = tmp_path / "desk" / "case_routing.json"
    own.parent.mkdir()
    table = json.loads(routing_table(PACKAGED_RULES).read_text(encoding="utf-8"))
    [business] = [row for row in table["nodes"][1]["content"]["rules"]
                  if row["_id"] == "business"]
    business["queue"] = '"desk-" + owner_team'
    own.write_text(json.dumps(table), encoding="utf-8")
    assert routing_table(tmp_path) == own
    assert ZenCaseRouting(own).route({"kind": "business", "owner_team": "credit"}).queue == (
        "desk-credit")
    assert routing_table(tmp_path / "elsewhere") == routing_table(PACKAGED_RULES)


def test_a_broken_table_is_refused_with_its_path(tmp_path: Path) -> None:
    broken = tmp_path / "case_routing.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"case_routing\.json"):
        ZenCaseRouting(broken)


def test_a_risk_review_goes_to_the_customer_service_supervisors() -> None:
    got = ROUTING.route({"kind": "business", "code": "RISK_REVIEW",
                         "owner_team": "customer_service"})
    assert got.queue == "customer_service-supervisor"
