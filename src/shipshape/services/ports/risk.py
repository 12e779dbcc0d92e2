"""The order-risk model as the services use it: a scorer that turns an order's capture-time
facts into an assessment (never raising), the history it reads through the unit of work, and
the scorer that says "not configured"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from shipshape.domain.controls import OrderContext
from shipshape.domain.risk import NOT_CONFIGURED, CarrierHistory, CustomerHistory, RiskAssessment


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What an order is scored from besides its context: its customer's and its carrier
    service's history, and the stock available to each of its SKUs."""

    customer: CustomerHistory
    carrier: CarrierHistory | None
    available: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class RiskHealth:
    """The model's state for `/health`: `ok` when it scores or when none is configured."""

    ok: bool
    status: str
    detail: str
    model_version: str = ""
    trained_at: str | None = None
    scored: int = 0
    failures: int = 0


class RiskScorer(Protocol):
    @property
    def configured(self) -> bool:
        """False: no model is configured; the services then read no history at all."""
        ...

    def assess(self, ctx: OrderContext, facts: RiskFacts) -> RiskAssessment:
        """The order's assessment; a model that is missing, stale or fails gives one that says
        so (never an exception)."""
        ...

    def health(self) -> RiskHealth: ...


class RiskHistory(Protocol):
    """The history a score reads, within the unit of work (one or two cheap queries)."""

    def customer(self, customer_id: str, carrier_service: str | None
                 ) -> tuple[CustomerHistory, CarrierHistory | None]:
        """The customer's and the carrier service's history, in one query."""
        ...

    def available(self, skus: Iterable[str]) -> dict[str, int]:
        """Stock on hand less reserved, per SKU, summed over the sites."""
        ...


class NoRiskModel:
    """No model configured: every order is `NOT_CONFIGURED`, and that is healthy."""

    @property
    def configured(self) -> bool:
        return False

    def assess(self, ctx: OrderContext, facts: RiskFacts) -> RiskAssessment:
        return NOT_CONFIGURED

    def health(self) -> RiskHealth:
        return RiskHealth(ok=True, status="missing", detail="not configured")
