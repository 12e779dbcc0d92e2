"""The twin's distributor and its demand, drawn from a scenario and a seed.

Every draw comes from a stream of its own (`streams`), seeded by the replication's seed and the
stream's name, so two scenarios run with the same seed see the same customers, the same orders
at the same moments and the same faults (common random numbers), whatever their processes do.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from shipshape.domain.orders import OrderDraft, OrderLine, ShipTo
from shipshape.sim.sample.directory import CARRIERS
from shipshape.sim.scenario import Scenario, Segment

Record = dict[str, object]
STATES = (("TX", "Dallas", "75201"), ("GA", "Atlanta", "30303"), ("NV", "Reno", "89501"),
          ("IL", "Chicago", "60601"), ("OH", "Columbus", "43215"), ("AZ", "Phoenix", "85004"))


def streams(seed: int, name: str) -> random.Random:
    return random.Random(f"{seed}:{name}")


@dataclass(frozen=True, slots=True)
class TwinCustomer:
    id: str
    segment: Segment
    site: str
    ship_to: ShipTo


@dataclass(frozen=True, slots=True)
class World:
    """What the orders are drawn from."""

    customers: tuple[TwinCustomer, ...]
    skus: tuple[str, ...]
    popularity: tuple[float, ...]
    """Cumulative weights of `skus`."""
    prices: dict[str, Decimal]
    site_of: dict[str, str]
    """Customer id -> the site it prefers."""

    def daily_units(self, scenario: Scenario, sku_index: int) -> float:
        demand = scenario.demand
        weight = self.popularity[sku_index] - (self.popularity[sku_index - 1]
                                               if sku_index else 0.0)
        lines = (demand.lines_min + demand.lines_max) / 2
        return demand.orders_per_day * lines * weight / self.popularity[-1] * (
            1 + demand.quantity_max) / 2


def build_world(scenario: Scenario, seed: int) -> World:
    rng = streams(seed, "world")
    count = scenario.demand.skus
    skus = tuple(f"SKU-{n:05d}" for n in range(1, count + 1))
    weights = [1 / (rank ** scenario.demand.popularity_skew) for rank in range(1, count + 1)]
    cumulative = tuple(itertools.accumulate(weights))
    prices = {sku: Decimal(rng.randrange(200, 20000)) / 100 for sku in skus}
    customers = _customers(scenario, rng)
    return World(customers, skus, cumulative, prices, {c.id: c.site for c in customers})


def _customers(scenario: Scenario, rng: random.Random) -> tuple[TwinCustomer, ...]:
    segments = scenario.customers.segments
    sites = scenario.sites
    customers = []
    for n in range(1, scenario.customers.count + 1):
        segment = rng.choices(segments, [s.share for s in segments])[0]
        site = rng.choices(sites, [s.demand_share for s in sites])[0]
        region, city, postal = rng.choice(STATES)
        ship_to = ShipTo(f"Customer {n:04d} receiving", f"{rng.randrange(10, 9999)} Commerce St",
                         city, region, postal, site.country)
        customers.append(TwinCustomer(f"TC{n:04d}", segment, site.id, ship_to))
    return tuple(customers)


def masterdata(scenario: Scenario, world: World,
               priced: Collection[tuple[str, str]]) -> dict[str, list[Record]]:
    """The master data in the bulk file's shape (`shipshape load`), with contract prices for
    the (customer, SKU) pairs of `priced`: loading every pair would cost more than the run."""
    sites: list[Record] = [{"id": s.id, "name": f"{s.id} distribution centre",
                            "country": s.country, "postal_code": "00000"}
                           for s in scenario.sites]
    customers = [{"id": c.id, "name": f"Customer {c.id}", "active": True,
                  "segment": c.segment.name, "priority": c.segment.priority,
                  "credit_limit": "100000000.00", "credit_hold": False, "payment_terms": "NET30",
                  "allow_split": c.segment.allow_split,
                  "allow_substitutes": c.segment.allow_substitutes, "preferred_site": c.site,
                  "min_remaining_shelf_life_days": 0} for c in world.customers]
    items = [{"sku": sku, "description": f"Item {sku}", "gtin": _gtin(n), "active": True,
              "uom": "EA", "weight_kg": "1.000", "hazmat": False, "lot_controlled": False,
              "substitutes": [_partner(world.skus, n)]} for n, sku in enumerate(world.skus)]
    prices: list[Record] = [{"customer_id": customer, "sku": sku,
                             "unit_price": str(world.prices[sku]),
                             "currency": scenario.costs.currency, "tolerance_pct": "2.0"}
                            for customer, sku in sorted(priced)]
    return {"sites": sites, "customers": customers, "items": items, "prices": prices,
            "carriers": [dict(c) for c in CARRIERS], "receipts": []}


def priced_pairs(world: World, stream: Collection[Arrival]) -> set[tuple[str, str]]:
    """The (customer, SKU) pairs the orders ask for, and their substitutes."""
    pairs = set()
    for arrival in stream:
        for line in arrival.draft.lines:
            if line.sku in world.prices:
                pairs |= {(arrival.draft.customer_id, line.sku),
                          (arrival.draft.customer_id, partner_of(world, line.sku))}
    return pairs


def _partner(skus: tuple[str, ...], n: int) -> str:
    """Items pair up as substitutes of each other (the last of an odd count with the first)."""
    partner = n + 1 if n % 2 == 0 else n - 1
    return skus[partner if partner < len(skus) else 0]


def partner_of(world: World, sku: str) -> str:
    """The substitute of `sku` (its partner), or "" for an SKU the world does not have."""
    try:
        return _partner(world.skus, world.skus.index(sku))
    except ValueError:
        return ""


def _gtin(n: int) -> str:
    body = f"0061414{n + 1:06d}"
    digits = [int(d) for d in body]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return body + str((10 - total % 10) % 10)


@dataclass(frozen=True, slots=True)
class Arrival:
    """An order as a channel sends it, at `at_s` seconds after the start."""

    at_s: float
    draft: OrderDraft
    priority: str
    units: int
    repeat_of: str | None = None


def arrivals(scenario: Scenario, world: World, seed: int, days: int) -> list[Arrival]:
    """Every order of `days` days (and the repeats the channels send), in time order."""
    rng = streams(seed, "demand")
    found: list[Arrival] = []
    for n, at_s in enumerate(_moments(scenario, rng, days), start=1):
        found += _orders_at(scenario, world, rng, n, at_s)
    return sorted(found, key=lambda a: a.at_s)


def _moments(scenario: Scenario, rng: random.Random, days: int) -> Iterator[float]:
    """Arrival times: a Poisson process over the open hours of each day, faster in spikes
    (drawn by thinning against the fastest rate)."""
    demand = scenario.demand
    base = demand.orders_per_day / ((demand.close_hour - demand.open_hour) * 3600)
    fastest = base * max([1.0, *(s.multiplier for s in demand.spikes)])
    for day in range(days):
        at = (day * 24 + demand.open_hour) * 3600
        close = (day * 24 + demand.close_hour) * 3600
        while True:
            at += rng.expovariate(fastest)
            if at >= close:
                break
            hour = at / 3600
            rate = base * math.prod(s.multiplier for s in demand.spikes if s.covers(hour))
            if rng.random() < rate / fastest:
                yield at


def _orders_at(scenario: Scenario, world: World, rng: random.Random, n: int,
               at_s: float) -> list[Arrival]:
    channel = rng.choices(scenario.channels, [c.share for c in scenario.channels])[0]
    customer = rng.choice(world.customers)
    day = _day_of(scenario.start, at_s)
    lines = _lines(scenario, world, rng, channel.price_error_rate, channel.unknown_item_rate)
    draft = OrderDraft(channel=channel.name, external_id=f"{channel.name.upper()}-{n:07d}",
                       customer_id=customer.id, customer_po=f"PO-{n:07d}",
                       requested_ship_date=day + timedelta(days=customer.segment.ship_within_days),
                       ship_to=customer.ship_to, lines=lines)
    units = sum(line.quantity or 0 for line in lines)
    order = Arrival(at_s, draft, customer.segment.priority, units)
    if rng.random() >= channel.duplicate_rate:
        return [order]
    resent = OrderDraft(channel=draft.channel, external_id=draft.external_id + "-R",
                        customer_id=draft.customer_id, customer_po=draft.customer_po,
                        requested_ship_date=draft.requested_ship_date, ship_to=draft.ship_to,
                        lines=draft.lines)
    return [order, Arrival(at_s + rng.uniform(60, 3600), resent, order.priority, units,
                           repeat_of=draft.external_id)]


def _day_of(start: date, at_s: float) -> date:
    return (datetime.combine(start, time(), UTC) + timedelta(seconds=at_s)).date()


def _lines(scenario: Scenario, world: World, rng: random.Random, price_error_rate: float,
           unknown_item_rate: float) -> tuple[OrderLine, ...]:
    demand = scenario.demand
    count = min(rng.randint(demand.lines_min, demand.lines_max), len(world.skus))
    chosen: list[str] = []
    while len(chosen) < count:
        sku = world.skus[bisect.bisect_left(world.popularity,
                                            rng.random() * world.popularity[-1])]
        if sku not in chosen:
            chosen.append(sku)
    lines = [OrderLine(no, sku, rng.randint(1, demand.quantity_max))
             for no, sku in enumerate(chosen, start=1)]
    if rng.random() < price_error_rate:
        first = lines[0]
        lines[0] = OrderLine(1, first.sku, first.quantity,
                             (world.prices[first.sku] * Decimal("1.25")).quantize(Decimal("0.01")))
    if rng.random() < unknown_item_rate:
        lines[-1] = OrderLine(lines[-1].line_no, f"SKU-X{rng.randrange(10**5):05d}",
                              lines[-1].quantity)
    return tuple(lines)


def start_stock(scenario: Scenario, world: World) -> dict[tuple[str, str], int]:
    """Units of each SKU at each site at the start: `stock_days` of its expected demand there,
    and one largest line of safety stock."""
    return {(site.id, sku): target_level(scenario, world, site.id, n)
            for site in scenario.sites for n, sku in enumerate(world.skus)}


def target_level(scenario: Scenario, world: World, site_id: str, sku_index: int) -> int:
    site = next(s for s in scenario.sites if s.id == site_id)
    return math.ceil(site.stock_days * site.demand_share
                     * world.daily_units(scenario, sku_index)) + scenario.demand.quantity_max
