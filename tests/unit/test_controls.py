"""The built-in control points and the packaged custom policies, one behaviour per test."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shipshape.adapters.rules.zen import ZenPolicyRules
from shipshape.config import PACKAGED_RULES
from shipshape.domain.controls import (
    LotStock,
    OrderContext,
    PastShipDate,
    resolve_service,
    run_controls,
)
from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding, Kind, Severity
from shipshape.domain.masterdata import (
    Carrier,
    CarrierService,
    ContractPrice,
    Customer,
    Item,
    gtin_is_valid,
)
from shipshape.domain.orders import OrderDraft, OrderLine, ShipTo
from shipshape.domain.policy import policy_facts

TODAY = date(2026, 6, 1)
SHIP = date(2026, 6, 10)
FULL_SHIP_TO = ShipTo(name="Acme Dallas", line1="1 Main St", city="Dallas", region="TX",
                      postal_code="75201", country="US")


def gs1_check_digit(body: str) -> str:
    """The GS1 rule: weights 3 and 1 alternate from the rightmost digit of the body."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def with_check_digit(body: str) -> str:
    return body + gs1_check_digit(body)


GOOD_GTIN = with_check_digit("0001234560001")


def draft(**overrides: Any) -> OrderDraft:
    values: dict[str, Any] = {
        "channel": "web", "external_id": "W-1", "customer_id": "C1", "customer_po": "PO-1",
        "requested_ship_date": SHIP, "ship_to": FULL_SHIP_TO, "carrier_service": "UPS:GND",
        "lines": (OrderLine(1, "SKU1", 2, Decimal("10.00"), "EA"),),
    }
    values.update(overrides)
    return OrderDraft(**values)


def customer(**overrides: Any) -> Customer:
    return Customer(**{"id": "C1", "name": "Acme", "credit_limit": Decimal("1000"), **overrides})


def item(sku: str = "SKU1", **overrides: Any) -> Item:
    return Item(**{"sku": sku, "description": "Gloves", "gtin": GOOD_GTIN,
                   "weight_kg": Decimal("1"), **overrides})


def ups(*services: CarrierService) -> Carrier:
    return Carrier("UPS", "UPS", services or (
        CarrierService("GND", Decimal("70"), countries=("US",)),))


def context(**overrides: Any) -> OrderContext:
    values: dict[str, Any] = {
        "draft": draft(), "today": TODAY, "customer": customer(), "items": {"SKU1": item()},
        "prices": {"SKU1": ContractPrice("C1", "SKU1", Decimal("10.00"), "USD", Decimal("2"))},
        "carriers": {"UPS": ups()},
    }
    values.update(overrides)
    return OrderContext(**values)


def codes(ctx: OrderContext) -> list[str]:
    return [f.code for f in run_controls(ctx)]


def only(ctx: OrderContext, code: str) -> Finding:
    found = run_controls(ctx)
    assert [f.code for f in found] == [code]
    return found[0]


def test_a_clean_order_passes_every_control_point() -> None:
    assert run_controls(context()) == []


@pytest.mark.parametrize(("code", "kind", "ctx"), [
    ("INCOMPLETE_SHIP_TO", Kind.DATA_QUALITY,
     context(draft=draft(ship_to=dataclasses.replace(FULL_SHIP_TO, postal_code=None)))),
    ("MISSING_SHIP_DATE", Kind.DATA_QUALITY, context(draft=draft(requested_ship_date=None))),
    ("MISSING_QUANTITY", Kind.DATA_QUALITY,
     context(draft=draft(lines=(OrderLine(1, "SKU1", None, Decimal("10.00")),)))),
    ("UNKNOWN_CUSTOMER", Kind.DATA_QUALITY, context(customer=None, prices={})),
    ("INACTIVE_CUSTOMER", Kind.BUSINESS, context(customer=customer(active=False))),
    ("CREDIT_HOLD", Kind.BUSINESS, context(customer=customer(credit_hold=True))),
    ("UNKNOWN_ITEM", Kind.DATA_QUALITY, context(items={})),
    ("INACTIVE_ITEM", Kind.BUSINESS, context(items={"SKU1": item(active=False)})),
    ("INVALID_GTIN", Kind.DATA_QUALITY,
     context(items={"SKU1": item(gtin=GOOD_GTIN[:-1] + str((int(GOOD_GTIN[-1]) + 1) % 10))})),
])
def test_each_failed_control_point_blocks_with_its_code_and_kind(
    code: str, kind: Kind, ctx: OrderContext
) -> None:
    finding = only(ctx, code)
    assert (finding.severity, finding.kind, finding.blocks) == (Severity.BLOCK, kind, True)


