"""The canonical records every channel parses (API, CSV and JSON-lines files, the watched folder):
orders, master data, stock movements and trading partners, as Pydantic models at the edge."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

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


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("a number is not a boolean: use true or false")
    return value


def decimal_pattern(whole: int, places: int) -> str:
    return rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{places}}})?$"


def decimal_text(pattern: str) -> BeforeValidator:
    """Refuses a decimal sent as text unless it matches `pattern` (digits, a point, decimals:
    "12.50"); a decimal sent as a JSON number is checked by the field's bounds."""
    compiled = re.compile(pattern)

    def fits(value: object) -> object:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise ValueError("a decimal as text is digits, then a point and decimals if any "
                             "(e.g. 12.50), within the field's bounds")
        return value
    return BeforeValidator(fits)


def documented_text(pattern: str, places: int) -> Callable[[dict[str, Any]], None]:
    """The OpenAPI side of `decimal_text`: the pattern of the text, the places of the number."""
    def document(schema: dict[str, Any]) -> None:
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == "string":
                branch["pattern"] = pattern
            if branch.get("type") == "number":
                branch["multipleOf"] = float(f"1e-{places}")
    return document


MONEY_TEXT = decimal_pattern(bounds.MONEY_DIGITS - bounds.MONEY_PLACES, bounds.MONEY_PLACES)
WEIGHT_TEXT = decimal_pattern(9, 3)
POSITIVE_WEIGHT_TEXT = (r"^([1-9][0-9]{0,8}(\.[0-9]{1,3})?"
                        r"|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$")
PERCENT_TEXT = (rf"^(100(\.0{{1,{bounds.MONEY_PLACES}}})?"
                rf"|[0-9]{{1,2}}(\.[0-9]{{1,{bounds.MONEY_PLACES}}})?)$")
"""0 to 100, as text."""


class _FitText:
    """`_fit_text` on a text field, and the same rule as the field's pattern in the contract."""

    def __init__(self, layout: bool, allowed: str) -> None:
        self.check = _fit_text(layout)
        self.pattern = f"^[{allowed}]*$"
        # Input is stripped of surrounding white space: where a character is required, it is
        # one that is not white space.
        self.not_blank = f"^[{allowed}]*[^\\s{allowed[1:]}][{allowed}]*$"

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        required = json_schema.get("minLength", 0) >= 1
        json_schema.setdefault("pattern", self.not_blank if required else self.pattern)
        return json_schema


PLAIN = _FitText(layout=False, allowed="^\\x00-\\x1f\\x7f-\\x9f")
"""No control characters (Unicode category Cc)."""
PROSE = _FitText(layout=True, allowed="^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f")
"""No control characters but tabs and line breaks."""
Text = Annotated[str, Field(min_length=1, max_length=200), PLAIN]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-/]+$")]
Country = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]
Money = Annotated[Decimal, Field(ge=0, lt=10 ** (bounds.MONEY_DIGITS - bounds.MONEY_PLACES),
                                 max_digits=bounds.MONEY_DIGITS,
                                 decimal_places=bounds.MONEY_PLACES,
                                 json_schema_extra=documented_text(MONEY_TEXT,
                                                                   bounds.MONEY_PLACES)),
                  decimal_text(MONEY_TEXT)]
"""An amount: a JSON number or text such as "12.50" (never a boolean)."""
Weight = Annotated[Decimal, Field(ge=0, lt=10 ** 9, max_digits=12, decimal_places=3,
                                  json_schema_extra=documented_text(WEIGHT_TEXT, 3)),
                   decimal_text(WEIGHT_TEXT)]
"""Kilograms: a JSON number or text such as "1.250"."""


