"""The order-risk score as the rules see it: what a model said of one order (or why it said
nothing), the facts a decision table reads under `risk`, and the history a score is made of.

A score only informs the rules: a JDM table reads `risk.score`, `risk.model_version` and
`risk.available` and decides. Without a usable model (missing, stale, failing) the rules run
without a score and `unavailable_finding` says so, as a warning that never blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from shipshape.domain.findings import Finding, Kind, Team, warn

RISK_MODEL_UNAVAILABLE = "RISK_MODEL_UNAVAILABLE"
HIGH_RISK_ORDER = "HIGH_RISK_ORDER"


class RiskStatus(StrEnum):
    SCORED = "scored"
    MISSING = "missing"
    """No model: none configured, or its folder or a file of it is gone."""
    STALE = "stale"
    """The model was trained longer ago than the settings allow."""
    FAILING = "failing"
    """The model would not load (hash mismatch, corrupt content) or raised while scoring."""


class RiskStage(StrEnum):
    CAPTURE = "capture"
    RELEASE = "release"


Reason = tuple[str, float]
"""A feature and its contribution to the score (log-odds; positive raises the risk)."""


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """What the risk model said of one order: `score` (a calibrated probability) only when
    `status` is scored; `configured` is False when no model is configured at all."""

    status: RiskStatus
    score: float | None = None
    model_version: str = ""
    reasons: tuple[Reason, ...] = ()
    detail: str = ""
    configured: bool = True

    @property
    def available(self) -> bool:
        return self.status is RiskStatus.SCORED and self.score is not None

    def facts(self) -> dict[str, object]:
        """What a decision table reads under `risk`."""
        return {"score": self.score if self.available else None,
                "model_version": self.model_version, "available": self.available}

    def reasons_json(self) -> list[dict[str, object]]:
        return [{"feature": name, "contribution": round(value, 6)}
                for name, value in self.reasons]

    def details(self) -> dict[str, object]:
        """The assessment as a finding's or a case's details carry it."""
        return {"risk_score": self.score, "model_version": self.model_version,
                "risk_status": self.status.value, "reasons": self.reasons_json()}

    def findings(self) -> list[Finding]:
        """`RISK_MODEL_UNAVAILABLE` when a configured model gave no score; else none."""
        return [unavailable_finding(self)] if self.configured and not self.available else []


NOT_CONFIGURED = RiskAssessment(RiskStatus.MISSING, detail="not configured", configured=False)
"""No risk model is configured: the rules see `risk.available` false, nothing else is said."""


def scored(score: float, model_version: str, reasons: tuple[Reason, ...]) -> RiskAssessment:
    return RiskAssessment(RiskStatus.SCORED, score, model_version, reasons)


def unavailable(status: RiskStatus, detail: str, model_version: str = "") -> RiskAssessment:
    return RiskAssessment(status, None, model_version, (), detail)


def unavailable_finding(assessment: RiskAssessment) -> Finding:
    """A technical warning: the rules ran without the risk score. It never blocks."""
    return warn(RISK_MODEL_UNAVAILABLE, Kind.INTEGRATION, Team.INTEGRATION,
                f"the order-risk model is {assessment.status.value} "
                f"({assessment.detail or 'no detail'}); the rules ran without a risk score",
                risk_status=assessment.status.value, model_version=assessment.model_version)


def with_risk(finding: Finding, assessment: RiskAssessment) -> Finding:
    """The finding a rule reading `risk` gave, carrying the score, version and reasons."""
    return Finding(finding.code, finding.severity, finding.kind, finding.message,
                   finding.owner_team, finding.line_nos,
                   {**finding.details, **assessment.details()}, finding.rule)


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """The customer's orders before this one and what became of them."""

    orders: int = 0
    amended: int = 0
    """Amendments of those orders (each `OrderAmended`)."""
    cases: int = 0
    """Exception cases opened on those orders."""
    delivered: int = 0
    late: int = 0


@dataclass(frozen=True, slots=True)
class CarrierHistory:
    """The tenders of the order's carrier service so far and what became of them."""

    tenders: int = 0
    failed: int = 0
    delivered: int = 0
    late: int = 0


def history_features(customer: CustomerHistory, carrier: CarrierHistory | None
                     ) -> dict[str, float | None]:
    """The features made of history; a rate with nothing to count is unknown (None)."""
    carrier = carrier or CarrierHistory()
    return {
        "customer_orders": float(customer.orders),
        "customer_amend_rate": _rate(customer.amended, customer.orders),
        "customer_case_rate": _rate(customer.cases, customer.orders),
        "customer_late_rate": _rate(customer.late, customer.delivered),
        "carrier_fail_rate": _rate(carrier.failed, carrier.tenders),
        "carrier_late_rate": _rate(carrier.late, carrier.delivered),
    }


def _rate(count: int, of: int) -> float | None:
    return count / of if of > 0 else None


def stock_coverage(wanted: Mapping[str, int], available: Mapping[str, int]) -> float | None:
    """The least share of any SKU's wanted quantity that stock covers (capped at 10), None
    when nothing is wanted."""
    shares = [max(available.get(sku, 0), 0) / qty for sku, qty in wanted.items() if qty > 0]
    return min(min(shares), 10.0) if shares else None


NUMERIC, CATEGORICAL = "numeric", "categorical"
RISK_FEATURES: dict[str, str] = {
    "channel": CATEGORICAL, "customer_segment": CATEGORICAL, "customer_priority": CATEGORICAL,
    "carrier_service": CATEGORICAL,
    "line_count": NUMERIC, "total_quantity": NUMERIC, "order_value": NUMERIC,
    "hazmat": NUMERIC, "lot_controlled": NUMERIC, "slack_days": NUMERIC,
    "stock_coverage": NUMERIC,
    "customer_orders": NUMERIC, "customer_amend_rate": NUMERIC, "customer_case_rate": NUMERIC,
    "customer_late_rate": NUMERIC, "carrier_fail_rate": NUMERIC, "carrier_late_rate": NUMERIC,
}
"""The capture-time features of an order, by name, numeric or categorical."""


@dataclass(frozen=True, slots=True)
class OrderShape:
    """What an order itself says at capture (or before release), before any history."""

    channel: str
    customer_segment: str
    customer_priority: str
    carrier_service: str
    line_count: int
    total_quantity: int
    order_value: float
    hazmat: bool
    lot_controlled: bool
    slack_days: int | None
    """Days from capture to the requested ship date (None without one)."""
    stock_coverage: float | None = None


def feature_row(shape: OrderShape, customer: CustomerHistory,
                carrier: CarrierHistory | None) -> dict[str, object]:
    """The order's features, named as `RISK_FEATURES`; unknown values are None."""
    return {
        "channel": shape.channel, "customer_segment": shape.customer_segment,
        "customer_priority": shape.customer_priority,
        "carrier_service": shape.carrier_service or None,
        "line_count": float(shape.line_count), "total_quantity": float(shape.total_quantity),
        "order_value": shape.order_value, "hazmat": float(shape.hazmat),
        "lot_controlled": float(shape.lot_controlled),
        "slack_days": float(shape.slack_days) if shape.slack_days is not None else None,
        "stock_coverage": shape.stock_coverage,
        **history_features(customer, carrier if shape.carrier_service else None),
    }
