"""Master data: sites, customers, items, contract prices, carriers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache


class Priority(StrEnum):
    STRATEGIC = "strategic"
    STANDARD = "standard"
    LOW = "low"


PRIORITY_RANK = {Priority.STRATEGIC: 0, Priority.STANDARD: 1, Priority.LOW: 2}


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    country: str
    postal_code: str
    line1: str | None = None
    city: str | None = None
    region: str | None = None
    """The street address: the ship-from of shipping documents (856 N1*SF N3/N4)."""


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    active: bool = True
    segment: str = "standard"
    priority: str = Priority.STANDARD
    credit_limit: Decimal = Decimal("0")
    credit_hold: bool = False
    payment_terms: str = "NET30"
    allow_split: bool = False
    allow_substitutes: bool = False
    preferred_site: str | None = None
    min_remaining_shelf_life_days: int = 0

    @property
    def priority_rank(self) -> int:
        try:
            return PRIORITY_RANK[Priority(self.priority)]
        except ValueError:
            return PRIORITY_RANK[Priority.STANDARD]


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    description: str
    gtin: str | None = None
    active: bool = True
    uom: str = "EA"
    weight_kg: Decimal = Decimal("0")
    hazmat: bool = False
    lot_controlled: bool = False
    substitutes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContractPrice:
    customer_id: str
    sku: str
    unit_price: Decimal
    currency: str = "USD"
    tolerance_pct: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class CarrierService:
    code: str
    max_weight_kg: Decimal | None = None
    hazmat_allowed: bool = False
    countries: tuple[str, ...] = ()
    transit_days: int | None = None
    """Calendar days from shipping to delivery; None: the promise's default."""

    def serves(self, country: str) -> bool:
        return not self.countries or country.upper() in self.countries


@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    name: str
    services: tuple[CarrierService, ...] = field(default_factory=tuple)

    def service(self, code: str) -> CarrierService | None:
        return next((s for s in self.services if s.code == code), None)


@lru_cache(maxsize=16384)
def gtin_is_valid(gtin: str) -> bool:
    """GS1 mod-10 check for GTIN-8, -12, -13 and -14."""
    if not (gtin.isascii() and gtin.isdigit()) or len(gtin) not in (8, 12, 13, 14):
        return False
    # weights 3, 1, 3, ... from the digit next to the check digit leftwards
    body = [int(d) for d in reversed(gtin[:-1])]
    total = 3 * sum(body[0::2]) + sum(body[1::2])
    return (10 - total % 10) % 10 == int(gtin[-1])
