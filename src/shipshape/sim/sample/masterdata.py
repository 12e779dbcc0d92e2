"""Master data of the sample distributor: customers, items, contract prices and stock.

Lot expiry dates are relative to the given day, so the same seed gives the same mix of
expired, near-expiry and fresh lots whatever the day.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shipshape.sim.sample.catalog import (
    COMPANY_PREFIXES,
    FAMILIES,
    GTIN_INDICATOR,
    LOT_CONTROLLED_SHARE,
    SEGMENT_CATEGORIES,
    SHELF_LIFE,
    TOLERANCES,
    Family,
    parse_packs,
    parse_variants,
)
from shipshape.sim.sample.directory import (
    CARRIERS,
    CREDIT_FACTORS,
    NAME_PARTS,
    PAYMENT_TERMS,
    PAYMENT_WEIGHTS,
    SEGMENT_COUNTS,
    SEGMENT_CREDIT,
    SHELF_LIFE_DAYS,
    SITE_WEIGHTS,
    SITES,
)
from shipshape.sim.sample.records import CENT, GRAM, MasterData, Record, as_decimal, as_str, money

_BAD_GTIN_COUNT = 3
_INACTIVE_ITEM_SHARE = 0.02
_SUBSTITUTE_SHARE = 0.15


def build_masterdata(seed: int, day: datetime.date) -> MasterData:
    """A synthetic distributor: 3 sites, 200 customers, 544 items, prices, carriers, stock.

    Lot expiries in the receipts are relative to ``day``.
    """
    rng = random.Random(seed)
    sites = [dict(site) for site in SITES]
    site_ids = [str(site["id"]) for site in sites]
    customers = _build_customers(rng, site_ids)
    products = _build_products(rng)
    return {
        "sites": sites,
        "customers": customers,
        "items": [product.record for product in products],
        "prices": _build_prices(rng, customers, products),
        "carriers": copy.deepcopy(list(CARRIERS)),
        "receipts": _build_receipts(rng, products, site_ids, day),
    }


def _build_customers(rng: random.Random, site_ids: list[str]) -> list[Record]:
    named: list[tuple[str, str]] = []
    for segment, count in SEGMENT_COUNTS.items():
        firsts, seconds = NAME_PARTS[segment]
        combos = list(itertools.product(firsts, seconds))
        named += [(f"{a} {b}", segment) for a, b in rng.sample(combos, count)]
    rng.shuffle(named)
    indices = range(len(named))
    strategic = set(rng.sample(indices, round(len(named) * 0.10)))
    inactive = set(rng.sample(indices, round(len(named) * 0.02)))
    on_hold = set(rng.sample(indices, round(len(named) * 0.03)))
    site_weights = [SITE_WEIGHTS.get(site, 30) for site in site_ids]
    customers = []
    for i, (name, segment) in enumerate(named):
        customer = _customer(rng, i + 1, name, segment, i in strategic)
        customer["active"] = i not in inactive
        customer["credit_hold"] = i in on_hold
        customer["preferred_site"] = rng.choices(site_ids, site_weights)[0]
        customers.append(_order_customer_keys(customer))
    return customers


def _customer(rng: random.Random, n: int, name: str, segment: str, strategic: bool) -> Record:
    factor = rng.choice(CREDIT_FACTORS) * (4 if strategic else 1)
    limit = min(500_000, max(5_000, round(SEGMENT_CREDIT[segment] * factor / 1000) * 1000))
    shelf_life = 0
    if segment in ("grocery", "healthcare") and rng.random() < 0.75:
        shelf_life = rng.choice(SHELF_LIFE_DAYS)
    return {
        "id": f"C{n:04d}",
        "name": name,
        "segment": segment,
        "priority": "strategic" if strategic else "standard",
        "credit_limit": money(limit),
        "payment_terms": rng.choices(PAYMENT_TERMS, PAYMENT_WEIGHTS)[0],
        "allow_split": rng.random() < 0.60,
        "allow_substitutes": rng.random() < 0.35,
        "min_remaining_shelf_life_days": shelf_life,
    }


_CUSTOMER_KEYS = ("id", "name", "active", "segment", "priority", "credit_limit", "credit_hold",
                  "payment_terms", "allow_split", "allow_substitutes", "preferred_site",
                  "min_remaining_shelf_life_days")


def _order_customer_keys(customer: Record) -> Record:
    return {key: customer[key] for key in _CUSTOMER_KEYS}


@dataclass
class _Product:
    record: Record
    category: str
    group: tuple[int, str]  # (family, pack): items in a group can substitute each other
    list_price: Decimal


def _build_products(rng: random.Random) -> list[_Product]:
    products: list[_Product] = []
    for family_no, family in enumerate(FAMILIES):
        variants = parse_variants(family.variants)
        for variant, pack in itertools.product(variants, parse_packs(family.packs)):
            products.append(_product(rng, family_no, family, variant, pack, len(products) + 1))
    for product in rng.sample(products, round(len(products) * _INACTIVE_ITEM_SHARE)):
        product.record["active"] = False
    for product in rng.sample(products, _BAD_GTIN_COUNT):
        _break_gtin(rng, product.record)
    _add_substitutes(rng, products)
    return products


def _product(
    rng: random.Random,
    family_no: int,
    family: Family,
    variant: tuple[str, float],
    pack: tuple[str, float, str],
    n: int,
) -> _Product:
    (variant_label, factor), (pack_label, units, uom) = variant, pack
    description = family.template.format(variant_label)
    if pack_label != "each":
        description = f"{description}, {pack_label}"
    weight = family.kg * factor * units * rng.uniform(0.93, 1.07)
    price = family.usd * factor * units * (0.9 if units > 1 else 1.0) * rng.uniform(0.92, 1.08)
    body = GTIN_INDICATOR[uom] + COMPANY_PREFIXES[family_no % len(COMPANY_PREFIXES)]
    body += f"{n:05d}"
    record: Record = {
        "sku": f"SKU-{n:05d}",
        "description": description,
        "gtin": body + str(_gs1_check_digit(body)),
        "active": True,
        "uom": uom,
        "weight_kg": str(max(Decimal(weight), GRAM).quantize(GRAM, ROUND_HALF_UP)),
        "hazmat": family.hazmat,
        "lot_controlled": rng.random() < LOT_CONTROLLED_SHARE.get(family.category, 0.02),
        "substitutes": [],
    }
    return _Product(record, family.category, (family_no, pack_label),
                    Decimal(price).quantize(CENT, ROUND_HALF_UP))


def _gs1_check_digit(body: str) -> int:
    """GS1 mod-10: weights 3,1,3,... from the rightmost digit of the body."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _break_gtin(rng: random.Random, record: Record) -> None:
    """Real-world bad master data: a GTIN typed in with the wrong check digit."""
    gtin = as_str(record, "gtin")
    wrong = (int(gtin[-1]) + rng.randint(1, 9)) % 10
    record["gtin"] = gtin[:-1] + str(wrong)


