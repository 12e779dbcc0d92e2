"""Pydantic models at the edge: what the API and the bulk files accept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shipshape.domain import bounds
from shipshape.domain.masterdata import (
    Carrier,
    CarrierService,
    ContractPrice,
    Customer,
    Item,
    Site,
)
from shipshape.domain.orders import OrderDraft, OrderLine, ShipTo
from shipshape.domain.partners import TradingPartner
from shipshape.services import release
from shipshape.services.masterdata import StockMovement


def _fit_text(layout: bool) -> Callable[[str], str]:
    """A check refusing control characters (but tabs and line breaks when `layout`) and lone
    surrogates: text the store could not keep, or that would forge lines in logs and files."""
    def check(value: str) -> str:
        problem = bounds.text_problem(value, len(value), layout)
        if problem:
            raise ValueError(problem)
        return value
    return check


def _supported(value: date) -> date:
    if not bounds.date_supported(value):
        raise ValueError(bounds.unsupported_date(value))
    return value


PLAIN = AfterValidator(_fit_text(layout=False))
PROSE = AfterValidator(_fit_text(layout=True))
Text = Annotated[str, Field(min_length=1, max_length=200), PLAIN]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-/]+$")]
Country = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=bounds.MONEY_DIGITS,
                                 decimal_places=bounds.MONEY_PLACES)]
Day = Annotated[date, AfterValidator(_supported)]
"""A date within `bounds.EARLIEST_DATE` and `bounds.LATEST_DATE`, the dates Shipshape computes
with; others are refused at the edge."""


class Edge(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SiteIn(Edge):
    name: Text
    country: Country
    postal_code: Annotated[str, Field(min_length=1, max_length=20), PLAIN]

    def to_domain(self, site_id: str) -> Site:
        return Site(site_id, self.name, self.country.upper(), self.postal_code)


class CustomerIn(Edge):
    name: Text
    active: bool = True
    segment: Annotated[str, Field(min_length=1, max_length=40), PLAIN] = "standard"
    priority: Literal["strategic", "standard", "low"] = "standard"
    credit_limit: Money = Decimal("0")
    credit_hold: bool = False
    payment_terms: Annotated[str, Field(min_length=1, max_length=40), PLAIN] = "NET30"
    allow_split: bool = False
    allow_substitutes: bool = False
    preferred_site: Code | None = None
    min_remaining_shelf_life_days: Annotated[int, Field(ge=0, le=3650)] = 0

    def to_domain(self, customer_id: str) -> Customer:
        return Customer(id=customer_id, **self.model_dump())


class ItemIn(Edge):
    description: Annotated[str, Field(min_length=1, max_length=400), PROSE]
    gtin: Annotated[str, Field(pattern=r"^[0-9]{8,14}$")] | None = None
    active: bool = True
    uom: Annotated[str, Field(min_length=1, max_length=10), PLAIN] = "EA"
    weight_kg: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)] = Decimal("0")
    hazmat: bool = False
    lot_controlled: bool = False
    substitutes: Annotated[list[Code], Field(max_length=100)] = []

    def to_domain(self, sku: str) -> Item:
        return Item(sku=sku, **{**self.model_dump(), "substitutes": tuple(self.substitutes)})


class PriceIn(Edge):
    unit_price: Money
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    tolerance_pct: Annotated[Decimal, Field(ge=0, le=100, decimal_places=bounds.MONEY_PLACES)] = (
        Decimal("0"))

    def to_domain(self, customer_id: str, sku: str) -> ContractPrice:
        return ContractPrice(customer_id, sku, **self.model_dump())


class ServiceIn(Edge):
    code: Code
    max_weight_kg: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)] | None = None
    hazmat_allowed: bool = False
    countries: Annotated[list[Country], Field(max_length=250)] = []


class CarrierIn(Edge):
    name: Text
    services: Annotated[list[ServiceIn], Field(min_length=1, max_length=100)]

    def to_domain(self, code: str) -> Carrier:
        return Carrier(code, self.name, tuple(
            CarrierService(s.code, s.max_weight_kg, s.hazmat_allowed,
                           tuple(c.upper() for c in s.countries)) for s in self.services))


class StockMovementIn(Edge):
    site: Code
    sku: Code
    quantity: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)]
    lot: Annotated[str, Field(max_length=60), PLAIN] | None = None
    expiry: Day | None = None
    reason: Annotated[str, Field(max_length=200), PROSE] = ""

    def to_domain(self) -> StockMovement:
        return StockMovement(**self.model_dump())


class ShipToIn(Edge):
    name: Annotated[str, Field(max_length=200), PLAIN] | None = None
    line1: Annotated[str, Field(max_length=200), PLAIN] | None = None
    city: Annotated[str, Field(max_length=100), PLAIN] | None = None
    region: Annotated[str, Field(max_length=100), PLAIN] | None = None
    postal_code: Annotated[str, Field(max_length=20), PLAIN] | None = None
    country: Country | None = None


class LineIn(Edge):
    line_no: Annotated[int, Field(ge=1, le=100_000)]
    sku: Code
    quantity: Annotated[int, Field(ge=0, le=bounds.MAX_QUANTITY)] | None = None
    unit_price: Money | None = None
    uom: Annotated[str, Field(max_length=10), PLAIN] | None = None


class OrderIn(Edge):
    channel: Literal["web", "edi", "field_sales", "api"]
    external_id: Annotated[str, Field(min_length=1, max_length=100), PLAIN]
    customer_id: Code
    customer_po: Annotated[str, Field(max_length=100), PLAIN] | None = None
    requested_ship_date: Day | None = None
    ship_to: ShipToIn
    carrier_service: Annotated[str, Field(max_length=60), PLAIN] | None = None
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=bounds.MAX_LINES)]

    @field_validator("lines")
    @classmethod
    def _unique_line_numbers(cls, lines: list[LineIn]) -> list[LineIn]:
        seen = [line.line_no for line in lines]
        if len(seen) != len(set(seen)):
            raise ValueError("line_no values must be unique within an order")
        return lines

    @field_validator("lines")
    @classmethod
    def _value_kept(cls, lines: list[LineIn]) -> list[LineIn]:
        value = sum((ln.unit_price * ln.quantity for ln in lines
                     if ln.unit_price is not None and ln.quantity is not None), Decimal(0))
        if value > bounds.MAX_AMOUNT:
            raise ValueError(f"the order's value {value} is over {bounds.MAX_AMOUNT}, "
                             "the largest amount Shipshape keeps")
        return lines

    def to_domain(self) -> OrderDraft:
        ship_to = self.ship_to.model_dump()
        if ship_to["country"]:
            ship_to["country"] = ship_to["country"].upper()
        return OrderDraft(
            channel=self.channel, external_id=self.external_id, customer_id=self.customer_id,
            customer_po=self.customer_po or None, requested_ship_date=self.requested_ship_date,
            ship_to=ShipTo(**ship_to), carrier_service=self.carrier_service or None,
            lines=tuple(OrderLine(ln.line_no, ln.sku, ln.quantity, ln.unit_price, ln.uom)
                        for ln in self.lines))


class IntakeOut(BaseModel):
    order_id: str | None
    status: Literal["accepted", "held", "duplicate"]
    findings: list[dict[str, object]]
    reservations: list[dict[str, object]]
    cases: list[str] = []
    duplicate_of: str | None = None
    rule_version: str | None = None


class PartnerIn(Edge):
    """A trading-partner profile, as `shipshape partners load` reads it."""

    id: Code
    customer_id: Code
    isa_qualifier: Annotated[str, Field(min_length=2, max_length=2)] = "ZZ"
    isa_id: Annotated[str, Field(max_length=15), PLAIN] = ""
    gs_code: Annotated[str, Field(max_length=15), PLAIN] = ""
    edifact_id: Annotated[str, Field(max_length=35), PLAIN] = ""
    x12_version: Annotated[str, Field(pattern=r"^00[0-9]{4}[A-Z]*$")] = "004010"
    acknowledgements: list[Literal["997", "TA1", "855", "CONTRL", "APERAK"]] = [
        "997", "TA1", "855", "CONTRL", "APERAK"]
    item_id_preference: list[Literal["VN", "BP", "IN", "UP", "EN"]] = [
        "VN", "BP", "IN", "UP", "EN"]
    item_xref: dict[str, Code] = {}
    duplicate_window_days: Annotated[int, Field(ge=0, le=3650)] = 30
    element_separator: Annotated[str, Field(min_length=1, max_length=1)] = "*"
    segment_terminator: Annotated[str, Field(min_length=1, max_length=1)] = "~"
    component_separator: Annotated[str, Field(min_length=1, max_length=1)] = ">"

    @field_validator("item_xref")
    @classmethod
    def _qualified_keys(cls, xref: dict[str, str]) -> dict[str, str]:
        bad = [key for key in xref if ":" not in key]
        if bad:
            raise ValueError(f"cross-reference keys are QUALIFIER:value, got {bad[:3]}")
        return xref

    def to_domain(self) -> TradingPartner:
        data = self.model_dump()
        data["acknowledgements"] = frozenset(self.acknowledgements)
        data["item_id_preference"] = tuple(self.item_id_preference)
        data["isa_id"] = self.isa_id.strip()
        return TradingPartner(**data)


class WaveIn(Edge):
    """`POST /waves`: release a wave at `site` now, of at most `limit` orders."""

    site: Code
    limit: Annotated[int, Field(ge=1, le=release.MAX_LIMIT)] = release.DEFAULT_LIMIT


class PulledOut(BaseModel):
    order_id: str
    codes: list[str]
    cases: list[str]


class WaveOut(BaseModel):
    """`wave_id` is null when no order was due at the site (nothing was written)."""

    wave_id: str | None
    site: str
    trigger: str
    released: list[str]
    pulled: list[PulledOut]
    check_ms: float
