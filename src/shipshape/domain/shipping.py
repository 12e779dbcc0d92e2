"""What left a site: shipments, their packages (each with an SSCC) and the lines packed in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shipshape.domain.errors import InvalidInput
from shipshape.domain.masterdata import gtin_is_valid
from shipshape.domain.orders import ShipTo

SSCC_LENGTH = 18
REQUIRED_SHIP_TO = ("name", "line1", "city", "postal_code", "country")


def gs1_check_digit(body: str) -> int:
    """GS1 mod-10: weights 3 and 1 alternate from the rightmost digit of the body."""
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def sscc(extension: int, company_prefix: str, serial: int) -> str:
    """An SSCC-18: extension digit, GS1 company prefix, serial reference, check digit."""
    if not 0 <= extension <= 9:
        raise InvalidInput(f"SSCC extension digit must be 0-9, not {extension}")
    if not (_ascii_digits(company_prefix) and 4 <= len(company_prefix) <= 12):
        raise InvalidInput(f"GS1 company prefix must be 4-12 digits, not {company_prefix!r}")
    width = SSCC_LENGTH - 2 - len(company_prefix)
    if not 0 <= serial < 10**width:
        raise InvalidInput(f"SSCC serial reference {serial} does not fit in {width} digits")
    body = f"{extension}{company_prefix}{serial:0{width}d}"
    return f"{body}{gs1_check_digit(body)}"


def sscc_is_valid(code: str) -> bool:
    if not (_ascii_digits(code) and len(code) == SSCC_LENGTH):
        return False
    return gs1_check_digit(code[:-1]) == int(code[-1])


def scac_is_valid(code: str) -> bool:
    """A Standard Carrier Alpha Code: 2-4 capital ASCII letters."""
    return 2 <= len(code) <= 4 and code.isascii() and code.isalpha() and code.isupper()


@dataclass(frozen=True, slots=True)
class ShipFrom:
    """The shipping site as it appears on shipping documents."""

    site_id: str
    name: str
    postal_code: str
    country: str
    line1: str | None = None
    city: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        if not (self.site_id and self.name and self.postal_code and self.country):
            raise InvalidInput("a ship-from needs site id, name, postal code and country")


@dataclass(frozen=True, slots=True)
class ShippedLine:
    line_no: int
    sku: str
    quantity: int
    uom: str = "EA"
    gtin: str | None = None
    vendor_item: str | None = None
    buyer_item: str | None = None
    lot: str | None = None
    expiry: date | None = None

    def __post_init__(self) -> None:
        check_line(self.line_no, self.sku, self.quantity, self.uom)
        check_gtin(self.gtin)


def check_line(line_no: int, sku: str, quantity: int, uom: str) -> None:
    if line_no <= 0:
        raise InvalidInput(f"line number must be positive, not {line_no}")
    if not sku or not uom:
        raise InvalidInput(f"line {line_no} needs a SKU and a unit of measure")
    if quantity <= 0:
        raise InvalidInput(f"line {line_no} quantity must be positive, not {quantity}")


def check_gtin(gtin: str | None) -> None:
    if gtin is not None and not gtin_is_valid(gtin):
        raise InvalidInput(f"GTIN {gtin!r} is not valid")


@dataclass(frozen=True, slots=True)
class Package:
    sscc: str
    weight_kg: Decimal
    lines: tuple[ShippedLine, ...]

    def __post_init__(self) -> None:
        if not sscc_is_valid(self.sscc):
            raise InvalidInput(f"SSCC {self.sscc!r} is not a valid SSCC-18")
        if not (self.weight_kg.is_finite() and self.weight_kg > 0):
            raise InvalidInput(f"package {self.sscc} weight must be positive")
        if not self.lines:
            raise InvalidInput(f"package {self.sscc} has no lines")

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True, slots=True)
class Shipment:
    id: str
    order_id: str
    customer_po: str | None
    ship_date: date
    site: ShipFrom
    ship_to: ShipTo
    carrier_scac: str
    service: str
    tracking_number: str | None
    packages: tuple[Package, ...]
    bill_of_lading: str | None = None

    def __post_init__(self) -> None:
        if not (self.id and self.order_id):
            raise InvalidInput("a shipment needs an id and an order id")
        missing = [name for name in REQUIRED_SHIP_TO if not getattr(self.ship_to, name)]
        if missing:
            raise InvalidInput(f"shipment {self.id} ship-to lacks {', '.join(missing)}")
        if not scac_is_valid(self.carrier_scac):
            raise InvalidInput(f"SCAC must be 2-4 capital letters, not {self.carrier_scac!r}")
        self._check_packages()

    def _check_packages(self) -> None:
        if not self.packages:
            raise InvalidInput(f"shipment {self.id} has no packages")
        codes = [package.sscc for package in self.packages]
        if len(set(codes)) != len(codes):
            raise InvalidInput(f"shipment {self.id} has two packages with the same SSCC")

    @property
    def total_weight_kg(self) -> Decimal:
        return sum((package.weight_kg for package in self.packages), Decimal("0"))

    @property
    def quantity(self) -> int:
        return sum(package.quantity for package in self.packages)
