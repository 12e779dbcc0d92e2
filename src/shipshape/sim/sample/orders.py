"""Clean canonical orders for a day: customer, lines, prices, ship-to and carrier.

Also the building blocks the faults in ``faults`` reuse.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from shipshape.sim.sample.day_context import DayContext
from shipshape.sim.sample.directory import (
    ALL_US_CITIES,
    CITIES,
    FOREIGN_CITIES,
    SHIP_TO_LABELS,
    STREETS,
)
from shipshape.sim.sample.records import Record, as_decimal, as_int, as_list, as_str

CHANNELS = ("edi", "web", "field_sales", "api")
_CHANNEL_WEIGHTS = {  # per segment, in CHANNELS order
    "retail": (60, 25, 10, 5),
    "grocery": (70, 15, 10, 5),
    "healthcare": (45, 40, 10, 5),
    "industrial": (25, 30, 35, 10),
    "ecommerce": (10, 20, 0, 70),
}
_SALES_REPS = ("JMR", "AKL", "TBW", "SNG", "DPC", "RHE")
_LINE_COUNTS = (1, 2, 3, 4, 5, 6, 8, 10)
_LINE_COUNT_WEIGHTS = (34, 24, 17, 11, 7, 3, 2, 2)
_CONTRACT_LINE_SHARE = 0.85
_NO_CARRIER_SHARE = 0.15
_PO_EPOCH = datetime.date(2026, 11, 30)  # PO numbers rise by 400 a day from here


def clean_order(ctx: DayContext, rng: random.Random, customer_id: str | None = None) -> Record:
    cid = customer_id or rng.choices(ctx.buyers, cum_weights=ctx.buyer_cum_weights)[0]
    return assemble(ctx, rng, cid, _normal_lines(ctx, rng, cid))


def assemble(
    ctx: DayContext,
    rng: random.Random,
    cid: str,
    lines: list[Record],
    channel: str | None = None,
    ship_to: Record | None = None,
) -> Record:
    channel = channel or _pick_channel(ctx, rng, cid)
    ship_to = dict(ship_to or _pick_ship_to(ctx, rng, cid))
    ship_date = ctx.day + datetime.timedelta(days=rng.randint(1, 5))
    return {
        "channel": channel,
        "external_id": next_external_id(ctx, rng, channel),
        "customer_id": cid,
        "customer_po": _next_po(ctx, cid),
        "requested_ship_date": ship_date.isoformat(),
        "ship_to": ship_to,
        "carrier_service": _choose_service(ctx, rng, lines, as_str(ship_to, "country")),
        "lines": lines,
    }


def _normal_lines(ctx: DayContext, rng: random.Random, cid: str) -> list[Record]:
    wanted = rng.choices(_LINE_COUNTS, _LINE_COUNT_WEIGHTS)[0]
    contract = ctx.orderable_contract.get(cid, [])
    skus: list[str] = []
    for _ in range(wanted * 4):
        if len(skus) == wanted:
            break
        use_contract = contract and rng.random() < _CONTRACT_LINE_SHARE
        sku = rng.choice(contract if use_contract else ctx.orderable)
        if sku not in skus:
            skus.append(sku)
    return [make_line(ctx, rng, cid, no, sku) for no, sku in enumerate(skus, start=1)]


def make_line(ctx: DayContext, rng: random.Random, cid: str, no: int, sku: str,
              quantity: int | None = None) -> Record:
    item = ctx.items[sku]
    return {
        "line_no": no,
        "sku": sku,
        "quantity": quantity or _typical_quantity(rng, item),
        "unit_price": str(ctx.price(cid, sku)),
        "uom": item["uom"],
    }


def _typical_quantity(rng: random.Random, item: Record) -> int:
    weight = as_decimal(item, "weight_kg")
    if weight > 20:
        return rng.randint(1, 2)
    if weight > 5:
        return rng.choice((1, 1, 2, 2, 3, 4, 5))
    choices = {
        "CS": (1, 1, 2, 2, 3, 4, 5, 6, 8, 10),
        "BX": (1, 2, 2, 3, 4, 5, 6, 10, 12, 20),
    }.get(as_str(item, "uom"), (1, 2, 3, 4, 5, 6, 10, 12, 24, 48))
    return rng.choice(choices)


def _pick_channel(ctx: DayContext, rng: random.Random, cid: str) -> str:
    customer = ctx.customers.get(cid)
    segment = as_str(customer, "segment") if customer else "retail"
    return rng.choices(CHANNELS, _CHANNEL_WEIGHTS.get(segment, (1, 1, 1, 1)))[0]


def next_external_id(ctx: DayContext, rng: random.Random, channel: str) -> str:
    n = ctx.next_number(f"channel:{channel}")
    if channel == "edi":
        return f"EDI-850-{ctx.day:%Y%m%d}-{n:05d}"
    if channel == "web":
        return f"WEB-{ctx.day:%y%m%d}-{n:05d}"
    if channel == "field_sales":
        return f"FS-{rng.choice(_SALES_REPS)}-{ctx.day:%y%m%d}-{n:04d}"
    return f"api_{ctx.day:%Y%m%d}_{n:05d}{rng.getrandbits(24):06x}"


def _next_po(ctx: DayContext, cid: str) -> str:
    """Each customer has its own PO style and a number that rises day by day."""
    style_rng = random.Random(f"po:{cid}")
    base = style_rng.randint(200_000, 800_000)
    style = style_rng.randrange(4)
    days = (ctx.day - _PO_EPOCH).days
    seq = base + days * 400 + ctx.next_number(f"po:{cid}")
    if style == 0:
        return f"PO-{seq}"
    if style == 1:
        return f"45{seq:08d}"
    if style == 2:
        return f"{cid[-3:]}-{seq}"
    return str(seq)


def _pick_ship_to(ctx: DayContext, rng: random.Random, cid: str) -> Record:
    book = ctx.address_books.get(cid)
    if book is None:
        book = ctx.address_books[cid] = _address_book(ctx.customers.get(cid), cid)
    return book[0] if rng.random() < 0.6 else rng.choice(book)


def _address_book(customer: Record | None, cid: str) -> list[Record]:
    """1-4 delivery addresses; stable per customer whatever the day's seed."""
    rng = random.Random(f"shipto:{cid}")
    name = as_str(customer, "name") if customer else f"Customer {cid}"
    segment = as_str(customer, "segment") if customer else "retail"
    site = as_str(customer, "preferred_site") if customer else "DAL"
    local = CITIES.get(site, ALL_US_CITIES)
    book = []
    for _ in range(rng.randint(1, 4)):
        city, region, postal = rng.choice(local if rng.random() < 0.8 else ALL_US_CITIES)
        book.append(address(rng, name, segment, (city, region, postal, "US")))
    if rng.random() < 0.06:  # a few customers also ship to Canada or Mexico
        book.append(address(rng, name, segment, rng.choice(FOREIGN_CITIES)))
    return book