def _add_substitutes(rng: random.Random, products: list[_Product]) -> None:
    groups: dict[tuple[int, str], list[str]] = {}
    for product in products:
        groups.setdefault(product.group, []).append(as_str(product.record, "sku"))
    for product in products:
        sku = as_str(product.record, "sku")
        others = [other for other in groups[product.group] if other != sku]
        if others and rng.random() < _SUBSTITUTE_SHARE:
            count = rng.randint(1, min(2, len(others)))
            product.record["substitutes"] = sorted(rng.sample(others, count))


def _build_prices(
    rng: random.Random, customers: list[Record], products: list[_Product]
) -> list[Record]:
    rows: list[Record] = []
    for customer in customers:
        categories = SEGMENT_CATEGORIES[as_str(customer, "segment")]
        core = [p for p in products if p.category in categories]
        other = [p for p in products if p.category not in categories]
        count = rng.randint(20, 60)
        n_core = min(len(core), round(count * 0.85))
        chosen = rng.sample(core, n_core) + rng.sample(other, count - n_core)
        chosen.sort(key=lambda p: as_str(p.record, "sku"))
        strategic = customer["priority"] == "strategic"
        discount = rng.uniform(0.76, 0.88) if strategic else rng.uniform(0.85, 0.97)
        tolerance = rng.choice(TOLERANCES)
        for product in chosen:
            price = product.list_price * Decimal(discount * rng.uniform(0.98, 1.02))
            rows.append({
                "customer_id": customer["id"],
                "sku": product.record["sku"],
                "unit_price": money(max(price, CENT)),
                "currency": "USD",
                "tolerance_pct": tolerance,
            })
    return rows


def _build_receipts(
    rng: random.Random, products: list[_Product], site_ids: list[str], day: datetime.date
) -> list[Record]:
    """Stock on hand: most SKUs at 1-3 sites, a few scarce, a few never received."""
    indices = range(len(products))
    scarce = set(rng.sample(indices, round(len(products) * 0.07)))
    unreceived = set(rng.sample(indices, round(len(products) * 0.01)))
    rows: list[Record] = []
    for i, product in enumerate(products):
        if i in unreceived or (not product.record["active"] and rng.random() < 0.5):
            continue
        if i in scarce:
            rows.append(_receipt(rng, product, rng.choice(site_ids), rng.randint(1, 12), day))
            continue
        site_count = min(len(site_ids), rng.choices((1, 2, 3), (20, 40, 40))[0])
        for site in rng.sample(site_ids, site_count):
            for _ in range(rng.randint(1, 5)):
                quantity = _receipt_quantity(rng, product)
                rows.append(_receipt(rng, product, site, quantity, day))
    return rows


def _receipt_quantity(rng: random.Random, product: _Product) -> int:
    if as_decimal(product.record, "weight_kg") > 20:
        return rng.randint(4, 40)
    low, high = {"CS": (40, 300), "BX": (60, 600)}.get(as_str(product.record, "uom"), (80, 1200))
    return rng.randint(low, high)


def _receipt(
    rng: random.Random, product: _Product, site: str, quantity: int, day: datetime.date
) -> Record:
    lot, expiry = _lot(rng, product, day) if product.record["lot_controlled"] else (None, None)
    return {"site_id": site, "sku": product.record["sku"], "quantity": quantity, "lot": lot,
            "expiry": expiry}


def _lot(rng: random.Random, product: _Product, day: datetime.date) -> tuple[str, str]:
    """A lot number and its expiry date, relative to ``day``."""
    shelf_life = SHELF_LIFE.get(product.category, 730)
    expires = day + datetime.timedelta(days=_days_to_expiry(rng, shelf_life))
    made = expires - datetime.timedelta(days=shelf_life)
    return f"L{made:%y%j}-{rng.randint(1, 99):02d}", expires.isoformat()


def _days_to_expiry(rng: random.Random, shelf_life: int) -> int:
    roll = rng.random()
    if roll < 0.03:  # already expired, still on the shelf
        return rng.randint(-30, -1)
    if roll < 0.15:  # near expiry: fails customers' shelf-life minimums
        return rng.randint(5, 60)
    return rng.randint(61, shelf_life)
