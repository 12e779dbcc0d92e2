"""Recommendations on a case (`domain/recommend.py`): made from the case's facts read through
the unit of work, accepted by running the desk's governed action with the recommendation's
parameters (`desk.act`: the same permission, control points, events and audit as when an agent
takes it by hand) or rejected with a reason. Each outcome is an event on the case
(`RecommendationAccepted`, `RecommendationRejected`), in the transaction of what it decided.

An accepted recommendation is made again under the case's lock before its action runs: when
the facts changed so that it is no longer recommended, nothing happens (409).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from shipshape.domain import desk as desk_rules
from shipshape.domain import recommend as rec
from shipshape.domain.access import Permission
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.catalogue import (
    DomainEvent,
    RecommendationAccepted,
    RecommendationRejected,
)
from shipshape.domain.errors import Conflict, InvalidInput, NotFound
from shipshape.domain.masterdata import Customer
from shipshape.domain.recommend_options import candidates
from shipshape.services import desk
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.recommend_facts import facts_of

PolicyOf = Callable[[Customer | None], rec.Policy]
"""The policy for a customer (settings `recommend:` with master data's standing policy)."""
ACCEPTED_REASON = "RECOMMENDATION"
MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class CaseRecommendations:
    case_id: str
    code: str
    order_id: str | None
    open: bool
    recommended: rec.Recommended


def recommend(deps: Deps, case_id: str, policy_of: PolicyOf) -> CaseRecommendations:
    """The case's recommendations now (none for a closed case or another code); NotFound."""
    with deps.uow.reading() as uow:
        case = _case(uow, case_id, lock=False)
        found = made(deps, uow, case, policy_of)
    return CaseRecommendations(case.id, case.code, case.order_id, desk_rules.is_open(case),
                               found)


def made(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
         policy_of: PolicyOf) -> rec.Recommended:
    """Filtered and ranked; only actions the desk can take on the case now are candidates."""
    if not desk_rules.is_open(case) or case.code not in rec.CODES or case.order_id is None:
        return rec.Recommended()
    order = uow.picks.order(case.order_id, lock=False)
    if order is None:
        return rec.Recommended()
    customer = uow.masterdata.customer(order.customer_id)
    policy = policy_of(customer)
    facts = facts_of(deps, uow, case, order)
    takeable = [c for c in candidates(facts, policy)
                if desk_rules.applies(c.action, case, order.status)]
    return rec.recommend(takeable, facts, policy)


def accept(deps: Deps, case_id: str, rank: int, actor: str, may: Callable[[Permission], bool],
           policy_of: PolicyOf, *, expected: str | None = None,
           reason_code: str = ACCEPTED_REASON) -> tuple[rec.Recommendation, desk.ActionOutcome]:
    """Run recommendation `rank` (its `key` must be `expected` when given) as the desk's
    action; raises as `desk.act` does, Conflict when it is no longer recommended."""
    shown = recommend(deps, case_id, policy_of)
    chosen = _chosen(shown, rank, expected)

    def still_recommended(uow: UnitOfWork, case: ExceptionCase) -> Sequence[DomainEvent]:
        now = made(deps, uow, case, policy_of)
        if chosen.key not in {r.key for r in now.ranked}:
            raise Conflict(f"{chosen.key} is no longer recommended on case {case.id}: "
                           "the facts changed")
        return [_outcome(RecommendationAccepted, deps, case, chosen, actor, reason_code)]

    done = desk.act(deps, case_id, _request(chosen, actor, reason_code), may,
                    also=still_recommended)
    return chosen, done


def reject(deps: Deps, case_id: str, rank: int, actor: str, reason: str, policy_of: PolicyOf,
           *, expected: str | None = None) -> rec.Recommendation:
    """Record that the agent rejected recommendation `rank`, and why (required)."""
    why = " ".join(reason.split())
    if not why:
        raise InvalidInput("rejecting a recommendation needs a reason")
    if len(why) > MAX_REASON or "\x00" in why:
        raise InvalidInput(f"the reason has at most {MAX_REASON} characters and no NUL")
    with deps.uow() as uow:
        case = _case(uow, case_id, lock=True)
        if not desk_rules.is_open(case):
            raise Conflict(f"case {case_id} is {case.status.value}; a closed case is not worked")
        found = CaseRecommendations(case.id, case.code, case.order_id, True,
                                    made(deps, uow, case, policy_of))
        chosen = _chosen(found, rank, expected)
        uow.events.append([_outcome(RecommendationRejected, deps, case, chosen, actor, why)])
        uow.commit()
    return chosen


def _chosen(shown: CaseRecommendations, rank: int,
            expected: str | None) -> rec.Recommendation:
    if not shown.open:
        raise Conflict(f"case {shown.case_id} is closed; its recommendations are gone")
    chosen = shown.recommended.at(rank)
    if chosen is None:
        raise Conflict(f"case {shown.case_id} has no recommendation {rank} now")
    if expected and chosen.key != expected:
        raise Conflict(f"recommendation {rank} of case {shown.case_id} is now {chosen.key}, "
                       f"not {expected}: the facts changed")
    return chosen


def _request(chosen: rec.Recommendation, actor: str, reason_code: str) -> desk.CaseAction:
    p = chosen.parameters
    release_on = p.get("release_on")
    line_no = p.get("line_no")
    return desk.CaseAction(
        action=chosen.action, reason_code=reason_code, actor=actor,
        line_no=line_no if isinstance(line_no, int) else None,
        substitute_sku=_text(p.get("substitute_sku")), site_id=_text(p.get("site_id")),
        release_on=date.fromisoformat(release_on) if isinstance(release_on, str) else None,
        waiting_on=_text(p.get("waiting_on")), note=_text(p.get("note")) or "",
        carrier_service=_text(p.get("carrier_service")))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _outcome(kind: type[RecommendationAccepted] | type[RecommendationRejected], deps: Deps,
             case: ExceptionCase, chosen: rec.Recommendation, actor: str,
             reason: str) -> DomainEvent:
    return kind(occurred_at=deps.clock.now(), order_id=case.order_id, case_id=case.id,
                actor=actor, code=case.code, rank=chosen.rank, recommendation=chosen.key,
                action=chosen.action.value, parameters=dict(chosen.parameters),
                reasons=chosen.reasons, service=chosen.service, margin=str(chosen.margin),
                outcome="accepted" if kind is RecommendationAccepted else "rejected",
                reason=reason)


def _case(uow: UnitOfWork, case_id: str, lock: bool) -> ExceptionCase:
    case = uow.desk.get(case_id, lock=lock)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    return case
