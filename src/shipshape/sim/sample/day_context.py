"""Indexes over the master data that building a day of orders needs, plus counters."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from shipshape.sim.sample.records import (
    CENT,
    MasterData,
    Record,
    as_decimal,
    as_int,
    as_list,
    as_str,
)

SCARCE_STOCK = 30  # total units below which a SKU counts as scarce


class Service(NamedTuple):
    code: str  # "CARRIER:SERVICE"
    max_weight_kg: Decimal
    hazmat_allowed: bool
    countries: tuple[str, ...]


@dataclass
class DayContext:
    """Indexes over the master data plus the day's running counters."""

    day: datetime.date
    customers: dict[str, Record]
    items: dict[str, Record]
    contracts: dict[str, dict[str, Decimal]]
    tolerances: dict[str, Decimal]
    list_prices: dict[str, Decimal]
    stock: dict[str, int]
    services: list[Service]
    orderable: list[str] = field(default_factory=list)
    orderable_contract: dict[str, list[str]] = field(default_factory=dict)
    buyers: list[str] = field(default_factory=list)
    buyer_cum_weights: list[float] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    address_books: dict[str, list[Record]] = field(default_factory=dict)

    def price(self, customer_id: str, sku: str) -> Decimal:
        contract = self.contracts.get(customer_id, {})
        return contract.get(sku) or self.list_prices.get(sku) or Decimal("9.99")

    def customers_where(self, test: Callable[[Record], bool]) -> list[str]:
        return [cid for cid, customer in self.customers.items() if test(customer)]

    def skus_where(self, test: Callable[[str, Record], bool]) -> list[str]:
        return [sku for sku, item in self.items.items() if test(sku, item)]

    def next_number(self, key: str) -> int:
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]


def index_day(masterdata: MasterData, day: datetime.date) -> DayContext:
    """Contract prices, tolerances, stock totals and services, indexed for the day."""
    contracts: dict[str, dict[str, Decimal]] = {}
    tolerances: dict[str, Decimal] = {}
    for row in masterdata["prices"]:
        cid, sku = as_str(row, "customer_id"), as_str(row, "sku")
        contracts.setdefault(cid, {})[sku] = as_decimal(row, "unit_price")
        tolerances[cid] = as_decimal(row, "tolerance_pct")
    stock: dict[str, int] = {}
    for row in masterdata["receipts"]:
        stock[as_str(row, "sku")] = stock.get(as_str(row, "sku"), 0) + as_int(row, "quantity")
    ctx = DayContext(
        day=day,
        customers={as_str(c, "id"): c for c in masterdata["customers"]},
        items={as_str(i, "sku"): i for i in masterdata["items"]},
        contracts=contracts,
        tolerances=tolerances,
        list_prices=_list_prices(masterdata["items"], contracts),
        stock=stock,
        services=_services(masterdata["carriers"]),
    )
    _index_buying(ctx)
    return ctx


def _list_prices(
    items: list[Record], contracts: dict[str, dict[str, Decimal]]
) -> dict[str, Decimal]:
    """Items carry no list price, so take 10% over the highest contract price."""
    highest: dict[str, Decimal] = {}
    for contract in contracts.values():
        for sku, price in contract.items():
            highest[sku] = max(price, highest.get(sku, price))
    prices = {}
    for item in items:
        sku = as_str(item, "sku")
        fallback = max(Decimal("1.99"), as_decimal(item, "weight_kg") * 9)
        prices[sku] = (highest.get(sku, fallback) * Decimal("1.10")).quantize(CENT)
    return prices


def _services(carriers: list[Record]) -> list[Service]:
    return [
        Service(
            f"{carrier['code']}:{service['code']}",
            as_decimal(service, "max_weight_kg"),
            bool(service["hazmat_allowed"]),
            tuple(str(country) for country in as_list(service, "countries")),
        )
        for carrier in carriers
        for service in as_list(carrier, "services")
    ]


def _index_buying(ctx: DayContext) -> None:
    """Who orders normally (active, not on hold) and what they order (active, in stock)."""
    ctx.orderable = ctx.skus_where(
        lambda sku, item: bool(item["active"]) and ctx.stock.get(sku, 0) >= SCARCE_STOCK
    )
    orderable = set(ctx.orderable)
    for cid, contract in ctx.contracts.items():
        ctx.orderable_contract[cid] = [sku for sku in contract if sku in orderable]
    ctx.buyers = ctx.customers_where(lambda c: bool(c["active"]) and not c["credit_hold"])
    # order volume follows the credit limit, so a normal day stays well inside limits
    weights = [float(as_decimal(ctx.customers[cid], "credit_limit")) + 1 for cid in ctx.buyers]
    ctx.buyer_cum_weights = list(itertools.accumulate(weights))

