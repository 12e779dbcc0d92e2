"""The order-risk assessment as the rules see it (domain/risk.py): the `risk` facts, the finding
of a model that gave no score, the score carried on a finding, and the history features."""

from __future__ import annotations

import pytest

from shipshape.adapters.rules.zen import ZenPolicyRules
from shipshape.config import PACKAGED_RULES
from shipshape.domain.findings import Kind, Severity, Team, warn
from shipshape.domain.risk import (
    NOT_CONFIGURED,
    RISK_MODEL_UNAVAILABLE,
    CarrierHistory,
    CustomerHistory,
    RiskStatus,
    history_features,
    scored,
    stock_coverage,
    unavailable,
    with_risk,
)

SCORED = scored(0.91, "20260101T000000Z-abcd1234", (("total_quantity", 1.2), ("slack_days", -0.3)))


def test_a_scored_order_gives_the_rules_its_score_and_model_version() -> None:
    assert SCORED.facts() == {"score": 0.91, "model_version": "20260101T000000Z-abcd1234",
                              "available": True}
    assert SCORED.findings() == []


@pytest.mark.parametrize("status", [RiskStatus.MISSING, RiskStatus.STALE, RiskStatus.FAILING])
def test_a_configured_model_without_a_score_is_a_warning_that_never_blocks(
        status: RiskStatus) -> None:
    risk = unavailable(status, "why", "v1")
    assert risk.facts() == {"score": None, "model_version": "v1", "available": False}
    [finding] = risk.findings()
    assert (finding.code, finding.severity, finding.kind, finding.owner_team) == (
        RISK_MODEL_UNAVAILABLE, Severity.WARN, Kind.INTEGRATION, Team.INTEGRATION.value)
    assert not finding.blocks and status.value in finding.message and "why" in finding.message


def test_no_model_configured_says_nothing_but_available_false() -> None:
    assert NOT_CONFIGURED.facts() == {"score": None, "model_version": "", "available": False}
    assert NOT_CONFIGURED.findings() == []


def test_a_finding_decided_with_a_score_carries_score_version_and_reasons() -> None:
    finding = with_risk(warn("HIGH_RISK_ORDER", Kind.BUSINESS, Team.CUSTOMER_SERVICE, "m",
                             extra=1), SCORED)
    assert finding.details == {
        "extra": 1, "risk_score": 0.91, "model_version": "20260101T000000Z-abcd1234",
        "risk_status": "scored", "reasons": [{"feature": "total_quantity", "contribution": 1.2},
                                             {"feature": "slack_days", "contribution": -0.3}]}


def test_history_features_are_rates_and_unknown_without_anything_to_count() -> None:
    features = history_features(CustomerHistory(orders=4, amended=1, cases=2, delivered=0),
                                CarrierHistory(tenders=10, failed=1, delivered=5, late=2))
    assert features == {"customer_orders": 4.0, "customer_amend_rate": 0.25,
                        "customer_case_rate": 0.5, "customer_late_rate": None,
                        "carrier_fail_rate": 0.1, "carrier_late_rate": 0.4}
    assert history_features(CustomerHistory(), None)["carrier_fail_rate"] is None


def test_stock_coverage_is_the_least_covered_sku_capped() -> None:
    assert stock_coverage({"A": 10, "B": 4}, {"A": 5, "B": 400}) == 0.5
    assert stock_coverage({"A": 1}, {"A": 1000}) == 10.0
    assert stock_coverage({"A": 3}, {}) == 0.0
    assert stock_coverage({}, {"A": 1}) is None


@pytest.fixture(scope="module")
def packaged() -> ZenPolicyRules:
    return ZenPolicyRules(PACKAGED_RULES)


FACTS = {"order": {"channel": "web", "customer_po": "PO", "value": 10.0},
         "customer": {"segment": "standard", "payment_terms": "NET30"}}


@pytest.mark.parametrize(("risk", "found"), [
    (None, []), (NOT_CONFIGURED.facts(), []), (scored(0.5, "v", ()).facts(), []),
    (SCORED.facts(), ["HIGH_RISK_ORDER"])])
def test_the_packaged_policy_warns_of_a_high_risk_order_only(
        packaged: ZenPolicyRules, risk: dict[str, object] | None, found: list[str]) -> None:
    facts = FACTS if risk is None else {**FACTS, "risk": risk}
    findings = packaged.evaluate(facts)
    assert [f.code for f in findings] == found
    assert all(f.severity is Severity.WARN for f in findings)