def test_incomplete_ship_to_names_every_missing_field() -> None:
    ship_to = ShipTo(name="Acme", line1=None, city="", postal_code="75201", country=None)
    finding = only(context(draft=draft(ship_to=ship_to, carrier_service=None)),
                   "INCOMPLETE_SHIP_TO")
    assert finding.details["missing"] == ["line1", "city", "country"]


def test_missing_quantity_names_the_lines_without_one() -> None:
    lines = (OrderLine(1, "SKU1", 2, Decimal("10.00")), OrderLine(2, "SKU1", None),
             OrderLine(3, "SKU1", 0))
    finding = only(context(draft=draft(lines=lines)), "MISSING_QUANTITY")
    assert finding.line_nos == (2, 3)


def test_credit_limit_exceeded_when_exposure_plus_order_value_is_over_the_limit() -> None:
    # the order is worth 2 x 10.00 = 20.00
    ctx = context(customer=customer(credit_limit=Decimal("100")), open_exposure=Decimal("80.01"))
    finding = only(ctx, "CREDIT_LIMIT_EXCEEDED")
    assert (finding.severity, finding.kind) == (Severity.BLOCK, Kind.BUSINESS)
    assert finding.owner_team == "credit"


def test_credit_exactly_at_the_limit_passes() -> None:
    ctx = context(customer=customer(credit_limit=Decimal("100")), open_exposure=Decimal("80"))
    assert run_controls(ctx) == []


def test_price_outside_the_contract_tolerance_blocks() -> None:
    # contract 10.00 with 2 % tolerance: anything beyond 9.80 .. 10.20 is a mismatch
    lines = (OrderLine(1, "SKU1", 2, Decimal("10.21")),)
    finding = only(context(draft=draft(lines=lines)), "PRICE_MISMATCH")
    assert (finding.severity, finding.kind, finding.line_nos) == (
        Severity.BLOCK, Kind.BUSINESS, (1,))


@pytest.mark.parametrize("price", ["9.80", "9.95", "10.00", "10.20"])
def test_price_inside_the_contract_tolerance_passes(price: str) -> None:
    lines = (OrderLine(1, "SKU1", 2, Decimal(price)),)
    assert run_controls(context(draft=draft(lines=lines))) == []


@pytest.mark.parametrize("body", ["1234567", "03600029145", "400638133393", "1001234560001"])
def test_gtin_with_the_gs1_check_digit_is_valid(body: str) -> None:
    assert gtin_is_valid(with_check_digit(body))


@pytest.mark.parametrize("body", ["1234567", "03600029145", "400638133393", "1001234560001"])
def test_gtin_with_any_other_check_digit_is_invalid(body: str) -> None:
    right = gs1_check_digit(body)
    assert not any(gtin_is_valid(body + d) for d in "0123456789" if d != right)


@pytest.mark.parametrize("gtin", ["", "1234567", "123456789", "ABCDEFGH", "1234-5670",
                                  "123456789012345"])
def test_gtin_of_the_wrong_shape_is_invalid(gtin: str) -> None:
    assert not gtin_is_valid(gtin)


def test_item_without_gtin_passes() -> None:
    assert run_controls(context(items={"SKU1": item(gtin=None)})) == []


def test_unknown_carrier_service_blocks() -> None:
    finding = only(context(draft=draft(carrier_service="UPS:AIR")), "INVALID_CARRIER_SERVICE")
    assert (finding.severity, finding.kind) == (Severity.BLOCK, Kind.BUSINESS)


def test_unknown_carrier_blocks() -> None:
    assert codes(context(draft=draft(carrier_service="DHL:GND"))) == ["INVALID_CARRIER_SERVICE"]


def test_order_heavier_than_the_service_carries_blocks() -> None:
    lines = (OrderLine(1, "SKU1", 71, Decimal("10.00")),)  # 71 x 1 kg against 70 kg
    assert codes(context(draft=draft(lines=lines))) == ["INVALID_CARRIER_SERVICE"]


def test_order_exactly_at_the_service_weight_limit_passes() -> None:
    lines = (OrderLine(1, "SKU1", 70, Decimal("10.00")),)
    assert run_controls(context(draft=draft(lines=lines))) == []


