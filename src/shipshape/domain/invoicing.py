"""Invoicing a shipment: what shipped, at the customer's contract price, with freight and tax as
configured; and what the ERP's answer to a posting means."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shipshape.domain.billing import Invoice, InvoiceLine, Party, cents
from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.masterdata import ContractPrice, Customer
from shipshape.domain.orders import OrderLine, ShipTo
from shipshape.domain.shipments import ShippedLine

INVOICE_POST_FAILED = "INVOICE_POST_FAILED"


class InvoiceStatus(StrEnum):
    """issued (written, the posting on its way), posted (the ERP acknowledged it), rejected (the
    ERP refused it), credited (a credit note cancels it)."""

    ISSUED = "issued"
    POSTED = "posted"
    REJECTED = "rejected"
    CREDITED = "credited"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """A stored invoice or credit note and where its posting stands."""

    id: str
    kind: InvoiceKind
    order_id: str
    shipment_id: str | None
    credits: str | None
    customer_id: str
    status: InvoiceStatus
    currency: str
    total: Decimal
    erp_ref: str | None
    reason: str | None
    line_nos: tuple[int, ...]
    paid: Decimal = Decimal("0")

    @property
    def settled(self) -> bool:
        return self.paid >= self.total


@dataclass(frozen=True, slots=True)
class BillingPolicy:
    """Freight per shipment and a tax rate on the goods, as configured; the seller's name."""

    freight_per_shipment: Decimal = Decimal("0")
    tax_rate: Decimal = Decimal("0")
    currency: str = "USD"
    seller: str = "Shipshape Distribution"

    def __post_init__(self) -> None:
        if not (self.freight_per_shipment.is_finite() and self.freight_per_shipment >= 0):
            raise InvalidInput("freight per shipment must be a non-negative amount")
        if not (self.tax_rate.is_finite() and 0 <= self.tax_rate < 1):
            raise InvalidInput("the tax rate must be a fraction from 0 up to 1 (0.08 = 8 %)")


@dataclass(frozen=True, slots=True)
class InvoiceSource:
    """What an invoice is made from: the order's facts and one shipment of it."""

    order_id: str
    customer: Customer
    customer_po: str | None
    ship_to: ShipTo | None
    shipment_id: str
    shipped: Sequence[ShippedLine]
    order_lines: Mapping[int, OrderLine]
    prices: Mapping[str, ContractPrice]


def unit_price(line: OrderLine, prices: Mapping[str, ContractPrice]) -> Decimal:
    """The contract price of the line's SKU; the order's price where there is no contract."""
    contract = prices.get(line.sku)
    if contract is not None:
        return contract.unit_price
    if line.unit_price is None:
        raise InvalidInput(f"line {line.line_no} ({line.sku}) has neither a contract price "
                           "nor an order price; it cannot be invoiced")
    return line.unit_price


def build_invoice(number: str, source: InvoiceSource, policy: BillingPolicy,
                  invoice_date: date) -> Invoice:
    """The shipment's invoice: every shipped line at its price; freight and tax per policy."""
    lines = tuple(
        InvoiceLine(s.line_no, s.sku, s.shipped,
                    unit_price(source.order_lines[s.line_no], source.prices),
                    uom=source.order_lines[s.line_no].uom or "EA")
        for s in source.shipped if s.shipped > 0)
    if not lines:
        raise InvalidInput(f"shipment {source.shipment_id} shipped nothing to invoice")
    subtotal = sum((line.amount for line in lines), Decimal("0"))
    customer = source.customer
    return Invoice(number=number, order_id=source.order_id, customer_id=customer.id,
                   customer_po=source.customer_po, invoice_date=invoice_date,
                   bill_to=Party(customer.name, customer.id),
                   remit_to=Party(policy.seller), lines=lines,
                   payment_terms=customer.payment_terms, currency=policy.currency,
                   freight=policy.freight_per_shipment, tax=cents(subtotal * policy.tax_rate),
                   shipment_id=source.shipment_id, ship_to=source.ship_to)


def invoice_body(invoice: Invoice) -> dict[str, object]:
    """The invoice as events and the ERP posting carry it (amounts as exact strings)."""
    return {
        "invoice_id": invoice.number, "order_id": invoice.order_id,
        "shipment_id": invoice.shipment_id, "customer_id": invoice.customer_id,
        "customer_po": invoice.customer_po, "invoice_date": invoice.invoice_date.isoformat(),
        "currency": invoice.currency, "payment_terms": invoice.payment_terms,
        "lines": [{"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity,
                   "unit_price": str(ln.unit_price), "amount": str(ln.amount)}
                  for ln in invoice.lines],
        "subtotal": str(invoice.subtotal), "freight": str(invoice.freight_amount),
        "tax": str(invoice.tax_amount), "total": str(invoice.total)}


def post_failed(invoice_id: str, shipment_id: str | None, reason: str,
                line_nos: Sequence[int]) -> Finding:
    """`INVOICE_POST_FAILED`: the ERP refused the posting; the shipment is not invoiced there."""
    return block(INVOICE_POST_FAILED, Kind.INTEGRATION, Team.FINANCE,
                 f"the ERP refused invoice {invoice_id}: {reason}", line_nos=list(line_nos),
                 invoice_id=invoice_id, shipment_id=shipment_id, reason=reason)
