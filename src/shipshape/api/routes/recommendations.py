"""Recommendations on a case (`PARTIAL_AVAILABILITY`, `SHORT_PICK`, `CARRIER_TENDER_FAILED`):
listed with their reasons, accepted (the desk's governed action runs with their parameters) or
rejected with a reason; each outcome is recorded on the case and audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from shipshape.adapters.channels.canonical import PLAIN, Code
from shipshape.adapters.db import desk_queries, recommend_queries
from shipshape.api import desk_view
from shipshape.api.deps import allowed, container
from shipshape.bootstrap import Container
from shipshape.domain import recommend as rec
from shipshape.domain.access import Permission
from shipshape.domain.desk import DESTRUCTIVE
from shipshape.domain.errors import NotFound
from shipshape.services import recommendations
from shipshape.services.auth import Principal

router = APIRouter()
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
Worker = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS))]
Of = Annotated[Container, Depends(container)]
Rank = Annotated[int, Path(ge=1, le=1000)]
Key = Annotated[str, Field(min_length=1, max_length=300), PLAIN]


class RecommendationOut(BaseModel):
    rank: int
    recommendation: str
    """The action and its parameters (`resource;site_id=ATL`): send it back as
    `recommendation` to accept or reject exactly what was shown."""
    action: str
    """The desk's governed action accepting runs."""
    parameters: dict[str, Any]
    reasons: list[str]
    service: int
    """3: delivers by the committed date and complete; 2: on time; 1: complete; 0: neither."""
    on_time: bool
    complete: bool
    margin: str
    """Price-based margin proxy: revenue at contract prices less the extra shipments' cost."""
    destructive: bool
    """The console asks for a confirmation before it accepts."""


class DroppedOut(BaseModel):
    recommendation: str
    action: str
    parameters: dict[str, Any]
    why: str
    """The policy that filtered it out."""


class RecommendationsOut(BaseModel):
    case_id: str
    code: str
    order_id: str | None
    open: bool
    recommendations: list[RecommendationOut]
    """Ranked: service commitment first, then margin."""
    filtered_out: list[DroppedOut]
    outcomes: list[dict[str, Any]]
    """The case's recommendations accepted or rejected so far, oldest first."""


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation: Key | None = None
    """The recommendation as shown; 409 when rank `rank` is something else now."""
    reason_code: Code = recommendations.ACCEPTED_REASON


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=200), PLAIN]
    """Why the recommendation is not taken (required)."""
    recommendation: Key | None = None


class AcceptOut(BaseModel):
    recommendation: RecommendationOut
    closed: bool
    """Whether the action closed the case."""
    outcome: dict[str, Any]
    """What the action did (as `POST .../actions` answers)."""


class RejectOut(BaseModel):
    recommendation: RecommendationOut
    outcome: str


@router.get("/exceptions/{case_id}/recommendations", response_model=RecommendationsOut)
def list_recommendations(c: Of, who: Reader, case_id: str) -> dict[str, Any]:
    """What the desk recommends on the case now, with the reasons, and what the policy
    (customer's substitutes and splits, `recommend.max_splits`, the margin floor, carrier
    eligibility) filtered out. None for a closed case or a code without recommendations."""
    _visible(c, who, case_id)
    shown = recommendations.recommend(c.deps, case_id, c.settings.recommend.policy)
    return {"case_id": shown.case_id, "code": shown.code, "order_id": shown.order_id,
            "open": shown.open,
            "recommendations": [_out(r) for r in shown.recommended.ranked],
            "filtered_out": [{"recommendation": d.recommendation.key,
                              "action": d.recommendation.action.value,
                              "parameters": dict(d.recommendation.parameters), "why": d.why}
                             for d in shown.recommended.dropped],
            "outcomes": recommend_queries.recommendation_outcomes(c.engine, case_id=case_id)}


@router.post("/exceptions/{case_id}/recommendations/{rank}/accept", response_model=AcceptOut)
async def accept_recommendation(c: Of, who: Worker, case_id: str, rank: Rank,
                                body: AcceptIn | None = None) -> dict[str, Any]:
    """Take recommendation `rank` through the desk's governed action (the same permission,
    control points, events and audit as by hand): 403 when the role may not take that action,
    404 for an unknown case, 409 when the case is closed or the recommendation no longer
    stands, 422 when the control points refuse it (nothing changes)."""
    return await run_in_threadpool(_accept, c, who, case_id, rank, body or AcceptIn())


def _accept(c: Container, who: Principal, case_id: str, rank: int,
            body: AcceptIn) -> dict[str, Any]:
    _visible(c, who, case_id)
    chosen, done = recommendations.accept(
        c.deps, case_id, rank, who.name, desk_view.may(who), c.settings.recommend.policy,
        expected=body.recommendation, reason_code=body.reason_code)
    return {"recommendation": _out(chosen), "closed": done.closed, "outcome": done.outcome}


@router.post("/exceptions/{case_id}/recommendations/{rank}/reject", response_model=RejectOut)
def reject_recommendation(c: Of, who: Worker, case_id: str, rank: Rank,
                          body: RejectIn) -> dict[str, Any]:
    """Record that recommendation `rank` is not taken, with the reason (422 without one);
    409 when the case is closed or the recommendation no longer stands."""
    _visible(c, who, case_id)
    chosen = recommendations.reject(c.deps, case_id, rank, who.name, body.reason,
                                    c.settings.recommend.policy,
                                    expected=body.recommendation)
    return {"recommendation": _out(chosen), "outcome": "rejected"}


def _out(r: rec.Recommendation) -> dict[str, Any]:
    return {"rank": r.rank, "recommendation": r.key, "action": r.action.value,
            "parameters": dict(r.parameters), "reasons": list(r.reasons),
            "service": r.service, "on_time": r.on_time, "complete": r.complete,
            "margin": f"{r.margin:.2f}", "destructive": r.action in DESTRUCTIVE}


def _visible(c: Container, who: Principal, case_id: str) -> None:
    """404 when there is no such case or it lies outside the caller's scope."""
    row = desk_queries.case_row(c.engine, case_id)
    if row is None or (who.customer_id is not None and row["customer_id"] != who.customer_id):
        raise NotFound(f"case {case_id} does not exist")
