"""The synthetic sample distributor and sample day behave as the demo relies on."""

from __future__ import annotations

import datetime
import json
import random
import re
from collections import Counter, defaultdict
from decimal import Decimal
from functools import cache

from shipshape.sim.sample import sample_day, sample_masterdata

MONEY = re.compile(r"^\d+\.\d{2}$")
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
DAY = datetime.date(2026, 11, 30)


def gs1_check_digit_ok(gtin: str) -> bool:
    """GS1 mod-10: from the right, body digits weigh 3, 1, 3, ...; the total plus the
    check digit must be a multiple of 10."""
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (total + check) % 10 == 0


@cache
def _masterdata_json() -> str:
    return json.dumps(sample_masterdata(day=DAY))


@cache
def _day_json() -> str:
    return json.dumps(sample_day(json.loads(_masterdata_json()), day=DAY))


def masterdata() -> dict:
    return json.loads(_masterdata_json())


def day() -> list[dict]:
    return json.loads(_day_json())


# ------------------------------------------------------------------ master data


def test_check_digit_helper_agrees_with_known_gtins() -> None:
    assert gs1_check_digit_ok("00036000291452")  # UPC-A 036000291452, padded to 14
    assert gs1_check_digit_ok("04006381333931")  # EAN-13 4006381333931, padded to 14
    assert not gs1_check_digit_ok("00036000291453")


def test_masterdata_counts() -> None:
    md = masterdata()
    assert len(md["sites"]) == 3
    assert len(md["customers"]) == 200
    assert len(md["items"]) >= 500
    assert 3 <= len(md["carriers"]) <= 4
    assert 2000 <= len(md["receipts"]) <= 6000
    assert {s["id"] for s in md["sites"]} == {"DAL", "ATL", "RNO"}


def test_record_shapes() -> None:
    md = masterdata()
    assert set(md["customers"][0]) == {
        "id", "name", "active", "segment", "priority", "credit_limit", "credit_hold",
        "payment_terms", "allow_split", "allow_substitutes", "preferred_site",
        "min_remaining_shelf_life_days",
    }
    assert set(md["items"][0]) == {
        "sku", "description", "gtin", "active", "uom", "weight_kg", "hazmat",
        "lot_controlled", "substitutes",
    }
    assert set(md["prices"][0]) == {"customer_id", "sku", "unit_price", "currency", "tolerance_pct"}
    assert set(md["receipts"][0]) == {"site_id", "sku", "quantity", "lot", "expiry"}
    assert all(set(s) == {"id", "name", "country", "postal_code"} for s in md["sites"])


def test_ids_are_unique() -> None:
    md = masterdata()
    assert len({c["id"] for c in md["customers"]}) == len(md["customers"])
    assert len({i["sku"] for i in md["items"]}) == len(md["items"])
    assert len({i["gtin"] for i in md["items"]}) == len(md["items"])
    assert len({i["description"] for i in md["items"]}) == len(md["items"])


def test_every_gtin_but_three_deliberately_bad_ones_has_a_valid_check_digit() -> None:
    gtins = [i["gtin"] for i in masterdata()["items"]]
    assert all(len(g) == 14 and g.isdigit() for g in gtins)
    bad = [g for g in gtins if not gs1_check_digit_ok(g)]
    assert len(bad) == 3


def test_customer_attributes_are_in_range() -> None:
    md = masterdata()
    customers = md["customers"]
    sites = {s["id"] for s in md["sites"]}
    segments = {"retail", "grocery", "healthcare", "industrial", "ecommerce"}
    for c in customers:
        assert c["segment"] in segments
        assert c["priority"] in {"strategic", "standard"}
        assert MONEY.match(c["credit_limit"])
        assert Decimal("5000") <= Decimal(c["credit_limit"]) <= Decimal("500000")
        assert c["preferred_site"] in sites
        shelf = c["min_remaining_shelf_life_days"]
        assert shelf == 0 or (30 <= shelf <= 120 and c["segment"] in {"grocery", "healthcare"})
    assert 10 <= sum(c["priority"] == "strategic" for c in customers) <= 30
    assert 1 <= sum(not c["active"] for c in customers) <= 10
    assert 1 <= sum(c["credit_hold"] for c in customers) <= 12


