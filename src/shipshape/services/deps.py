"""What every handler is given: the store, the rules, the clock, the id factory, the metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

from shipshape.domain.controls import PastShipDate
from shipshape.domain.invoicing import BillingPolicy
from shipshape.domain.promise import PromisePolicy
from shipshape.domain.replenishment import Replenishment
from shipshape.domain.returns import ReturnPolicies
from shipshape.domain.sla import DeskCalendars
from shipshape.services.ports import (
    CarrierRules,
    Clock,
    IdFactory,
    PolicyRules,
    UnitOfWorkFactory,
)
from shipshape.services.ports.edi_acks import DocumentRebuilder
from shipshape.services.ports.metrics import Metrics, NoMetrics
from shipshape.services.ports.risk import NoRiskModel, RiskScorer
from shipshape.services.ports.routing import CaseRouting


@dataclass(frozen=True, slots=True)
class Deps:
    uow: UnitOfWorkFactory
    rules: PolicyRules
    clock: Clock
    new_id: IdFactory
    max_attempts: int = 5
    metrics: Metrics = field(default_factory=NoMetrics)
    carrier_rules: CarrierRules | None = None
    """Carrier selection; without it an order's chain is its customer's preference alone."""
    billing: BillingPolicy = field(default_factory=BillingPolicy)
    """Freight, tax and currency of invoices."""
    past_ship_date: PastShipDate = PastShipDate.WARN
    """What a requested ship date before today does, at intake and in the pre-wave check."""
    routing: CaseRouting | None = None
    """Case routing (owner team, queue, priority, SLA); without it a case keeps the finding's
    team as its queue and the wall-clock SLA of `domain.cases.sla_due`, with no budget."""
    desk: DeskCalendars = field(default_factory=DeskCalendars)
    """The teams' business calendars and the at-risk share of the SLA clocks."""
    returns: ReturnPolicies = field(default_factory=ReturnPolicies)
    """Return windows, restocking fees and accepted reasons: the default and per customer."""
    promise: PromisePolicy = field(default_factory=PromisePolicy)
    """Default transit days and the at-risk slack of each order's promised date."""
    replenishment: Replenishment = field(default_factory=Replenishment)
    """Days assumed until stock is back (settings `recommend.replenishment_days`): the date of
    a backordered line in an 855 / ORDRSP; by default not known (no date)."""
    risk: RiskScorer = field(default_factory=NoRiskModel)
    """The order-risk model; by default none (the rules see `risk.available` false)."""
    release_risk: PolicyRules | None = None
    edi_rebuilder: DocumentRebuilder | None = None
    """Builds a sent EDI document again for the desk's `resend`; without it none is resent."""
    """The release-time decision table reading `risk`; without it the re-score decides nothing."""
