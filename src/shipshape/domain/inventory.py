"""The reservation ledger's arithmetic and the sourcing of order lines to sites."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class StockPosition:
    site: str
    sku: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class Reservation:
    line_no: int
    site: str
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Shortfall:
    line_no: int
    sku: str
    wanted: int
    available_by_site: dict[str, int]


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    reservations: tuple[Reservation, ...] = ()
    shortfalls: tuple[Shortfall, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.shortfalls


@dataclass(frozen=True, slots=True)
class Demand:
    line_no: int
    sku: str
    quantity: int


@dataclass(slots=True)
class _Ledger:
    available: dict[tuple[str, str], int] = field(default_factory=dict)

    def take(self, site: str, sku: str, wanted: int) -> int:
        got = min(wanted, max(self.available.get((site, sku), 0), 0))
        self.available[(site, sku)] = self.available.get((site, sku), 0) - got
        return got


def rank_sites(
    sites: Sequence[str],
    preferred: str | None,
    site_country: Mapping[str, str],
    country: str | None,
) -> list[str]:
    """Sourcing rule: the preferred site, then sites in the ship-to country, then by id."""
    def key(site: str) -> tuple[int, int, str]:
        return (site != preferred, site_country.get(site) != country, site)
    return sorted(sites, key=key)


def allocate(
    demands: Sequence[Demand], positions: Sequence[StockPosition], ranked_sites: Sequence[str],
    allow_split: bool,
) -> AllocationPlan:
    """Reserve whole lines; without split permission, the whole order from one site."""
    if not demands:
        return AllocationPlan()
    ledger = _Ledger({(p.site, p.sku): p.available for p in positions})
    if allow_split:
        return _allocate_split(demands, ledger, ranked_sites)
    per_sku = _total_per_sku(demands)
    for site in ranked_sites:
        if all(ledger.available.get((site, sku), 0) >= qty for sku, qty in per_sku.items()):
            return AllocationPlan(tuple(Reservation(d.line_no, site, d.sku, d.quantity)
                                        for d in demands))
    return AllocationPlan((), _shortfalls(demands, ledger, ranked_sites))


def _allocate_split(
    demands: Sequence[Demand], ledger: _Ledger, ranked_sites: Sequence[str]
) -> AllocationPlan:
    snapshot = dict(ledger.available)
    reservations: list[Reservation] = []
    for demand in demands:
        remaining = demand.quantity
        for site in ranked_sites:
            got = ledger.take(site, demand.sku, remaining)
            if got:
                reservations.append(Reservation(demand.line_no, site, demand.sku, got))
                remaining -= got
        if remaining:
            return AllocationPlan((), _shortfalls(demands, _Ledger(snapshot), ranked_sites))
    return AllocationPlan(tuple(reservations))


def _shortfalls(
    demands: Sequence[Demand], ledger: _Ledger, ranked_sites: Sequence[str]
) -> tuple[Shortfall, ...]:
    return tuple(
        Shortfall(d.line_no, d.sku, d.quantity,
                  {s: max(ledger.available.get((s, d.sku), 0), 0) for s in ranked_sites})
        for d in demands
    )


def _total_per_sku(demands: Sequence[Demand]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for d in demands:
        totals[d.sku] = totals.get(d.sku, 0) + d.quantity
    return totals
