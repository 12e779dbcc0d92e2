"""Outbound EDI documents: the stored facts of a shipment or an invoice, and the ship notice
(`domain/shipping.py`) and invoice (`domain/billing.py`) made of them for a trading partner.

Everything here is pure; a fact that cannot make a valid document raises `InvalidInput`, naming
the master data to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shipshape.domain.billing import Invoice, InvoiceLine, Party
from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding, Kind, Team, warn
from shipshape.domain.masterdata import Customer, Item, Site
from shipshape.domain.packing import Carton, single_carton
from shipshape.domain.picking import OrderToPick
from shipshape.domain.shipments import ShipmentRecord
from shipshape.domain.shipping import (
    Package,
    ShipFrom,
    Shipment,
    ShippedLine,
    scac_is_valid,
)

"""The event; the exception case it opens has the code `EDI_DOCUMENT_FAILED_CASE`."""
EDI_DOCUMENT_FAILED_CASE = "EDI_DOCUMENT_FAILED"
DEFAULT_UOM = "EA"


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """A stored shipment with what its ship notice needs: the order, customer, site, items."""

    shipment: ShipmentRecord
    order: OrderToPick
    customer: Customer | None
    site: Site | None
    items: Mapping[str, Item]
    lot_expiry: Mapping[tuple[int, str], date] = field(default_factory=dict)
    """The expiry date of each (line, lot) picked for the order, from the pick confirmations."""

    @property
    def cartons(self) -> tuple[Carton, ...]:
        """As the WMS packed it; one carton of every shipped line when it sent no cartons."""
        return self.shipment.cartons or single_carton(
            [(line.line_no, line.shipped, None) for line in self.shipment.lines])

    @property
    def ssccs_needed(self) -> int:
        """How many cartons the WMS did not label: each needs an SSCC of ours."""
        return sum(1 for carton in self.cartons if not carton.sscc)

    @property
    def shipped_anything(self) -> bool:
        return any(line.shipped for line in self.shipment.lines)


@dataclass(frozen=True, slots=True)
class BilledLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """A stored invoice with what its 810 needs: the order, the customer, the items."""

    number: str
    order: OrderToPick
    customer: Customer | None
    shipment_id: str | None
    invoice_date: date
    currency: str
    freight: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[BilledLine, ...]
    items: Mapping[str, Item]


def carrier_parts(carrier_service: str) -> tuple[str, str]:
    """The SCAC and the service of a carrier service written "CODE:SERVICE"."""
    code, _, service = carrier_service.partition(":")
    if not scac_is_valid(code):
        raise InvalidInput(f"carrier code {code!r} of {carrier_service!r} is not a SCAC "
                           "(2-4 capital letters); an 856 names the carrier by its SCAC")
    return code, service


def ship_from(site_id: str, site: Site | None) -> ShipFrom:
    if site is None:
        raise InvalidInput(f"site {site_id} is not in the master data")
    return ShipFrom(site_id=site.id, name=site.name, postal_code=site.postal_code,
                    country=site.country, line1=site.line1, city=site.city, region=site.region)


def _item(items: Mapping[str, Item], sku: str) -> Item:
    item = items.get(sku)
    if item is None:
        raise InvalidInput(f"item {sku} is not in the master data")
    return item


def _uom(order: OrderToPick, line_no: int, item: Item) -> str:
    line = order.line(line_no)
    return (line.uom if line else None) or item.uom or DEFAULT_UOM


def shipped_lines(facts: ShipmentFacts) -> tuple[ShippedLine, ...]:
    """Every shipped line once, with its total (lots and cartons added up)."""
    lines = []
    for line in facts.shipment.lines:
        if not line.shipped:
            continue
        item = _item(facts.items, line.sku)
        lines.append(ShippedLine(line_no=line.line_no, sku=line.sku, quantity=line.shipped,
                                 uom=_uom(facts.order, line.line_no, item), gtin=item.gtin))
    return tuple(lines)


def shipped_weight(facts: ShipmentFacts) -> Decimal:
    return sum((_item(facts.items, ln.sku).weight_kg * ln.shipped
                for ln in facts.shipment.lines), Decimal("0"))


def asn_shipment(facts: ShipmentFacts, sscc: str | Sequence[str]) -> Shipment:
    """The shipment with one package per carton: a carton the WMS labelled keeps its SSCC,
    the others take the codes of `sscc` in turn (`facts.ssccs_needed` of them)."""
    record, order = facts.shipment, facts.order
    scac, service = carrier_parts(record.carrier_service)
    codes = [sscc] if isinstance(sscc, str) else list(sscc)
    if len(codes) < facts.ssccs_needed:
        raise InvalidInput(f"shipment {record.id} has {facts.ssccs_needed} cartons without an "
                           f"SSCC but {len(codes)} codes were given")
    free = iter(codes)
    packages = tuple(_package(facts, carton, carton.sscc or next(free))
                     for carton in facts.cartons)
    if order.ship_to is None:
        raise InvalidInput(f"order {order.id} has no ship-to")
    return Shipment(id=record.id, order_id=order.id, customer_po=order.customer_po,
                    ship_date=record.ship_date, site=ship_from(record.site, facts.site),
                    ship_to=order.ship_to, carrier_scac=scac, service=service,
                    tracking_number=record.tracking_number, packages=packages)


def _package(facts: ShipmentFacts, carton: Carton, code: str) -> Package:
    skus = {line.line_no: line.sku for line in facts.shipment.lines}
    lines = []
    for entry in carton.lines:
        sku = skus.get(entry.line_no)
        if sku is None:
            raise InvalidInput(f"shipment {facts.shipment.id}: a carton holds line "
                               f"{entry.line_no}, which the shipment does not ship")
        item = _item(facts.items, sku)
        expiry = entry.expiry or (facts.lot_expiry.get((entry.line_no, entry.lot))
                                  if entry.lot else None)
        lines.append(ShippedLine(line_no=entry.line_no, sku=sku, quantity=entry.quantity,
                                 uom=_uom(facts.order, entry.line_no, item), gtin=item.gtin,
                                 lot=entry.lot, expiry=expiry))
    weight = carton.weight_kg or sum((_item(facts.items, ln.sku).weight_kg * ln.quantity
                                      for ln in lines), Decimal("0"))
    return Package(sscc=code, weight_kg=weight, lines=tuple(lines))


def _invoice_line(facts: InvoiceFacts, line: BilledLine) -> InvoiceLine:
    item = _item(facts.items, line.sku)
    return InvoiceLine(line_no=line.line_no, sku=line.sku, quantity=line.quantity,
                       unit_price=line.unit_price, uom=_uom(facts.order, line.line_no, item),
                       gtin=item.gtin)


def edi_invoice(facts: InvoiceFacts, seller: str) -> Invoice:
    """The stored invoice billed to the customer, remitted to `seller`; its lines, freight and
    tax must add up to the stored total, which is what the 810's TDS states."""
    customer = facts.customer
    if customer is None:
        raise InvalidInput(f"customer {facts.order.customer_id} is not in the master data")
    invoice = Invoice(
        number=facts.number, order_id=facts.order.id, customer_id=customer.id,
        customer_po=facts.order.customer_po, invoice_date=facts.invoice_date,
        bill_to=Party(customer.name, customer.id), remit_to=Party(seller),
        lines=tuple(_invoice_line(facts, line) for line in facts.lines),
        payment_terms=customer.payment_terms, currency=facts.currency, freight=facts.freight,
        tax=facts.tax, shipment_id=facts.shipment_id, ship_to=facts.order.ship_to)
    if invoice.total != facts.total:
        raise InvalidInput(f"invoice {facts.number}: its lines, freight and tax make "
                           f"{invoice.total}, but its stored total is {facts.total}")
    return invoice


def document_failed(document: str, partner_id: str, reason: str, line_nos: Sequence[int],
                    **subject: object) -> Finding:
    """`EDI_DOCUMENT_FAILED`: the document could not be built from the master data; the order
    goes on, the partner is missing the document until the data is fixed."""
    return warn(EDI_DOCUMENT_FAILED_CASE, Kind.DATA_QUALITY, Team.INTEGRATION,
                f"the {document} for partner {partner_id} was not sent: {reason}",
                line_nos=list(line_nos), document=document, partner=partner_id, reason=reason,
                **subject)
