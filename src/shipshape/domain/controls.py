"""Control points at acceptance: pure functions from an order's context to findings."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from shipshape.domain.bounds import date_supported, unsupported_date
from shipshape.domain.findings import Finding, Kind, Team, block, warn
from shipshape.domain.masterdata import (
    Carrier,
    CarrierService,
    ContractPrice,
    Customer,
    Item,
    gtin_is_valid,
)
from shipshape.domain.orders import OrderDraft

REQUIRED_SHIP_TO = ("name", "line1", "city", "postal_code", "country")
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class LotStock:
    expiry: date | None
    quantity: int


class PastShipDate(StrEnum):
    """What a requested ship date before today does to an order: a warning the order goes on
    with, or a hold for customer service to agree a new date."""

    WARN = "warn"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class OrderContext:
    """Everything the control points may look at, loaded before they run."""

    draft: OrderDraft
    today: date
    customer: Customer | None
    items: Mapping[str, Item]
    prices: Mapping[str, ContractPrice]
    carriers: Mapping[str, Carrier]
    open_exposure: Decimal = Decimal("0")
    lots: Mapping[str, Sequence[LotStock]] = field(default_factory=dict)
    past_ship_date: PastShipDate = PastShipDate.WARN


Control = Callable[[OrderContext], list[Finding]]


def completeness(ctx: OrderContext) -> list[Finding]:
    found: list[Finding] = []
    missing = [f for f in REQUIRED_SHIP_TO if not getattr(ctx.draft.ship_to, f)]
    if missing:
        found.append(block("INCOMPLETE_SHIP_TO", Kind.DATA_QUALITY, Team.CUSTOMER_SERVICE,
                           f"ship-to lacks {', '.join(missing)}", missing=missing))
    if ctx.draft.requested_ship_date is None:
        found.append(block("MISSING_SHIP_DATE", Kind.DATA_QUALITY, Team.CUSTOMER_SERVICE,
                           "no requested ship date"))
    bad = [line.line_no for line in ctx.draft.lines if not line.quantity]
    if bad:
        found.append(block("MISSING_QUANTITY", Kind.DATA_QUALITY, Team.CUSTOMER_SERVICE,
                           "lines without a quantity", line_nos=bad))
    if not ctx.draft.lines:
        found.append(block("NO_LINES", Kind.DATA_QUALITY, Team.CUSTOMER_SERVICE,
                           "the order has no lines"))
    return found


def supported_ship_date(ctx: OrderContext) -> list[Finding]:
    """`SHIP_DATE_UNSUPPORTED`: a requested ship date outside the dates Shipshape computes with
    (`bounds.EARLIEST_DATE` to `bounds.LATEST_DATE`); the channel could not refuse it."""
    ship = ctx.draft.requested_ship_date
    if ship is None or date_supported(ship):
        return []
    return [block("SHIP_DATE_UNSUPPORTED", Kind.DATA_QUALITY, Team.CUSTOMER_SERVICE,
                  f"requested ship date {unsupported_date(ship)}",
                  requested_ship_date=ship.isoformat())]


def ship_date_in_past(ctx: OrderContext) -> list[Finding]:
    """`SHIP_DATE_IN_PAST`: the requested ship date is before today, so the promise is already
    broken; a warning or a hold as `ctx.past_ship_date` says."""
    ship = ctx.draft.requested_ship_date
    if ship is None or ship >= ctx.today or not date_supported(ship):
        return []
    make = block if ctx.past_ship_date is PastShipDate.HOLD else warn
    return [make("SHIP_DATE_IN_PAST", Kind.DATA_QUALITY, Team.CUSTOMER_SERVICE,
                 f"requested ship date {ship.isoformat()} is before today "
                 f"({ctx.today.isoformat()})",
                 requested_ship_date=ship.isoformat(), today=ctx.today.isoformat())]


def customer_standing(ctx: OrderContext) -> list[Finding]:
    customer = ctx.customer
    if customer is None:
        return [block("UNKNOWN_CUSTOMER", Kind.DATA_QUALITY, Team.MASTER_DATA,
                      f"customer {ctx.draft.customer_id} is not in master data")]
    if not customer.active:
        return [block("INACTIVE_CUSTOMER", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                      f"customer {customer.id} is inactive")]
    return []


def credit(ctx: OrderContext) -> list[Finding]:
    customer = ctx.customer
    if customer is None:
        return []
    if customer.credit_hold:
        return [block("CREDIT_HOLD", Kind.BUSINESS, Team.CREDIT,
                      f"customer {customer.id} is on credit hold")]
    value = contract_priced(ctx.draft, ctx.prices).value
    exposure = ctx.open_exposure + value
    if exposure > customer.credit_limit:
        return [block("CREDIT_LIMIT_EXCEEDED", Kind.BUSINESS, Team.CREDIT,
                      f"exposure {exposure} would exceed the credit limit {customer.credit_limit}",
                      open_exposure=str(ctx.open_exposure), order_value=str(value),
                      credit_limit=str(customer.credit_limit))]
    return []


def contract_priced(draft: OrderDraft, prices: Mapping[str, ContractPrice]) -> OrderDraft:
    """The draft with each line that came without a unit price priced at the customer's
    contract price for its SKU, so that an unpriced line is never worth zero; a line with
    neither keeps no price (`missing_price` holds the order)."""
    if all(line.unit_price is not None or line.sku not in prices for line in draft.lines):
        return draft
    return replace(draft, lines=tuple(
        replace(line, unit_price=prices[line.sku].unit_price)
        if line.unit_price is None and line.sku in prices else line for line in draft.lines))


def missing_price(ctx: OrderContext) -> list[Finding]:
    """`MISSING_PRICE`: lines of known items with no unit price and no contract price, which
    the credit check cannot value."""
    lines = [line for line in ctx.draft.lines if line.unit_price is None
             and line.sku not in ctx.prices and line.sku in ctx.items]
    if not lines:
        return []
    skus = ", ".join(sorted({line.sku for line in lines}))
    return [block("MISSING_PRICE", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                  f"line {', '.join(str(line.line_no) for line in lines)}: no unit price and no "
                  f"contract price for {skus}", line_nos=[line.line_no for line in lines],
                  skus=sorted({line.sku for line in lines}))]


def contract_prices(ctx: OrderContext) -> list[Finding]:
    found: list[Finding] = []
    for line in ctx.draft.lines:
        contract = ctx.prices.get(line.sku)
        if contract is None or line.unit_price is None or line.sku not in ctx.items:
            continue
        if _outside_tolerance(line.unit_price, contract):
            found.append(block(
                "PRICE_MISMATCH", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                f"line {line.line_no}: {line.unit_price} against contract {contract.unit_price}",
                line_nos=[line.line_no], order_price=str(line.unit_price),
                contract_price=str(contract.unit_price),
                tolerance_pct=str(contract.tolerance_pct)))
    return found


def _outside_tolerance(price: Decimal, contract: ContractPrice) -> bool:
    allowed = contract.unit_price * contract.tolerance_pct / HUNDRED
    return abs(price - contract.unit_price) > allowed


def items(ctx: OrderContext) -> list[Finding]:
    found: list[Finding] = []
    for line in ctx.draft.lines:
        item = ctx.items.get(line.sku)
        if item is None:
            found.append(block("UNKNOWN_ITEM", Kind.DATA_QUALITY, Team.MASTER_DATA,
                               f"line {line.line_no}: SKU {line.sku} is not in master data",
                               line_nos=[line.line_no], sku=line.sku))
        elif not item.active:
            found.append(block("INACTIVE_ITEM", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                               f"line {line.line_no}: SKU {line.sku} is inactive",
                               line_nos=[line.line_no], sku=line.sku))
        elif item.gtin and not gtin_is_valid(item.gtin):
            found.append(block("INVALID_GTIN", Kind.DATA_QUALITY, Team.MASTER_DATA,
                               f"line {line.line_no}: GTIN {item.gtin} fails its check digit",
                               line_nos=[line.line_no], sku=line.sku, gtin=item.gtin))
    return found


def carrier_service(ctx: OrderContext) -> list[Finding]:
    wanted = ctx.draft.carrier_service
    if not wanted:
        return []
    service = resolve_service(wanted, ctx.carriers)
    if service is None:
        return [_carrier_finding(wanted, "is not a known carrier service")]
    reasons = _service_unfit(service, ctx)
    return [_carrier_finding(wanted, "; ".join(reasons))] if reasons else []


def _carrier_finding(wanted: str, reason: str) -> Finding:
    return block("INVALID_CARRIER_SERVICE", Kind.BUSINESS, Team.TRANSPORT,
                 f"carrier service {wanted} {reason}", carrier_service=wanted)


def resolve_service(wanted: str, carriers: Mapping[str, Carrier]) -> CarrierService | None:
    """`CARRIER:SERVICE`, or a service code that exactly one carrier offers."""
    if ":" in wanted:
        carrier_code, service_code = wanted.split(":", 1)
        carrier = carriers.get(carrier_code)
        return carrier.service(service_code) if carrier else None
    matches = [s for c in carriers.values() if (s := c.service(wanted)) is not None]
    return matches[0] if len(matches) == 1 else None


def _service_unfit(service: CarrierService, ctx: OrderContext) -> list[str]:
    return service_unfit(service, order_weight(ctx), _has_hazmat(ctx), ctx.draft.ship_to.country)


def service_unfit(service: CarrierService, weight: Decimal, hazmat: bool,
                  country: str | None) -> list[str]:
    """Why `service` cannot carry a shipment of `weight` kg to `country` (empty: it can)."""
    reasons: list[str] = []
    if service.max_weight_kg is not None and weight > service.max_weight_kg:
        reasons.append(f"carries at most {service.max_weight_kg} kg, the order weighs {weight} kg")
    if not service.hazmat_allowed and hazmat:
        reasons.append("does not carry hazardous materials")
    if country and not service.serves(country):
        reasons.append(f"does not deliver to {country}")
    return reasons


def order_weight(ctx: OrderContext) -> Decimal:
    return sum(
        (ctx.items[line.sku].weight_kg * (line.quantity or 0)
         for line in ctx.draft.lines if line.sku in ctx.items),
        Decimal("0"),
    )


def _has_hazmat(ctx: OrderContext) -> bool:
    return any(ctx.items[line.sku].hazmat for line in ctx.draft.lines if line.sku in ctx.items)


def shelf_life_needed_until(customer: Customer | None, ship: date) -> date | None:
    """The day a lot must keep until for `customer`: the ship date plus the customer's minimum
    remaining shelf life (at most `date.max`); None when the customer asks for none."""
    if customer is None or customer.min_remaining_shelf_life_days <= 0:
        return None
    days = customer.min_remaining_shelf_life_days
    return date.max if days > (date.max - ship).days else ship + timedelta(days=days)


def keeps_shelf_life(expiry: date | None, needed_until: date) -> bool:
    """A lot without an expiry never runs out."""
    return expiry is None or expiry >= needed_until


def shelf_life(ctx: OrderContext) -> list[Finding]:
    customer = ctx.customer
    needed_until = shelf_life_needed_until(customer, ctx.draft.requested_ship_date or ctx.today)
    if customer is None or needed_until is None:
        return []
    found: list[Finding] = []
    for line in ctx.draft.lines:
        lots = ctx.lots.get(line.sku)
        if not lots or not line.quantity:
            continue
        fresh = sum(lot.quantity for lot in lots if keeps_shelf_life(lot.expiry, needed_until))
        if fresh < line.quantity:
            found.append(block(
                "SHELF_LIFE_UNSATISFIABLE", Kind.BUSINESS, Team.WAREHOUSE,
                f"line {line.line_no}: only {fresh} of {line.quantity} {line.sku} keep "
                f"{customer.min_remaining_shelf_life_days} days of shelf life",
                line_nos=[line.line_no], sku=line.sku, fresh_quantity=fresh,
                needed_until=needed_until.isoformat()))
    return found


def possible_duplicate(recent_po: str | None) -> list[Finding]:
    if recent_po is None:
        return []
    return [warn("POSSIBLE_DUPLICATE", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                 f"the same lines were ordered within 24 h under PO {recent_po}",
                 other_po=recent_po)]


BUILTIN_CONTROLS: tuple[Control, ...] = (
    completeness, supported_ship_date, ship_date_in_past, customer_standing, credit,
    missing_price, contract_prices, items, carrier_service, shelf_life,
)


def run_controls(
    ctx: OrderContext, controls: Sequence[Control] = BUILTIN_CONTROLS
) -> list[Finding]:
    return [finding for control in controls for finding in control(ctx)]