def test_item_attributes_are_in_range() -> None:
    items = masterdata()["items"]
    skus = {i["sku"] for i in items}
    for item in items:
        assert item["uom"] in {"EA", "CS", "BX"}
        assert DECIMAL.match(item["weight_kg"]) and Decimal(item["weight_kg"]) > 0
        assert len(item["substitutes"]) <= 2
        assert all(s in skus and s != item["sku"] for s in item["substitutes"])
    n = len(items)
    assert 0.01 * n <= sum(i["hazmat"] for i in items) <= 0.08 * n
    assert 0.15 * n <= sum(i["lot_controlled"] for i in items) <= 0.35 * n
    assert 1 <= sum(not i["active"] for i in items) <= 0.05 * n
    assert 0.08 * n <= sum(bool(i["substitutes"]) for i in items) <= 0.25 * n


def test_every_price_references_an_existing_customer_and_sku() -> None:
    md = masterdata()
    customers = {c["id"] for c in md["customers"]}
    skus = {i["sku"] for i in md["items"]}
    per_customer: Counter[str] = Counter()
    for price in md["prices"]:
        assert price["customer_id"] in customers
        assert price["sku"] in skus
        assert MONEY.match(price["unit_price"]) and Decimal(price["unit_price"]) > 0
        assert price["currency"] == "USD"
        assert DECIMAL.match(price["tolerance_pct"])
        per_customer[price["customer_id"]] += 1
    assert set(per_customer) == customers
    assert all(20 <= count <= 60 for count in per_customer.values())
    assert len({(p["customer_id"], p["sku"]) for p in md["prices"]}) == len(md["prices"])


def test_carriers_cover_hazmat_heavy_freight_and_export() -> None:
    services = [s for c in masterdata()["carriers"] for s in c["services"]]
    assert any(s["hazmat_allowed"] for s in services)
    assert any(not s["hazmat_allowed"] for s in services)
    assert any(Decimal(s["max_weight_kg"]) >= 1000 for s in services)
    assert any(set(s["countries"]) - {"US", "CA"} for s in services)


def test_receipts_reference_sites_and_items_and_lots_follow_lot_control() -> None:
    md = masterdata()
    sites = {s["id"] for s in md["sites"]}
    items = {i["sku"]: i for i in md["items"]}
    for r in md["receipts"]:
        assert r["site_id"] in sites
        assert r["sku"] in items
        assert isinstance(r["quantity"], int) and r["quantity"] > 0
        if items[r["sku"]]["lot_controlled"]:
            assert r["lot"] and datetime.date.fromisoformat(r["expiry"])
        else:
            assert r["lot"] is None and r["expiry"] is None


def test_stock_is_uneven_enough_for_stock_outs_and_shelf_life_problems() -> None:
    md = masterdata()
    stock: Counter[str] = Counter()
    sites_per_sku: defaultdict[str, set[str]] = defaultdict(set)
    for r in md["receipts"]:
        stock[r["sku"]] += r["quantity"]
        sites_per_sku[r["sku"]].add(r["site_id"])
    active = [i["sku"] for i in md["items"] if i["active"]]
    assert sum(1 for sku in active if stock[sku] < 30) >= 10  # scarce or never received
    assert any(len(sites) < 3 for sites in sites_per_sku.values())
    expiries = [datetime.date.fromisoformat(r["expiry"]) for r in md["receipts"] if r["expiry"]]
    near = [e for e in expiries if e < DAY + datetime.timedelta(days=60)]
    assert near and len(near) < len(expiries) / 2


def expiry_profile(md: dict, day: datetime.date) -> Counter[str]:
    """How many lots are expired, near expiry (under 61 days left) or fresh on ``day``."""
    profile: Counter[str] = Counter()
    for r in md["receipts"]:
        if r["expiry"] is not None:
            left = (datetime.date.fromisoformat(r["expiry"]) - day).days
            profile["expired" if left < 0 else "near" if left <= 60 else "fresh"] += 1
    return profile


def test_expiries_are_relative_to_the_day() -> None:
    early, late = datetime.date(2026, 11, 30), datetime.date(2031, 6, 15)
    at_early = expiry_profile(sample_masterdata(7, early), early)
    at_late = expiry_profile(sample_masterdata(7, late), late)
    assert at_early == at_late
    assert at_early["expired"] > 0 and at_early["near"] > 0 and at_early["fresh"] > 0


