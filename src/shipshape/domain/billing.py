"""Invoices: what is billed for a shipment, with totals rounded half-up to cents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import ShipTo
from shipshape.domain.shipping import check_gtin, check_line

CENT = Decimal("0.01")
MAX_NET_DAYS = 365


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_net_days(terms: str) -> int:
    """Days until payment is due for terms written "NET<days>", e.g. NET30."""
    text = terms.strip().upper()
    days = text.removeprefix("NET").strip()
    if not (text.startswith("NET") and days.isascii() and days.isdigit()):
        raise InvalidInput(f"payment terms {terms!r} are not of the form NET<days>")
    if int(days) > MAX_NET_DAYS:
        raise InvalidInput(f"payment terms {terms!r} exceed {MAX_NET_DAYS} days")
    return int(days)


def _check_amount(amount: Decimal, what: str) -> None:
    if not (amount.is_finite() and amount >= 0):
        raise InvalidInput(f"{what} must be a non-negative amount, not {amount}")


@dataclass(frozen=True, slots=True)
class Party:
    """A party named on an invoice; `id` is the number we (the seller) know it by."""

    name: str
    id: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInput("a party needs a name")


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal
    uom: str = "EA"
    gtin: str | None = None
    vendor_item: str | None = None
    buyer_item: str | None = None

    def __post_init__(self) -> None:
        check_line(self.line_no, self.sku, self.quantity, self.uom)
        check_gtin(self.gtin)
        _check_amount(self.unit_price, f"line {self.line_no} unit price")

    @property
    def amount(self) -> Decimal:
        return cents(self.unit_price * self.quantity)


@dataclass(frozen=True, slots=True)
class Invoice:
    number: str
    order_id: str
    customer_id: str
    customer_po: str | None
    invoice_date: date
    bill_to: Party
    remit_to: Party
    lines: tuple[InvoiceLine, ...]
    payment_terms: str = "NET30"
    currency: str = "USD"
    freight: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    po_date: date | None = None
    shipment_id: str | None = None
    ship_to: ShipTo | None = None

    def __post_init__(self) -> None:
        if not (self.number and self.order_id and self.customer_id):
            raise InvalidInput("an invoice needs a number, an order id and a customer id")
        if not (len(self.currency) == 3 and self.currency.isascii()
                and self.currency.isalpha() and self.currency.isupper()):
            raise InvalidInput(f"currency must be an ISO 4217 code, not {self.currency!r}")
        parse_net_days(self.payment_terms)
        _check_amount(self.freight, "freight")
        _check_amount(self.tax, "tax")
        self._check_lines()

    def _check_lines(self) -> None:
        if not self.lines:
            raise InvalidInput(f"invoice {self.number} has no lines")
        numbers = [line.line_no for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise InvalidInput(f"invoice {self.number} repeats a line number")

    @property
    def net_days(self) -> int:
        return parse_net_days(self.payment_terms)

    @property
    def due_date(self) -> date:
        return self.invoice_date + timedelta(days=self.net_days)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def freight_amount(self) -> Decimal:
        return cents(self.freight)

    @property
    def tax_amount(self) -> Decimal:
        return cents(self.tax)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.freight_amount + self.tax_amount