def test_hazmat_on_a_service_without_hazmat_blocks() -> None:
    ctx = context(items={"SKU1": item(hazmat=True)})
    assert codes(ctx) == ["INVALID_CARRIER_SERVICE"]


def test_hazmat_on_a_hazmat_service_passes() -> None:
    carrier = ups(CarrierService("GND", Decimal("70"), hazmat_allowed=True, countries=("US",)))
    ctx = context(items={"SKU1": item(hazmat=True)}, carriers={"UPS": carrier})
    assert run_controls(ctx) == []


def test_service_that_does_not_serve_the_country_blocks() -> None:
    ship_to = dataclasses.replace(FULL_SHIP_TO, country="CA")
    assert codes(context(draft=draft(ship_to=ship_to))) == ["INVALID_CARRIER_SERVICE"]


def test_every_unfit_reason_is_reported_in_one_finding() -> None:
    ship_to = dataclasses.replace(FULL_SHIP_TO, country="CA")
    lines = (OrderLine(1, "SKU1", 71, Decimal("10.00")),)
    ctx = context(draft=draft(ship_to=ship_to, lines=lines), items={"SKU1": item(hazmat=True)})
    finding = only(ctx, "INVALID_CARRIER_SERVICE")
    assert finding.message.count(";") == 2


def test_service_without_a_country_list_serves_every_country() -> None:
    carrier = ups(CarrierService("GND", Decimal("70")))
    ship_to = dataclasses.replace(FULL_SHIP_TO, country="CA")
    assert run_controls(context(draft=draft(ship_to=ship_to), carriers={"UPS": carrier})) == []


def test_carrier_and_service_code_resolve_to_that_service() -> None:
    ground = CarrierService("GND", Decimal("70"))
    fedex_ground = CarrierService("GND", Decimal("30"))
    carriers = {"UPS": ups(ground), "FDX": Carrier("FDX", "FedEx", (fedex_ground,))}
    assert resolve_service("UPS:GND", carriers) is ground
    assert resolve_service("FDX:GND", carriers) is fedex_ground


def test_bare_service_code_offered_by_one_carrier_resolves() -> None:
    express = CarrierService("EXP", Decimal("30"), countries=("US",))
    carriers = {"UPS": ups(), "FDX": Carrier("FDX", "FedEx", (express,))}
    assert resolve_service("EXP", carriers) is express
    assert run_controls(context(draft=draft(carrier_service="EXP"), carriers=carriers)) == []


def test_bare_service_code_offered_by_two_carriers_is_not_resolved() -> None:
    carriers = {"UPS": ups(), "FDX": Carrier("FDX", "FedEx", (CarrierService("GND"),))}
    assert resolve_service("GND", carriers) is None
    assert codes(context(draft=draft(carrier_service="GND"), carriers=carriers)) == [
        "INVALID_CARRIER_SERVICE"]


def test_order_without_carrier_service_skips_the_carrier_check() -> None:
    assert run_controls(context(draft=draft(carrier_service=None), carriers={})) == []


def shelf_life_context(days: int, *lots: LotStock, quantity: int = 10) -> OrderContext:
    lines = (OrderLine(1, "SKU1", quantity, Decimal("10.00")),)
    return context(draft=draft(lines=lines, carrier_service=None),
                   customer=customer(min_remaining_shelf_life_days=days),
                   items={"SKU1": item(lot_controlled=True)}, lots={"SKU1": lots})


def test_lots_expiring_before_the_required_shelf_life_block() -> None:
    too_soon = SHIP + timedelta(days=29)
    finding = only(shelf_life_context(30, LotStock(too_soon, 100)), "SHELF_LIFE_UNSATISFIABLE")
    assert (finding.severity, finding.kind, finding.line_nos) == (
        Severity.BLOCK, Kind.BUSINESS, (1,))
    assert finding.details["fresh_quantity"] == 0


def test_lots_keeping_exactly_the_required_shelf_life_pass() -> None:
    assert run_controls(shelf_life_context(30, LotStock(SHIP + timedelta(days=30), 10))) == []


def test_shelf_life_counts_only_the_fresh_lots_towards_the_quantity() -> None:
    fresh, stale = SHIP + timedelta(days=60), SHIP + timedelta(days=5)
    ctx = shelf_life_context(30, LotStock(fresh, 6), LotStock(None, 3), LotStock(stale, 50))
    finding = only(ctx, "SHELF_LIFE_UNSATISFIABLE")
    assert finding.details["fresh_quantity"] == 9


