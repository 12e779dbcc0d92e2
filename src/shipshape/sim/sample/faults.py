"""A sample day of orders with faults mixed in: duplicates, replays, unknown SKUs and
customers, price mismatches, credit problems, stock-outs, incomplete addresses,
impossible carrier services, inactive items and customers."""

from __future__ import annotations

import copy
import datetime
import math
import random
from collections.abc import Callable
from decimal import Decimal

from shipshape.sim.sample.day_context import SCARCE_STOCK, DayContext, index_day
from shipshape.sim.sample.directory import CUSTOMER_COUNT, FOREIGN_CITIES
from shipshape.sim.sample.orders import (
    CHANNELS,
    address,
    assemble,
    clean_order,
    fresh_choice,
    make_line,
    next_external_id,
    order_weight,
    refresh_service,
    replace_sku,
)
from shipshape.sim.sample.records import MasterData, Record, as_decimal, as_list, as_str, money

_LOW_STOCK = 300  # total units below which a bulk order can run a SKU out
_BOGUS_SERVICES = ("UPS:GROUND", "UPS:SUREPOST", "FDX:GROUNDHD", "DHL:EXP", "ONTRAC:GND",
                   "USPS:FIRST")
_FAULT_RATES: dict[str, float] = {  # share of the day's orders, each
    "cross_channel_duplicate": 0.02,
    "exact_replay": 0.005,
    "possible_duplicate": 0.015,
    "unknown_sku": 0.02,
    "unknown_customer": 0.01,
    "price_mismatch": 0.03,
    "credit_limit": 0.01,
    "credit_hold": 0.015,
    "stock_out": 0.025,
    "incomplete_ship_to": 0.02,
    "missing_ship_date": 0.002,
    "invalid_carrier": 0.02,
    "inactive_item": 0.004,
    "inactive_customer": 0.004,
}


def build_day(
    masterdata: MasterData, orders: int, seed: int, day: datetime.date
) -> list[Record]:
    """``orders`` canonical orders for ``day``, about 80% clean and 20% faulty.

    Each fault in ``_FAULT_RATES`` gets round(rate * orders) orders, shuffled in among
    the clean ones. Duplicates and replays always come after the order they repeat.
    """
    rng = random.Random(seed)
    ctx = index_day(masterdata, day)
    clean: list[Record] = []
    result: list[Record] = []
    for kind in _schedule(rng, orders):
        make = FAULTS.get(kind)
        if make is None or (kind in DERIVED and not clean):
            order = clean_order(ctx, rng)
            clean.append(order)
        else:
            order = make(ctx, rng, clean)
        result.append(order)
    return result


def _schedule(rng: random.Random, orders: int) -> list[str]:
    kinds: list[str] = []
    for kind, rate in _FAULT_RATES.items():
        kinds += [kind] * round(rate * orders)
    kinds = kinds[:orders]
    kinds += ["clean"] * (orders - len(kinds))
    rng.shuffle(kinds)
    return kinds


_Fault = Callable[[DayContext, random.Random, list[Record]], Record]