def address(rng: random.Random, name: str, segment: str,
            place: tuple[str, str, str, str]) -> Record:
    label = rng.choice(SHIP_TO_LABELS.get(segment, ("Receiving",)))
    city, region, postal, country = place
    return {
        "name": f"{name} - {label.format(n=rng.randint(2, 240))}",
        "line1": f"{rng.randint(100, 9899)} {rng.choice(STREETS)}",
        "city": city,
        "region": region,
        "postal_code": postal,
        "country": country,
    }


def order_weight(ctx: DayContext, lines: list[Record]) -> Decimal:
    total = Decimal("0")
    for line in lines:
        item = ctx.items.get(as_str(line, "sku"))
        if item is not None:
            total += as_decimal(item, "weight_kg") * as_int(line, "quantity")
    return total


def _has_hazmat(ctx: DayContext, lines: list[Record]) -> bool:
    return any(bool(ctx.items.get(as_str(line, "sku"), {}).get("hazmat")) for line in lines)


def _choose_service(
    ctx: DayContext, rng: random.Random, lines: list[Record], country: str
) -> str | None:
    """A service that can legally carry the order, or None (15%: let Shipshape choose)."""
    if rng.random() < _NO_CARRIER_SHARE:
        return None
    weight, hazmat = order_weight(ctx, lines), _has_hazmat(ctx, lines)
    fits = [
        s for s in ctx.services
        if country in s.countries and weight <= s.max_weight_kg
        and (s.hazmat_allowed or not hazmat)
    ]
    parcel = [s for s in fits if s.max_weight_kg <= 100]
    choices = parcel or fits
    return rng.choice(choices).code if choices else None


def refresh_service(ctx: DayContext, rng: random.Random, order: Record) -> None:
    """After the lines changed, pick a service that still fits (keeping None as None)."""
    if order["carrier_service"] is not None:
        ship_to = order["ship_to"]
        assert isinstance(ship_to, dict)
        order["carrier_service"] = _choose_service(
            ctx, rng, as_list(order, "lines"), as_str(ship_to, "country")
        )


def replace_sku(ctx: DayContext, order: Record, line: Record, sku: str) -> None:
    line["sku"] = sku
    line["uom"] = ctx.items[sku]["uom"]
    line["unit_price"] = str(ctx.price(as_str(order, "customer_id"), sku))


def fresh_choice(rng: random.Random, candidates: list[str], order: Record) -> str | None:
    """A SKU from candidates that is not already on the order."""
    present = {as_str(line, "sku") for line in as_list(order, "lines")}
    fresh = [sku for sku in candidates if sku not in present]
    return rng.choice(fresh) if fresh else None

