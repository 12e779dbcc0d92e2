"""Recommendations for the cases the desk resolves by moving stock or freight
(`PARTIAL_AVAILABILITY`, `SHORT_PICK`, `CARRIER_TENDER_FAILED`): what each is (a governed desk
action with its parameters and the reasons in plain words), the policy that filters them and
the order they are shown in.

Candidates come from `recommend_options` (the facts of the case run through the same
allocation the action will run). The policy drops what the customer or the house does not
allow, saying why; what is left is ranked by service commitment first (delivers by the date
promised, then ships complete), then by margin, then by the candidate's own preference.

Margin is a price-based proxy: master data holds contract prices but no cost price, so the
margin of a recommendation is the revenue it ships at the customer's contract prices less
`extra_shipment_cost` for every site beyond the first. The margin floor compares that proxy
with the order's value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from shipshape.domain.desk import Action
from shipshape.domain.inventory import StockPosition

CODES = frozenset({"PARTIAL_AVAILABILITY", "SHORT_PICK", "CARRIER_TENDER_FAILED"})
"""The case codes recommendations are made for."""
Parameter = str | int


@dataclass(frozen=True, slots=True)
class Policy:
    """What filters the candidates: the customer's standing policy from master data
    (`allow_split`, `allow_substitutes`) and the house's knobs (settings `recommend:`)."""

    allow_split: bool = False
    """The customer takes split shipments without being asked; a split for one who does not
    is still recommended, as asking for their consent (`approve_split`), unless
    `max_splits` is 0."""
    allow_substitutes: bool = False
    max_splits: int = 1
    """Sites beyond the first an order may ship from (0: never recommend a split)."""
    margin_floor_pct: Decimal = Decimal("0")
    """The least margin proxy, as a share of the order's value (0.9 = 90 %)."""
    extra_shipment_cost: Decimal = Decimal("0")
    replenishment_days: int = 0
    """Days to assume until stock is replenished when no date is known (0: no delay is
    recommended without a known date)."""


@dataclass(frozen=True, slots=True)
class Line:
    """A line to supply: the order's line (a shortage), or what is still backordered of it
    (a short pick)."""

    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class Substitute:
    """`sku` may replace `for_sku` (master data's item substitutes), at the customer's
    contract price `unit_price`."""

    for_sku: str
    sku: str
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class CarrierOption:
    """A carrier service in master data: its transit days, its rank in the carrier selection
    table (None: the table does not name it), and why it cannot carry the shipment (empty:
    it can)."""

    service: str
    transit_days: int
    table_rank: int | None = None
    unfit: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Facts:
    """What a case's recommendations are made from, read at one moment."""

    code: str
    today: date
    due: date | None
    """The requested ship date (a shortage, a short pick); the promised delivery date (a
    failed tender)."""
    order_value: Decimal
    lines: tuple[Line, ...] = ()
    positions: tuple[StockPosition, ...] = ()
    ranked_sites: tuple[str, ...] = ()
    """The customer's sourcing order (preferred site, ship-to country, id)."""
    excluded_sites: frozenset[str] = frozenset()
    """Sites not to ask again (a short pick: the site that picked short)."""
    substitutes: tuple[Substitute, ...] = ()
    carriers: tuple[CarrierOption, ...] = ()
    tried: frozenset[str] = frozenset()
    """Carrier services the failed tender tried already."""
    replenish_on: date | None = None


@dataclass(frozen=True, slots=True)
class Recommendation:
    action: Action
    parameters: Mapping[str, Parameter]
    reasons: tuple[str, ...]
    on_time: bool
    """Delivers (ships, for a shortage) by the date committed to the customer."""
    complete: bool
    """Ships every unit ordered (substitutes count as the units they replace)."""
    margin: Decimal
    sites: int = 1
    preference: int = 0
    """Lower first among recommendations of equal service and margin."""
    rank: int = 0

    @property
    def service(self) -> int:
        """3: on time and complete; 2: on time; 1: complete; 0: neither."""
        return 2 * self.on_time + self.complete

    @property
    def key(self) -> str:
        """Names the recommendation whatever its rank: the action and its parameters."""
        return self.action.value + "".join(
            f";{name}={value}" for name, value in sorted(self.parameters.items()))


@dataclass(frozen=True, slots=True)
class Dropped:
    """A candidate the policy filtered out, and why."""

    recommendation: Recommendation
    why: str


@dataclass(frozen=True, slots=True)
class Recommended:
    ranked: tuple[Recommendation, ...] = ()
    dropped: tuple[Dropped, ...] = field(default=())

    def at(self, rank: int) -> Recommendation | None:
        return next((r for r in self.ranked if r.rank == rank), None)


def recommend(candidates: Sequence[Recommendation], facts: Facts,
              policy: Policy) -> Recommended:
    """Filter the candidates by policy and rank what is left (rank 1 first)."""
    kept: list[Recommendation] = []
    dropped: list[Dropped] = []
    for candidate in candidates:
        why = refusal(candidate, facts, policy)
        if why:
            dropped.append(Dropped(candidate, why))
        else:
            kept.append(candidate)
    return Recommended(rank(kept), tuple(dropped))


def refusal(candidate: Recommendation, facts: Facts, policy: Policy) -> str:
    """Why the policy does not allow `candidate` (empty: it does)."""
    if candidate.action is Action.SUBSTITUTE and not policy.allow_substitutes:
        return "the customer does not accept substitutes"
    if candidate.sites - 1 > policy.max_splits:
        return (f"ships from {candidate.sites} sites; at most {policy.max_splits + 1} "
                "are allowed")
    unfit = candidate.parameters.get("carrier_service")
    option = next((c for c in facts.carriers if c.service == unfit), None)
    if option is not None and option.unfit:
        return f"{option.service} is not eligible: " + "; ".join(option.unfit)
    floor = policy.margin_floor_pct * facts.order_value
    if candidate.margin < floor:
        return f"margin {candidate.margin:.2f} is below the floor of {floor:.2f}"
    return ""


def rank(candidates: Sequence[Recommendation]) -> tuple[Recommendation, ...]:
    """Service first, then margin, then preference; the same action with the same parameters
    appears once."""
    unique = list({c.key: c for c in reversed(candidates)}.values())
    ordered = sorted(unique, key=lambda r: (-r.service, -r.margin, r.preference, r.key))
    return tuple(replace(r, rank=n) for n, r in enumerate(ordered, start=1))
