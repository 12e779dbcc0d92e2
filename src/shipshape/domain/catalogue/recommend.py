"""Events of the desk's recommendations: one an agent accepted (its action was taken in the
same transaction) or rejected with a reason. Both are audited and read back for training
(`adapters/db/recommend_queries.recommendation_outcomes`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.desk import CaseEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class _RecommendationOutcome(CaseEvent):
    """The case (`code`), the recommendation as it was shown (rank, action, parameters,
    reasons, service score, margin proxy) and the outcome."""

    code: str
    rank: int
    recommendation: str
    """`Recommendation.key`: the action and its parameters."""
    action: str
    parameters: Mapping[str, object]
    reasons: tuple[str, ...]
    service: int
    margin: str
    outcome: str
    reason: str

    def body(self) -> dict[str, object]:
        return {"code": self.code, "rank": self.rank,
                "recommendation": self.recommendation, "action": self.action,
                "parameters": dict(self.parameters), "reasons": list(self.reasons),
                "service": self.service, "margin": self.margin, "outcome": self.outcome,
                "reason": self.reason}


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendationAccepted(_RecommendationOutcome):
    """An agent accepted a recommendation; `reason` is the reason code of the action taken."""

    TYPE = "RecommendationAccepted"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendationRejected(_RecommendationOutcome):
    """An agent rejected a recommendation, saying why (`reason`)."""

    TYPE = "RecommendationRejected"