def _cross_channel_duplicate(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """The same customer PO re-sent through another channel (e.g. EDI re-keyed by sales)."""
    order = copy.deepcopy(rng.choice(clean))
    others = [channel for channel in CHANNELS if channel != order["channel"]]
    channel = rng.choices(others, [3 if c == "field_sales" else 1 for c in others])[0]
    order["channel"] = channel
    order["external_id"] = next_external_id(ctx, rng, channel)
    return order


def _exact_replay(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """A channel sends the very same message twice (same external_id, same body)."""
    return copy.deepcopy(rng.choice(clean[-50:]))


def _possible_duplicate(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """Same customer, same lines, a new PO: maybe a re-order, maybe a mistake."""
    source = rng.choice(clean)
    ship_to = source["ship_to"]
    assert isinstance(ship_to, dict)
    return assemble(ctx, rng, as_str(source, "customer_id"),
                     copy.deepcopy(as_list(source, "lines")),
                     channel=as_str(source, "channel"), ship_to=ship_to)


def _unknown_sku(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """A typo'd SKU, or an item the customer knows about that is not set up yet."""
    order = clean_order(ctx, rng)
    line = rng.choice(as_list(order, "lines"))
    digits = as_str(line, "sku").split("-")[-1]
    candidates = [
        f"SKU-{digits[1:]}",  # a digit dropped
        f"SKU{digits}",  # the dash left out
        f"SKU-{digits.replace('0', 'O', 1)}",  # letter O for a zero
        f"SKU-{rng.randint(90000, 99999)}",  # a new item not in master data yet
    ]
    unknown = [sku for sku in candidates if sku not in ctx.items]
    line["sku"] = rng.choice(unknown) if unknown else f"NEW-{rng.randint(1000, 9999)}"
    return order


def _unknown_customer(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    order = clean_order(ctx, rng)
    cid = f"C{rng.randint(CUSTOMER_COUNT + 1, 9999):04d}"
    while cid in ctx.customers:
        cid = f"C{rng.randint(CUSTOMER_COUNT + 1, 9999):04d}"
    order["customer_id"] = cid
    return order


def _price_mismatch(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """One line priced outside the contract tolerance, mostly from an old price list."""
    order = clean_order(ctx, rng)
    cid = as_str(order, "customer_id")
    lines = as_list(order, "lines")
    priced = [line for line in lines if as_str(line, "sku") in ctx.contracts.get(cid, {})]
    if priced:
        line = rng.choice(priced)
    else:
        line = rng.choice(lines)
        sku = fresh_choice(rng, ctx.orderable_contract.get(cid, []), order)
        if sku is not None:
            replace_sku(ctx, order, line, sku)
    tolerance = ctx.tolerances.get(cid, Decimal("2.0"))
    off_pct = tolerance + Decimal(rng.randint(20, 120)) / 10
    sign = -1 if rng.random() < 0.7 else 1
    contract = ctx.price(cid, as_str(line, "sku"))
    line["unit_price"] = money(contract * (1 + sign * off_pct / 100))
    return order


def _credit_limit(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """A very large order from one of the customers with the lowest credit limits."""
    by_limit = sorted(ctx.buyers, key=lambda c: (as_decimal(ctx.customers[c], "credit_limit"), c))
    cid = rng.choice(by_limit[: max(1, len(by_limit) // 20)])
    target = as_decimal(ctx.customers[cid], "credit_limit") * Decimal(rng.uniform(1.2, 2.0))
    count = rng.randint(2, 4)
    share = target / count
    candidates = ctx.orderable_contract.get(cid) or ctx.orderable
    # lines that stay well inside the stock, so the order is a credit problem only
    big_enough = [s for s in candidates if ctx.price(cid, s) * ctx.stock.get(s, 0) >= share * 3]
    skus = rng.sample(big_enough or ctx.orderable, min(count, len(big_enough or ctx.orderable)))
    lines = [
        make_line(ctx, rng, cid, no, sku, math.ceil(share / ctx.price(cid, sku)))
        for no, sku in enumerate(skus, start=1)
    ]
    return assemble(ctx, rng, cid, lines)


def _credit_hold(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    held = ctx.customers_where(lambda c: bool(c["credit_hold"]) and bool(c["active"]))
    return clean_order(ctx, rng, rng.choice(held) if held else None)


def _stock_out(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """A line for more than the network holds: a scarce SKU, or a low-stock one in bulk."""
    order = clean_order(ctx, rng)
    cid = as_str(order, "customer_id")
    line = rng.choice(as_list(order, "lines"))
    scarce = ctx.skus_where(lambda s, i: bool(i["active"]) and ctx.stock.get(s, 0) < SCARCE_STOCK)
    budget = as_decimal(ctx.customers[cid], "credit_limit") / 10  # a shortage, not a credit problem
    low = [
        s for s in ctx.orderable
        if ctx.stock[s] < _LOW_STOCK and ctx.price(cid, s) * (ctx.stock[s] + 24) < budget
    ]
    sku = fresh_choice(rng, low if low and rng.random() < 0.4 else scarce, order)
    if sku is not None:
        replace_sku(ctx, order, line, sku)
    line["quantity"] = ctx.stock.get(as_str(line, "sku"), 0) + rng.randint(1, 24)
    refresh_service(ctx, rng, order)
    return order


def _incomplete_ship_to(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    order = clean_order(ctx, rng)
    ship_to = order["ship_to"]
    assert isinstance(ship_to, dict)
    ship_to["postal_code" if rng.random() < 0.6 else "line1"] = None
    return order


def _missing_ship_date(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    order = clean_order(ctx, rng)
    order["requested_ship_date"] = None
    return order


def _invalid_carrier(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    """An unknown service, hazmat on a service that refuses it, or a country not served."""
    order = clean_order(ctx, rng)
    variant = rng.randrange(3)
    if variant == 1 and _force_hazmat_on_parcel(ctx, rng, order):
        return order
    if variant == 2 and _force_unserved_country(ctx, rng, order):
        return order
    known = {service.code for service in ctx.services}
    order["carrier_service"] = rng.choice([c for c in _BOGUS_SERVICES if c not in known])
    return order


def _force_hazmat_on_parcel(ctx: DayContext, rng: random.Random, order: Record) -> bool:
    ship_to = order["ship_to"]
    assert isinstance(ship_to, dict)
    country = as_str(ship_to, "country")
    sku = fresh_choice(rng, [s for s in ctx.orderable if ctx.items[s]["hazmat"]], order)
    if sku is None:
        return False
    lines = as_list(order, "lines")
    line = make_line(ctx, rng, as_str(order, "customer_id"), len(lines) + 1, sku)
    weight = order_weight(ctx, [*lines, line])
    refusing = [
        s for s in ctx.services
        if not s.hazmat_allowed and country in s.countries and weight <= s.max_weight_kg
    ]
    if not refusing:
        return False
    lines.append(line)
    order["carrier_service"] = rng.choice(refusing).code
    return True


def _force_unserved_country(ctx: DayContext, rng: random.Random, order: Record) -> bool:
    """A one-off export address on a service that does not go there."""
    ship_to = order["ship_to"]
    assert isinstance(ship_to, dict)
    place = rng.choice(FOREIGN_CITIES)
    weight = order_weight(ctx, as_list(order, "lines"))
    not_serving = [
        s for s in ctx.services if place[3] not in s.countries and weight <= s.max_weight_kg
    ]
    if not not_serving:
        return False
    order["ship_to"] = dict(address(rng, "", "", place), name=ship_to["name"])
    order["carrier_service"] = rng.choice(not_serving).code
    return True


def _inactive_item(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    order = clean_order(ctx, rng)
    sku = fresh_choice(rng, ctx.skus_where(lambda s, i: not i["active"]), order)
    if sku is not None:
        replace_sku(ctx, order, rng.choice(as_list(order, "lines")), sku)
        refresh_service(ctx, rng, order)
    return order


def _inactive_customer(ctx: DayContext, rng: random.Random, clean: list[Record]) -> Record:
    inactive = ctx.customers_where(lambda c: not c["active"])
    return clean_order(ctx, rng, rng.choice(inactive) if inactive else None)


FAULTS: dict[str, _Fault] = {
    "cross_channel_duplicate": _cross_channel_duplicate,
    "exact_replay": _exact_replay,
    "possible_duplicate": _possible_duplicate,
    "unknown_sku": _unknown_sku,
    "unknown_customer": _unknown_customer,
    "price_mismatch": _price_mismatch,
    "credit_limit": _credit_limit,
    "credit_hold": _credit_hold,
    "stock_out": _stock_out,
    "incomplete_ship_to": _incomplete_ship_to,
    "missing_ship_date": _missing_ship_date,
    "invalid_carrier": _invalid_carrier,
    "inactive_item": _inactive_item,
    "inactive_customer": _inactive_customer,
}
# faults that repeat an earlier clean order, so they need one first
DERIVED = frozenset({"cross_channel_duplicate", "exact_replay", "possible_duplicate"})
