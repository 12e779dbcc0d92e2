"""Carrier selection: the fallback chain from the decision table, eligibility and preference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shipshape.adapters.rules.carriers import ZenCarrierRules
from shipshape.config import PACKAGED_RULES
from shipshape.domain import carriers as cr
from shipshape.domain.masterdata import Carrier, CarrierService

CARRIERS = {
    "UPS": Carrier("UPS", "UPS", (CarrierService("GND", Decimal(70), False, ("US",)),
                                  CarrierService("2DA", Decimal(70), False, ("US",)))),
    "FDX": Carrier("FDX", "FedEx", (CarrierService("GRD", Decimal(68), True, ("US", "CA")),)),
    "LTL": Carrier("LTL", "Freight", (CarrierService("STD", None, True, ()),)),
}


def shipment(weight: str = "10", hazmat: bool = False, country: str = "US",
             level: str = cr.STANDARD, preferred: str | None = None) -> cr.Shipment:
    return cr.Shipment(Decimal(weight), hazmat, country, level, preferred)


def chain(s: cr.Shipment, *candidates: tuple[str, int]) -> list[str]:
    return cr.fallback_chain(s, [cr.Candidate(name, rank) for name, rank in candidates],
                             CARRIERS)


def test_candidates_come_in_rank_order_and_unknown_services_are_dropped() -> None:
    assert chain(shipment(), ("FDX:GRD", 40), ("DHL:INTL", 5), ("UPS:GND", 30),
                 ("UPS:NOPE", 1)) == ["UPS:GND", "FDX:GRD"]


def test_unfit_services_are_dropped_by_weight_hazmat_and_destination() -> None:
    candidates = [("UPS:GND", 1), ("FDX:GRD", 2), ("LTL:STD", 3)]
    assert chain(shipment(weight="69"), *candidates) == ["UPS:GND", "LTL:STD"]
    assert chain(shipment(weight="71"), *candidates) == ["LTL:STD"]
    assert chain(shipment(hazmat=True), *candidates) == ["FDX:GRD", "LTL:STD"]
    assert chain(shipment(country="CA"), *candidates) == ["FDX:GRD", "LTL:STD"]
    assert chain(shipment(country="DE"), *candidates) == ["LTL:STD"]


def test_the_eligible_preference_comes_first_once() -> None:
    candidates = [("UPS:GND", 1), ("FDX:GRD", 2)]
    assert chain(shipment(preferred="FDX:GRD"), *candidates) == ["FDX:GRD", "UPS:GND"]
    assert chain(shipment(preferred="GRD"), *candidates) == ["FDX:GRD", "UPS:GND"]
    assert chain(shipment(hazmat=True, preferred="UPS:GND"), *candidates) == ["FDX:GRD"]
    assert chain(shipment(preferred="XYZ:FAST"), *candidates) == ["UPS:GND", "FDX:GRD"]


def test_service_level_is_expedited_for_strategic_customers_and_near_ship_dates() -> None:
    today = date(2026, 11, 27)
    assert cr.service_level("strategic", date(2026, 12, 20), today) == cr.EXPEDITED
    assert cr.service_level("standard", date(2026, 11, 28), today) == cr.EXPEDITED
    assert cr.service_level("standard", date(2026, 12, 1), today) == cr.STANDARD
    assert cr.service_level(None, None, today) == cr.STANDARD


def test_the_packaged_table_ranks_expedited_services_before_ground() -> None:
    rules = ZenCarrierRules(PACKAGED_RULES / "carriers" / "carrier_selection.json")
    assert rules.version.startswith("carrier_selection@")
    standard = shipment(weight="10")
    assert chain(standard, *[(c.service, c.rank) for c in rules.candidates(
        standard.facts())]) == ["UPS:GND", "FDX:GRD"]
    fast = shipment(weight="10", level=cr.EXPEDITED)
    assert chain(fast, *[(c.service, c.rank) for c in rules.candidates(fast.facts())]) == [
        "UPS:2DA", "UPS:GND", "FDX:GRD"]
    heavy = shipment(weight="120", preferred="UPS:GND")
    assert chain(heavy, *[(c.service, c.rank) for c in rules.candidates(heavy.facts())]) == [
        "LTL:STD"]
