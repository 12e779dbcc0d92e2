"""The facts a case's recommendations are made from (`domain.recommend.Facts`), read through
the unit of work: in a reading transaction to show them, under the case's lock to accept one.

* a shortage: the order's lines at their prices, the stock of their items and of the items
  master data names as their substitutes (active, with a contract price for the customer),
  the customer's sourcing order of sites, the requested ship date;
* a short pick: the units still backordered per line, the same stock, the site that picked
  short (and any that confirmed those lines) left out;
* a failed tender: every carrier service in master data with its transit days, its rank in the
  carrier selection table and why it cannot carry the shipment; the services tried already;
  the promised delivery date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from shipshape.domain import carriers as cr
from shipshape.domain import recommend as rec
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.controls import resolve_service, service_unfit
from shipshape.domain.inventory import rank_sites
from shipshape.domain.masterdata import Carrier, ContractPrice
from shipshape.domain.picking import OrderToPick
from shipshape.services.deps import Deps
from shipshape.services.desk_reroute import backordered
from shipshape.services.ports import UnitOfWork
from shipshape.services.tendering import tender_request


def facts_of(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
             order: OrderToPick) -> rec.Facts:
    return READERS[case.code](deps, uow, case, order)


def shortage(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
             order: OrderToPick) -> rec.Facts:
    return _stock_facts(deps, uow, case, order, None, frozenset())


def short_pick(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
               order: OrderToPick) -> rec.Facts:
    wanted = backordered(order, uow.inventory.reservations_of(order.id))
    confirmed = {p.site for p in uow.picks.picks(order.id) if p.line_no in wanted}
    excluded = frozenset({*confirmed, *([case.site_id] if case.site_id else [])})
    facts = _stock_facts(deps, uow, case, order, wanted, excluded)
    return replace(facts, substitutes=())  # the lines are picked at their site already


def _stock_facts(deps: Deps, uow: UnitOfWork, case: ExceptionCase, order: OrderToPick,
                 wanted: dict[int, int] | None, excluded: frozenset[str]) -> rec.Facts:
    """`wanted`: the units to supply per line (None: every line in full)."""
    skus = {ln.sku for ln in order.lines}
    items = uow.masterdata.items(skus)
    wanted_subs = {s for sku in skus if sku in items for s in items[sku].substitutes}
    sub_items = uow.masterdata.items(wanted_subs) if wanted_subs else {}
    prices = uow.masterdata.prices(order.customer_id, skus | wanted_subs)
    customer = uow.masterdata.customer(order.customer_id)
    sites = uow.masterdata.sites()
    ranked = rank_sites(list(sites), customer.preferred_site if customer else None,
                        {s.id: s.country for s in sites.values()}, order.ship_to_country)
    lines = tuple(
        rec.Line(ln.line_no, ln.sku,
                 (ln.quantity or 0) if wanted is None else wanted[ln.line_no],
                 _price(ln.unit_price, prices.get(ln.sku)))
        for ln in order.lines if wanted is None or ln.line_no in wanted)
    substitutes = tuple(
        rec.Substitute(sku, sub, prices[sub].unit_price)
        for sku in sorted(skus) if sku in items for sub in items[sku].substitutes
        if sub in sub_items and sub_items[sub].active and sub in prices)
    return rec.Facts(
        code=case.code, today=deps.clock.now().date(), due=order.requested_ship_date,
        order_value=order.value, lines=lines,
        positions=tuple(uow.inventory.positions(skus | wanted_subs, lock=False)),
        ranked_sites=tuple(ranked), excluded_sites=excluded, substitutes=substitutes)


def _price(unit_price: Decimal | None, contract: ContractPrice | None) -> Decimal:
    """The line's own price, else the customer's contract price, else 0."""
    if unit_price is not None:
        return unit_price
    return contract.unit_price if contract is not None else Decimal(0)


def tender_failed(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                  order: OrderToPick) -> rec.Facts:
    now = deps.clock.now()
    customer = uow.masterdata.customer(order.customer_id)
    asked = tender_request(deps, uow, order, customer, now)
    goods = asked.goods
    shipment = cr.Shipment(goods.weight_kg, goods.hazmat, goods.country, asked.service_level,
                           order.carrier_service)
    carriers = uow.masterdata.carriers()
    ranks = _table_ranks(deps, shipment, carriers)
    options = tuple(
        rec.CarrierOption(
            f"{carrier.code}:{service.code}",
            deps.promise.transit_days(service.transit_days, goods.country),
            ranks.get(f"{carrier.code}:{service.code}"),
            tuple(service_unfit(service, goods.weight_kg, goods.hazmat, goods.country)))
        for carrier in sorted(carriers.values(), key=lambda c: c.code)
        for service in carrier.services)
    tried = frozenset(a.carrier_service for a in uow.tenders.attempts(order.id))
    return rec.Facts(code=case.code, today=now.date(), due=uow.orders.promised_date(order.id),
                     order_value=order.value, carriers=options, tried=tried)


def _table_ranks(deps: Deps, shipment: cr.Shipment,
                 carriers: dict[str, Carrier]) -> dict[str, int]:
    """Each service the carrier selection table names for the shipment, by its canonical
    name (`CARRIER:SERVICE`), and its rank there."""
    rules = deps.carrier_rules
    found: dict[str, int] = {}
    for candidate in rules.candidates(shipment.facts()) if rules is not None else []:
        service = resolve_service(candidate.service, carriers)
        owner = next((c.code for c in carriers.values()
                      if service is not None and c.service(service.code) is service), None)
        if owner is not None and service is not None:
            found.setdefault(f"{owner}:{service.code}", candidate.rank)
    return found


Reader = Callable[[Deps, UnitOfWork, ExceptionCase, OrderToPick], rec.Facts]
READERS: dict[str, Reader] = {
    "PARTIAL_AVAILABILITY": shortage, "SHORT_PICK": short_pick,
    "CARRIER_TENDER_FAILED": tender_failed,
}
