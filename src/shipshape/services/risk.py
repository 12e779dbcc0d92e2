"""The order-risk score in the decisions it informs: scored at capture from the order's context
and a few history aggregates, given to the rules under `risk`, and told in the audit trail with
the decision (`OrderRiskScored`). Without a configured model nothing is read and nothing is
told; a configured model that gives no score is told too, with its reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from shipshape.domain.catalogue import DomainEvent, OrderRiskScored
from shipshape.domain.controls import OrderContext
from shipshape.domain.findings import Finding
from shipshape.domain.risk import NOT_CONFIGURED, RiskAssessment, RiskStage, with_risk
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.risk import RiskFacts


def assess_at_capture(deps: Deps, uow: UnitOfWork, ctx: OrderContext) -> RiskAssessment:
    """The order's assessment; no query at all when no model is configured."""
    if not deps.risk.configured:
        return NOT_CONFIGURED
    draft = ctx.draft
    customer, carrier = uow.risk_history.customer(draft.customer_id, draft.carrier_service)
    available = uow.risk_history.available({line.sku for line in draft.lines})
    return deps.risk.assess(ctx, RiskFacts(customer, carrier, available))


def informed_facts(facts: Mapping[str, object], risk: RiskAssessment) -> dict[str, object]:
    """The decision table's facts with the assessment under `risk`."""
    return {**facts, "risk": risk.facts()}


def informed(findings: Iterable[Finding], risk: RiskAssessment) -> list[Finding]:
    """The rules' findings, each carrying the score it was decided with (when there was one),
    then the finding that says the model gave none."""
    found = [with_risk(f, risk) if risk.available else f for f in findings]
    return found + risk.findings()


def risk_events(order_id: str, risk: RiskAssessment, stage: RiskStage, rule_version: str,
                findings: Iterable[Finding], now: datetime, wave_id: str | None = None
                ) -> list[DomainEvent]:
    """`OrderRiskScored` for the audit trail; none when no model is configured."""
    if not risk.configured:
        return []
    return [OrderRiskScored(occurred_at=now, order_id=order_id, stage=stage.value,
                            assessment=risk, rule_version=rule_version,
                            decided=tuple(sorted({f.code for f in findings})),
                            wave_id=wave_id)]