def test_the_day_defaults_to_today() -> None:
    before = datetime.date.today()
    orders = sample_day(masterdata(), orders=50)
    after = datetime.date.today()
    for order in orders:
        if order["requested_ship_date"] is not None:
            ship = datetime.date.fromisoformat(order["requested_ship_date"])
            assert before + datetime.timedelta(days=1) <= ship <= after + datetime.timedelta(days=5)
    if before == after:
        assert sample_masterdata(7) == sample_masterdata(7, before)


def test_masterdata_is_deterministic_and_seeded() -> None:
    assert sample_masterdata(7, DAY) == sample_masterdata(7, DAY)
    assert sample_masterdata(7, DAY) != sample_masterdata(8, DAY)
    assert sample_masterdata(7, DAY) != sample_masterdata(7, DAY + datetime.timedelta(days=1))


def test_masterdata_survives_a_json_round_trip() -> None:
    md = sample_masterdata()
    assert json.loads(json.dumps(md)) == md


# ------------------------------------------------------------------ the day


def test_day_has_the_requested_number_of_canonical_orders() -> None:
    md = masterdata()
    orders = day()
    assert len(orders) == 3000
    start = DAY
    for order in orders:
        assert set(order) == {
            "channel", "external_id", "customer_id", "customer_po", "requested_ship_date",
            "ship_to", "carrier_service", "lines",
        }
        assert order["channel"] in {"web", "edi", "field_sales", "api"}
        assert set(order["ship_to"]) == {"name", "line1", "city", "region", "postal_code",
                                         "country"}
        if order["requested_ship_date"] is not None:
            days = (datetime.date.fromisoformat(order["requested_ship_date"]) - start).days
            assert 1 <= days <= 5
        assert order["carrier_service"] is None or ":" in order["carrier_service"]
        assert order["lines"]
        for no, line in enumerate(order["lines"], start=1):
            assert line["line_no"] == no
            assert isinstance(line["quantity"], int) and line["quantity"] >= 1
            assert MONEY.match(line["unit_price"])
            assert line["uom"] in {"EA", "CS", "BX"}
    share_small = sum(len(o["lines"]) <= 5 for o in orders) / len(orders)
    assert share_small > 0.85
    assert len(md["customers"]) == 200  # untouched


def test_day_is_deterministic_and_seeded() -> None:
    md = masterdata()

    def run(seed: int, day: datetime.date) -> list[dict]:
        return sample_day(md, orders=300, seed=seed, day=day)

    assert run(3, DAY) == run(3, DAY)
    assert run(3, DAY) != run(4, DAY)
    assert run(3, DAY) != run(3, DAY + datetime.timedelta(days=1))


def test_day_survives_a_json_round_trip() -> None:
    orders = sample_day(sample_masterdata(), orders=500)
    assert json.loads(json.dumps(orders)) == orders


def test_day_uses_the_given_date() -> None:
    orders = sample_day(sample_masterdata(), orders=50, day=datetime.date(2027, 3, 1))
    dates = {o["requested_ship_date"] for o in orders} - {None}
    assert dates <= {f"2027-03-0{d}" for d in range(2, 7)}


def test_clean_lines_mostly_use_contract_prices() -> None:
    md = masterdata()
    prices = {(p["customer_id"], p["sku"]): p["unit_price"] for p in md["prices"]}
    lines = [(o["customer_id"], line) for o in day() for line in o["lines"]]
    at_contract = sum(prices.get((cid, line["sku"])) == line["unit_price"] for cid, line in lines)
    assert at_contract / len(lines) > 0.7


def test_day_has_cross_channel_duplicates() -> None:
    channels: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for order in day():
        channels[(order["customer_id"], order["customer_po"])].add(order["channel"])
    assert any(len(seen) > 1 for seen in channels.values())


def test_external_ids_are_unique_per_channel_except_exact_replays() -> None:
    orders = day()
    by_id: defaultdict[tuple[str, str], list[dict]] = defaultdict(list)
    for order in orders:
        by_id[(order["channel"], order["external_id"])].append(order)
    repeated = [group for group in by_id.values() if len(group) > 1]
    assert repeated, "expected a few deliberate replays"
    assert sum(len(g) - 1 for g in repeated) <= 0.02 * len(orders)
    for group in repeated:
        assert all(order == group[0] for order in group)


