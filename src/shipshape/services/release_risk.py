"""The risk re-score before release: each order the pre-wave check lets through is scored again
from fresh data, and the release-time decision table (`deps.release_risk`, reading `risk`,
`order`, `customer` and `release`) decides: a blocking row pulls the order from the wave (a case
at stage release, the score on it), a warning goes with the order. Without a configured model
nothing is read, scored or told, and the wave is as the check left it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shipshape.domain import waves as wv
from shipshape.domain.catalogue import DomainEvent
from shipshape.domain.controls import OrderContext
from shipshape.domain.desk import RISK_REVIEW
from shipshape.domain.findings import Finding
from shipshape.domain.policy import policy_facts
from shipshape.domain.risk import CarrierHistory, CustomerHistory, RiskAssessment, RiskStage
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.risk import RiskFacts
from shipshape.services.risk import informed, informed_facts, risk_events

Histories = dict[tuple[str, str | None], tuple[CustomerHistory, CarrierHistory | None]]


def rescore_wave(deps: Deps, uow: UnitOfWork, outcomes: Sequence[wv.WaveOutcome],
                 facts: wv.PrewaveFacts, wave_id: str, now: datetime
                 ) -> tuple[list[wv.WaveOutcome], list[DomainEvent]]:
    """The outcomes with what the re-score decided, and the `OrderRiskScored` events."""
    if not deps.risk.configured:
        return list(outcomes), []
    histories: Histories = {}
    decided: list[wv.WaveOutcome] = []
    events: list[DomainEvent] = []
    reviewed = uow.cases.released_by_desk(
        [o.candidate.order_id for o in outcomes if o.released], RISK_REVIEW)
    for outcome in outcomes:
        if not outcome.released:
            decided.append(outcome)  # pulled by the check already: the score changes nothing
            continue
        ctx = _context(outcome.candidate, facts)
        risk = deps.risk.assess(ctx, _facts(uow, outcome.candidate, facts, histories))
        found = _decide(deps, ctx, facts.site, risk)
        if outcome.candidate.order_id in reviewed:  # a supervisor released it after review
            found = [f for f in found if f.code != RISK_REVIEW]
        decided.append(wv.WaveOutcome(
            outcome.candidate, outcome.findings + tuple(f for f in found if f.blocks),
            outcome.warnings + tuple(f for f in found if not f.blocks)))
        version = deps.release_risk.version if deps.release_risk else ""
        events += risk_events(outcome.candidate.order_id, risk, RiskStage.RELEASE, version,
                              found, now, wave_id)
    return decided, events


def _decide(deps: Deps, ctx: OrderContext, site: str, risk: RiskAssessment) -> list[Finding]:
    if deps.release_risk is None:
        return informed([], risk)
    facts = informed_facts({**policy_facts(ctx), "release": {"site": site}}, risk)
    return informed(deps.release_risk.evaluate(facts), risk)


def _context(candidate: wv.WaveCandidate, facts: wv.PrewaveFacts) -> OrderContext:
    """What the features read of the order now: its lines, customer and items."""
    draft = candidate.draft
    return OrderContext(draft=draft, today=facts.today,
                        customer=facts.customers.get(draft.customer_id), items=facts.items,
                        prices=facts.prices.get(draft.customer_id, {}), carriers=facts.carriers,
                        past_ship_date=facts.past_ship_date)


def _facts(uow: UnitOfWork, candidate: wv.WaveCandidate, facts: wv.PrewaveFacts,
           histories: Histories) -> RiskFacts:
    """The history (read once per customer and carrier service of the wave) and the stock at
    the site available to the order: on hand less what the others reserved. A line reserved
    at another site counts as covered."""
    draft = candidate.draft
    key = (draft.customer_id, draft.carrier_service)
    if key not in histories:
        histories[key] = uow.risk_history.customer(*key)
    customer, carrier = histories[key]
    own: dict[str, int] = {}
    for r in candidate.reservations:
        own[r.sku] = own.get(r.sku, 0) + r.quantity
    available: dict[str, int] = {}
    for line in draft.lines:
        available[line.sku] = available.get(line.sku, 0) + (line.quantity or 0)
    for sku, quantity in own.items():
        place = (facts.site, sku)
        available[sku] = (facts.on_hand.get(place, 0) - facts.reserved.get(place, quantity)
                          + quantity)
    return RiskFacts(customer, carrier, available)