def test_shelf_life_is_measured_from_today_when_no_ship_date_is_given() -> None:
    lines = (OrderLine(1, "SKU1", 1, Decimal("10.00")),)
    ctx = context(draft=draft(lines=lines, carrier_service=None, requested_ship_date=None),
                  customer=customer(min_remaining_shelf_life_days=5),
                  items={"SKU1": item(lot_controlled=True)},
                  lots={"SKU1": [LotStock(TODAY + timedelta(days=4), 100)]})
    assert sorted(codes(ctx)) == ["MISSING_SHIP_DATE", "SHELF_LIFE_UNSATISFIABLE"]


def test_customer_without_a_shelf_life_requirement_accepts_any_lot() -> None:
    assert run_controls(shelf_life_context(0, LotStock(TODAY - timedelta(days=1), 100))) == []


@pytest.fixture(scope="module")
def packaged_rules() -> ZenPolicyRules:
    return ZenPolicyRules(PACKAGED_RULES)


def test_edi_order_without_po_is_blocked_by_the_packaged_policy(
    packaged_rules: ZenPolicyRules,
) -> None:
    ctx = context(draft=draft(channel="edi", customer_po=None))
    found = packaged_rules.evaluate(policy_facts(ctx))
    assert [(f.code, f.severity, f.kind) for f in found] == [
        ("MISSING_CUSTOMER_PO", Severity.BLOCK, Kind.DATA_QUALITY)]
    assert found[0].rule.startswith("order_policies@")


@pytest.mark.parametrize("channel", ["web", "edi"])
def test_order_with_po_has_no_packaged_policy_findings(
    packaged_rules: ZenPolicyRules, channel: str
) -> None:
    assert packaged_rules.evaluate(policy_facts(context(draft=draft(channel=channel)))) == []


def test_web_order_without_po_has_no_packaged_policy_findings(
    packaged_rules: ZenPolicyRules,
) -> None:
    ctx = context(draft=draft(customer_po=None))
    assert packaged_rules.evaluate(policy_facts(ctx)) == []


def test_rule_version_names_each_file_with_a_digest_of_its_content(
    packaged_rules: ZenPolicyRules, tmp_path: Path
) -> None:
    name, _, digest = packaged_rules.version.partition("@")
    assert name == "order_policies"
    assert len(digest) >= 8 and all(c in "0123456789abcdef" for c in digest)
    copy = tmp_path / "rules"
    shutil.copytree(PACKAGED_RULES, copy)
    assert ZenPolicyRules(copy).version == packaged_rules.version
    table = copy / "order_policies.json"
    table.write_text(table.read_text(encoding="utf-8").replace("20000", "25000"),
                     encoding="utf-8")
    changed = ZenPolicyRules(copy).version
    assert changed.startswith("order_policies@")
    assert changed != packaged_rules.version


def test_rules_folder_with_a_broken_json_file_is_refused(tmp_path: Path) -> None:
    shutil.copy(PACKAGED_RULES / "order_policies.json", tmp_path / "order_policies.json")
    (tmp_path / "zz_broken.json").write_text('{"nodes": [', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"zz_broken\.json"):
        ZenPolicyRules(tmp_path)


def test_a_ship_date_before_today_is_a_warning_by_default() -> None:
    finding = only(context(draft=draft(requested_ship_date=TODAY - timedelta(days=1))),
                   "SHIP_DATE_IN_PAST")
    assert finding.severity is Severity.WARN
    assert finding.details["requested_ship_date"] == "2026-05-31"


def test_a_ship_date_before_today_holds_the_order_when_the_setting_says_hold() -> None:
    ctx = context(draft=draft(requested_ship_date=TODAY - timedelta(days=30)),
                  past_ship_date=PastShipDate.HOLD)
    assert only(ctx, "SHIP_DATE_IN_PAST").blocks


@pytest.mark.parametrize("ship", [TODAY, TODAY + timedelta(days=1), None])
def test_today_a_later_day_or_no_date_is_not_in_the_past(ship: date | None) -> None:
    ctx = context(draft=draft(requested_ship_date=ship), past_ship_date=PastShipDate.HOLD)
    assert "SHIP_DATE_IN_PAST" not in codes(ctx)