def test_day_has_unknown_skus_and_customers() -> None:
    md = masterdata()
    skus = {i["sku"] for i in md["items"]}
    customers = {c["id"] for c in md["customers"]}
    orders = day()
    assert any(line["sku"] not in skus for o in orders for line in o["lines"])
    assert any(o["customer_id"] not in customers for o in orders)


def test_day_has_the_other_faults_in_small_shares() -> None:
    md = masterdata()
    orders = day()
    n = len(orders)
    customers = {c["id"]: c for c in md["customers"]}
    items = {i["sku"]: i for i in md["items"]}
    stock: Counter[str] = Counter()
    for r in md["receipts"]:
        stock[r["sku"]] += r["quantity"]
    services = {f"{c['code']}:{s['code']}" for c in md["carriers"] for s in c["services"]}

    def share(test) -> float:
        return sum(1 for o in orders if test(o)) / n

    def known(o: dict) -> dict | None:
        return customers.get(o["customer_id"])

    def has_line(o: dict, test) -> bool:
        return any(test(line) for line in o["lines"])

    assert 0 < share(lambda o: (c := known(o)) is not None and c["credit_hold"]) < 0.05
    assert 0 < share(lambda o: (c := known(o)) is not None and not c["active"]) < 0.02
    assert 0 < share(lambda o: has_line(o, lambda ln: ln["sku"] in items
                                        and not items[ln["sku"]]["active"])) < 0.02
    assert 0 < share(lambda o: has_line(o, lambda ln: ln["sku"] in items
                                        and ln["quantity"] > stock[ln["sku"]])) < 0.06
    assert 0 < share(lambda o: o["ship_to"]["postal_code"] is None
                     or o["ship_to"]["line1"] is None) < 0.05
    assert 0 < share(lambda o: o["requested_ship_date"] is None) < 0.01
    assert 0 < share(lambda o: o["carrier_service"] is not None
                     and o["carrier_service"] not in services) < 0.03


def test_day_has_price_mismatches_beyond_tolerance() -> None:
    md = masterdata()
    contract = {(p["customer_id"], p["sku"]): p for p in md["prices"]}
    off = 0
    for order in day():
        for line in order["lines"]:
            price = contract.get((order["customer_id"], line["sku"]))
            if price is None:
                continue
            agreed = Decimal(price["unit_price"])
            deviation = abs(Decimal(line["unit_price"]) - agreed) / agreed * 100
            off += deviation > Decimal(price["tolerance_pct"])
    assert 0 < off < 0.06 * 3000


def test_day_has_credit_limit_breaches() -> None:
    customers = {c["id"]: c for c in masterdata()["customers"]}
    breaches = [
        o for o in day()
        if o["customer_id"] in customers
        and sum(Decimal(ln["unit_price"]) * ln["quantity"] for ln in o["lines"])
        > Decimal(customers[o["customer_id"]]["credit_limit"])
    ]
    assert 0 < len(breaches) < 0.03 * 3000


def test_day_has_possible_duplicates_with_a_new_po() -> None:
    seen: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for order in day():
        signature = json.dumps(sorted((ln["sku"], ln["quantity"]) for ln in order["lines"]))
        seen[(order["customer_id"], signature)].add(order["customer_po"])
    assert any(len(pos) > 1 for pos in seen.values())


def test_day_has_hazmat_on_a_service_that_refuses_it() -> None:
    md = masterdata()
    hazmat = {i["sku"] for i in md["items"] if i["hazmat"]}
    refusing = {
        f"{c['code']}:{s['code']}"
        for c in md["carriers"] for s in c["services"] if not s["hazmat_allowed"]
    }
    assert any(
        o["carrier_service"] in refusing and any(ln["sku"] in hazmat for ln in o["lines"])
        for o in day()
    )


def test_generation_leaves_the_global_random_alone() -> None:
    random.seed(1)
    expected = random.random()
    random.seed(1)
    sample_day(sample_masterdata(), orders=100)
    assert random.random() == expected
