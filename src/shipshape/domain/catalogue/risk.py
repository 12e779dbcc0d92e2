"""Events of the order-risk model: an order scored (or not) at capture or before release, with
the decision the score informed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    ORDER,
    WAVE,
    ObjectRef,
    OrderEvent,
    order_ref,
    ref,
    unique,
)
from shipshape.domain.risk import RiskAssessment


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRiskScored(OrderEvent):
    """The risk assessment of one order at `stage` (capture or release) and what the rules
    (`rule_version`) decided with it: `decided` are the codes of their findings. A model that
    gave no score is told by `risk_status` (missing, stale, failing) and `detail`."""

    TYPE = "OrderRiskScored"
    OBJECT_TYPES = (ORDER, WAVE)

    stage: str
    assessment: RiskAssessment
    rule_version: str
    decided: tuple[str, ...] = ()
    wave_id: str | None = None

    def payload(self) -> dict[str, object]:
        a = self.assessment
        body: dict[str, object] = {
            "risk_stage": self.stage, "risk_status": a.status.value, "risk_score": a.score,
            "risk_model": a.model_version, "risk_reasons": a.reasons_json(),
            "rule_version": self.rule_version, "risk_decided": list(self.decided),
            "reason": summary(a, self.stage)}
        if a.detail:
            body["detail"] = a.detail
        if self.wave_id:
            body["wave_id"] = self.wave_id
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(WAVE, data.get("wave_id"), "scored for"))


def summary(assessment: RiskAssessment, stage: str) -> str:
    """One line for the audit trail's cause: the score, the model and its top reasons."""
    if not assessment.available:
        return (f"risk at {stage}: model {assessment.status.value}"
                + (f" ({assessment.detail})" if assessment.detail else ""))
    reasons = ", ".join(f"{name} {value:+.2f}" for name, value in assessment.reasons)
    return (f"risk at {stage}: {assessment.score:.3f} by {assessment.model_version}"
            + (f"; {reasons}" if reasons else ""))
