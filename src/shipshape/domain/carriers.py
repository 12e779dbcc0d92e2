"""Carrier selection: the fallback chain of carrier services an order is tendered to, in order.

The candidates come from a decision table (`rules/carriers/carrier_selection.json`), each with a
rank; the chain is the customer's preferred service first (when it is eligible), then the
candidates by rank. A service not in master data, or one that cannot carry the shipment
(weight, hazmat, destination), is dropped; each service appears once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shipshape.domain.controls import resolve_service, service_unfit
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.masterdata import Carrier, Priority

CARRIER_TENDER_FAILED = "CARRIER_TENDER_FAILED"
STANDARD = "standard"
EXPEDITED = "expedited"
EXPEDITE_WITHIN = timedelta(days=1)
"""A ship date this close (or past) asks for an expedited service."""


@dataclass(frozen=True, slots=True)
class Shipment:
    """What carrier selection looks at."""

    weight_kg: Decimal
    hazmat: bool
    country: str | None
    service_level: str
    preferred: str | None = None

    def facts(self) -> dict[str, object]:
        """The decision table's input."""
        return {"weight_kg": float(self.weight_kg), "hazmat": self.hazmat,
                "country": (self.country or "").upper(), "service_level": self.service_level,
                "preferred_carrier": carrier_of(self.preferred or "")}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A row of the decision table: a carrier service (`CARRIER:SERVICE`) and its rank."""

    service: str
    rank: int


@dataclass(frozen=True, slots=True)
class TenderAttempt:
    attempt: int
    carrier_service: str
    outcome: str
    """accepted, rejected (the carrier said no) or failed (no usable answer)."""
    tracking_number: str | None = None
    label_ref: str | None = None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"


def carrier_of(service: str) -> str:
    return service.split(":", 1)[0] if ":" in service else ""


def service_level(priority: str | None, ship_date: date | None, today: date) -> str:
    """Expedited for strategic customers and for orders due to ship by tomorrow."""
    if priority == Priority.STRATEGIC.value:
        return EXPEDITED
    if ship_date is not None and ship_date - today <= EXPEDITE_WITHIN:
        return EXPEDITED
    return STANDARD


def fallback_chain(shipment: Shipment, candidates: Iterable[Candidate],
                   carriers: Mapping[str, Carrier]) -> list[str]:
    """The eligible services, preference first, then by rank (ties: table order)."""
    ranked = [c.service for c in sorted(candidates, key=lambda c: c.rank)]
    wanted = [shipment.preferred] if shipment.preferred else []
    chain: list[str] = []
    for name in [*wanted, *ranked]:
        canonical = _eligible(name, shipment, carriers)
        if canonical is not None and canonical not in chain:
            chain.append(canonical)
    return chain


def _eligible(name: str, shipment: Shipment, carriers: Mapping[str, Carrier]) -> str | None:
    """`CARRIER:SERVICE` of `name` if it is known and fits the shipment, else None."""
    service = resolve_service(name, carriers)
    if service is None:
        return None
    if service_unfit(service, shipment.weight_kg, shipment.hazmat, shipment.country):
        return None
    if ":" in name:
        return name
    owner = next(c.code for c in carriers.values() if c.service(name) is service)
    return f"{owner}:{service.code}"


def label_ref(carrier_service: str, tracking_number: str) -> str:
    """The label's reference: the carrier service and the TMS's tracking number."""
    return f"LBL-{carrier_service.replace(':', '-')}-{tracking_number}"


def tender_failed(chain: Sequence[str], attempts: Sequence[TenderAttempt]) -> Finding:
    tried = ", ".join(f"{a.carrier_service} ({a.outcome})" for a in attempts) or "none"
    reason = "no eligible carrier service" if not chain else f"every carrier refused: {tried}"
    return block(CARRIER_TENDER_FAILED, Kind.OPERATIONAL, Team.TRANSPORT,
                 f"carrier tender failed: {reason}", chain=list(chain),
                 attempts=[{"attempt": a.attempt, "carrier_service": a.carrier_service,
                            "outcome": a.outcome, "error": a.error} for a in attempts])