def _json_integer(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("a JSON integer is expected, not a boolean or text")
    return value


JSON_INTEGER = BeforeValidator(_json_integer)
"""On an integer only the API takes: a JSON integer (12, or 12.0 as JSON Schema has it), never
text ("12") nor a boolean."""
NOT_A_BOOLEAN = BeforeValidator(_not_a_boolean)
"""On an integer, after its bounds: never a boolean (`"quantity": true` is not 1). Text of a
number is read, since the cells of a bulk CSV file are text."""
Flag = Annotated[bool, BeforeValidator(_not_a_number)]
"""A boolean: never a number (`"active": 1` is refused); text such as "true" is read (CSV)."""
Day = Annotated[date, AfterValidator(_supported)]
"""A date within `bounds.EARLIEST_DATE` and `bounds.LATEST_DATE`, the dates Shipshape computes
with; others are refused at the edge."""


class Edge(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SiteIn(Edge):
    name: Text
    country: Country
    postal_code: Annotated[str, Field(min_length=1, max_length=20), PLAIN]
    line1: Annotated[str, Field(min_length=1, max_length=200), PLAIN] | None = None
    city: Annotated[str, Field(min_length=1, max_length=100), PLAIN] | None = None
    region: Annotated[str, Field(min_length=1, max_length=60), PLAIN] | None = None

    def to_domain(self, site_id: str) -> Site:
        return Site(site_id, self.name, self.country.upper(), self.postal_code, self.line1,
                    self.city, self.region)


class CustomerIn(Edge):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Acme Corp", "priority": "strategic", "credit_limit": "50000.00",
         "payment_terms": "NET30", "allow_split": True, "preferred_site": "DAL"}]})

    name: Text
    active: Flag = True
    segment: Annotated[str, Field(min_length=1, max_length=40), PLAIN] = "standard"
    priority: Literal["strategic", "standard", "low"] = "standard"
    credit_limit: Money = Decimal("0")
    credit_hold: Flag = False
    payment_terms: Annotated[str, Field(min_length=1, max_length=40), PLAIN] = "NET30"
    allow_split: Flag = False
    allow_substitutes: Flag = False
    preferred_site: Code | None = None
    min_remaining_shelf_life_days: Annotated[int, Field(ge=0, le=3650), NOT_A_BOOLEAN] = 0

    def to_domain(self, customer_id: str) -> Customer:
        return Customer(id=customer_id, **self.model_dump())


class ItemIn(Edge):
    description: Annotated[str, Field(min_length=1, max_length=400), PROSE]
    gtin: Annotated[str, Field(pattern=r"^[0-9]{8,14}$")] | None = None
    active: Flag = True
    uom: Annotated[str, Field(min_length=1, max_length=10), PLAIN] = "EA"
    weight_kg: Weight = Decimal("0")
    hazmat: Flag = False
    lot_controlled: Flag = False
    substitutes: Annotated[list[Code], Field(max_length=100)] = []

    def to_domain(self, sku: str) -> Item:
        return Item(sku=sku, **{**self.model_dump(), "substitutes": tuple(self.substitutes)})


class PriceIn(Edge):
    unit_price: Money
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    tolerance_pct: Annotated[
        Decimal, Field(ge=0, le=100, decimal_places=bounds.MONEY_PLACES,
                       json_schema_extra=documented_text(PERCENT_TEXT, bounds.MONEY_PLACES)),
        decimal_text(PERCENT_TEXT)] = Decimal("0")

    def to_domain(self, customer_id: str, sku: str) -> ContractPrice:
        return ContractPrice(customer_id, sku, **self.model_dump())


class ServiceIn(Edge):
    code: Code
    max_weight_kg: Annotated[
        Decimal, Field(gt=0, lt=10 ** 9, max_digits=12, decimal_places=3,
                       json_schema_extra=documented_text(POSITIVE_WEIGHT_TEXT, 3)),
        decimal_text(POSITIVE_WEIGHT_TEXT)] | None = None
    hazmat_allowed: Flag = False
    countries: Annotated[list[Country], Field(max_length=250)] = []
    transit_days: Annotated[int, Field(ge=0, le=365), NOT_A_BOOLEAN] | None = None
    """Calendar days from shipping to delivery, counted into each order's promised date
    (none: `promise.default_transit_days`)."""


class CarrierIn(Edge):
    name: Text
    services: Annotated[list[ServiceIn], Field(min_length=1, max_length=100)]

    def to_domain(self, code: str) -> Carrier:
        return Carrier(code, self.name, tuple(
            CarrierService(s.code, s.max_weight_kg, s.hazmat_allowed,
                           tuple(c.upper() for c in s.countries), s.transit_days)
            for s in self.services))


