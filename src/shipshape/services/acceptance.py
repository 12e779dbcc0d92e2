"""The acceptance decision: control points, custom policies, then allocation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from shipshape.domain.controls import (
    OrderContext,
    PastShipDate,
    contract_priced,
    possible_duplicate,
    resolve_service,
    run_controls,
)
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.inventory import (
    AllocationPlan,
    Demand,
    Reservation,
    Shortfall,
    allocate,
    rank_sites,
)
from shipshape.domain.masterdata import Customer
from shipshape.domain.orders import OrderDraft
from shipshape.domain.policy import policy_facts
from shipshape.domain.risk import NOT_CONFIGURED, RiskAssessment
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.risk import assess_at_capture, informed, informed_facts

DUPLICATE_WINDOW = timedelta(hours=24)
SHORTAGE_OPTIONS = ("ship_available_and_backorder", "split_across_sites", "substitute",
                    "delay_release")


@dataclass(frozen=True, slots=True)
class Decision:
    """`draft`: the order as decided, its unpriced lines priced at the contract price."""

    customer: Customer | None
    draft: OrderDraft
    findings: tuple[Finding, ...]
    reservations: tuple[Reservation, ...] = field(default=())
    transit_days: int | None = None
    """The transit days of the order's carrier service, where master data names them."""
    risk: RiskAssessment = NOT_CONFIGURED
    """What the risk model said of the order (the rules read it under `risk`)."""

    @property
    def blocked(self) -> bool:
        return any(f.blocks for f in self.findings)


@dataclass(frozen=True, slots=True)
class Consent:
    """What the desk decided for an order it takes again: split across sites although the
    customer's standing policy does not (`allow_split`), the blocking codes a supervisor waived
    (`waived`); `stored`: the order is already stored, so it is no duplicate of itself."""

    allow_split: bool = False
    waived: frozenset[str] = frozenset()
    stored: bool = False
    site_first: str | None = None
    """The site to take the order from before any other (a re-sourced order)."""


NO_CONSENT = Consent()


def decide(deps: Deps, uow: UnitOfWork, draft: OrderDraft, now: datetime,
           consent: Consent = NO_CONSENT) -> Decision:
    ctx = load_context(uow, draft, now, deps.past_ship_date)
    risk = assess_at_capture(deps, uow, ctx)
    findings = run_controls(ctx) + informed(
        deps.rules.evaluate(informed_facts(policy_facts(ctx), risk)), risk)
    if not consent.stored:
        findings += possible_duplicate(_recent_po(uow, draft, now))
    if consent.waived:
        findings = [f for f in findings if f.code not in consent.waived]
    if any(f.blocks for f in findings):
        return Decision(ctx.customer, ctx.draft, tuple(findings), risk=risk)
    plan = _plan_allocation(uow, ctx, consent)
    if not plan.complete:
        findings.append(_shortage(plan.shortfalls, ctx.customer))
        return Decision(ctx.customer, ctx.draft, tuple(findings), risk=risk)
    return Decision(ctx.customer, ctx.draft, tuple(findings), plan.reservations,
                    service_transit_days(ctx), risk)


def service_transit_days(ctx: OrderContext) -> int | None:
    """The transit days of the order's carrier service (from the master data already read)."""
    wanted = ctx.draft.carrier_service
    service = resolve_service(wanted, ctx.carriers) if wanted else None
    return service.transit_days if service else None


def load_context(uow: UnitOfWork, draft: OrderDraft, now: datetime,
                 past_ship_date: PastShipDate = PastShipDate.WARN) -> OrderContext:
    """The order's context, its lines without a unit price priced at the contract price."""
    skus = {line.sku for line in draft.lines}
    customer = uow.masterdata.customer(draft.customer_id)
    items = uow.masterdata.items(skus)
    prices = uow.masterdata.prices(draft.customer_id, skus) if customer else {}
    return OrderContext(
        draft=contract_priced(draft, prices),
        today=now.date(),
        customer=customer,
        items=items,
        prices=prices,
        carriers=uow.masterdata.carriers() if draft.carrier_service else {},
        open_exposure=uow.credit.open_exposure(draft.customer_id, lock=True)
        if customer else Decimal("0"),
        lots=uow.inventory.lots({s for s in skus if s in items and items[s].lot_controlled})
        if customer and customer.min_remaining_shelf_life_days > 0 else {},
        past_ship_date=past_ship_date,
    )


def _recent_po(uow: UnitOfWork, draft: OrderDraft, now: datetime) -> str | None:
    if not draft.lines:
        return None
    return uow.orders.recent_po_with_lines(
        draft.customer_id, draft.line_signature(), now - DUPLICATE_WINDOW)


def _plan_allocation(uow: UnitOfWork, ctx: OrderContext, consent: Consent) -> AllocationPlan:
    demands = [Demand(line.line_no, line.sku, line.quantity or 0) for line in ctx.draft.lines]
    positions = uow.inventory.positions({d.sku for d in demands}, lock=True)
    sites = uow.masterdata.sites()
    ranked = rank_sites(
        list(sites), ctx.customer.preferred_site if ctx.customer else None,
        {s.id: s.country for s in sites.values()}, ctx.draft.ship_to.country)
    if consent.site_first in ranked:
        ranked = [consent.site_first] + [s for s in ranked if s != consent.site_first]
    allow_split = consent.allow_split or bool(ctx.customer and ctx.customer.allow_split)
    return allocate(demands, positions, ranked, allow_split)


def _shortage(shortfalls: tuple[Shortfall, ...], customer: Customer | None) -> Finding:
    short = [s for s in shortfalls if sum(s.available_by_site.values()) < s.wanted]
    options = [{"action": o, "allowed": _option_allowed(o, customer)} for o in SHORTAGE_OPTIONS]
    return block(
        "PARTIAL_AVAILABILITY", Kind.OPERATIONAL, Team.CUSTOMER_SERVICE,
        "not enough stock available " + ("for lines " + ", ".join(str(s.line_no) for s in short)
                                         if short else "at any single site"),
        line_nos=[s.line_no for s in (short or shortfalls)],
        availability=[{"line_no": s.line_no, "sku": s.sku, "wanted": s.wanted,
                       "available_by_site": s.available_by_site} for s in shortfalls],
        options=options,
    )


def _option_allowed(option: str, customer: Customer | None) -> bool:
    if option == "split_across_sites":
        return bool(customer and customer.allow_split)
    if option == "substitute":
        return bool(customer and customer.allow_substitutes)
    return True