class StockMovementIn(Edge):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"site_id": "DAL", "sku": "WIDGET-1", "quantity": 120, "lot": "L-0425",
         "expiry": "2031-01-31", "reason": "PO 4500012345 received"}]})

    site_id: Code
    sku: Code
    quantity: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000), NOT_A_BOOLEAN]
    lot: Annotated[str, Field(max_length=60), PLAIN] | None = None
    expiry: Day | None = None
    reason: Annotated[str, Field(max_length=200), PROSE] = ""

    def to_domain(self) -> StockMovement:
        fields = self.model_dump()
        return StockMovement(site=fields.pop("site_id"), **fields)


class ShipToIn(Edge):
    name: Annotated[str, Field(max_length=200), PLAIN] | None = None
    line1: Annotated[str, Field(max_length=200), PLAIN] | None = None
    city: Annotated[str, Field(max_length=100), PLAIN] | None = None
    region: Annotated[str, Field(max_length=100), PLAIN] | None = None
    postal_code: Annotated[str, Field(max_length=20), PLAIN] | None = None
    country: Country | None = None


class LineIn(Edge):
    line_no: Annotated[int, Field(ge=1, le=100_000), NOT_A_BOOLEAN]
    sku: Code
    quantity: Annotated[int, Field(ge=0, le=bounds.MAX_QUANTITY), NOT_A_BOOLEAN] | None = None
    unit_price: Money | None = None
    uom: Annotated[str, Field(max_length=10), PLAIN] | None = None


ORDER_EXAMPLE: dict[str, Any] = {
    "channel": "api", "external_id": "PO-2024-0042", "customer_id": "C100",
    "customer_po": "4500012345", "requested_ship_date": "2030-06-03",
    "ship_to": {"name": "Acme Dallas DC", "line1": "100 Commerce St", "city": "Dallas",
                "region": "TX", "postal_code": "75201", "country": "US"},
    "carrier_service": "GROUND",
    "lines": [{"line_no": 1, "sku": "WIDGET-1", "quantity": 12, "unit_price": "4.50"},
              {"line_no": 2, "sku": "GADGET-7", "quantity": 3}],
}


class OrderIn(Edge):
    """An order. A line without `unit_price` is valued at the customer's contract price;
    decimals are JSON numbers or text ("4.50"), quantities JSON integers."""

    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE]})
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


class PartnerIn(Edge):
    """A trading-partner profile, as `shipshape partners load` reads it."""

    id: Code
    customer_id: Code
    isa_qualifier: Annotated[str, Field(min_length=2, max_length=2)] = "ZZ"
    isa_id: Annotated[str, Field(max_length=15), PLAIN] = ""
    gs_code: Annotated[str, Field(max_length=15), PLAIN] = ""
    edifact_id: Annotated[str, Field(max_length=35), PLAIN] = ""
    x12_version: Annotated[str, Field(pattern=r"^00[0-9]{4}[A-Z]*$")] = "004010"
    acknowledgements: list[Literal["997", "TA1", "855", "CONTRL", "APERAK",
                                   "ORDRSP", "865"]] = [
        "997", "TA1", "855", "CONTRL", "APERAK"]
    item_id_preference: list[Literal["VN", "BP", "IN", "UP", "EN"]] = [
        "VN", "BP", "IN", "UP", "EN"]
    item_xref: dict[str, Code] = {}
    duplicate_window_days: Annotated[int, Field(ge=0, le=3650), NOT_A_BOOLEAN] = 30
    element_separator: Annotated[str, Field(min_length=1, max_length=1)] = "*"
    segment_terminator: Annotated[str, Field(min_length=1, max_length=1)] = "~"
    component_separator: Annotated[str, Field(min_length=1, max_length=1)] = ">"
    ack_window_hours: Annotated[float, Field(ge=0, le=8760, allow_inf_nan=False),
                                NOT_A_BOOLEAN] = 24
    as2_id: Annotated[str, Field(max_length=128), PLAIN] = ""
    as2_url: Annotated[str, Field(max_length=2000, pattern=r"^(https?://\S+)?$")] = ""
    as2_certificate: Annotated[str, Field(max_length=20000)] = ""
    as2_mdn: Literal["sync", "async"] = "sync"
    as2_encrypt: bool = True
    as2_sign: bool = True

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
