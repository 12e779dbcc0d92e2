"""Outbound X12: the 856 ship notice and the 810 invoice, each in its own ISA/GS/ST envelope.

Segments are built as tuples (tag first, then elements) and written by `x12.writer` with the
partner's separators. X12 has no escape character, so data containing a delimiter is refused.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from shipshape.adapters.channels.x12.model import Separators
from shipshape.adapters.channels.x12.writer import (
    ISA_ID_WIDTH,
    MAX_CONTROL_NUMBER,
    IsaFields,
    check,
    wrap_group,
    wrap_interchange,
    x12_decimal,
)
from shipshape.domain.billing import Invoice, InvoiceLine, Party, cents
from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Package, Shipment, ShippedLine

Segment = tuple[str, ...]

FUNCTIONAL_IDS = {"856": "SH", "810": "IN"}
FIRST_VERSION_WITH_REPETITION = "00402"
REPETITION_CANDIDATES = "^!{}"
PACKAGING_CARTON = "CTN25"
HIERARCHY_SHIPMENT_ORDER_PACK_ITEM = "0001"


def separators_for(partner: TradingPartner) -> Separators:
    chosen = (partner.element_separator, partner.segment_terminator, partner.component_separator)
    usable = all(len(c) == 1 and not c.isalnum() and c != " " for c in chosen)
    if not usable or len(set(chosen)) != len(chosen):
        raise InvalidInput(f"partner {partner.id} has unusable X12 delimiters {chosen!r}")
    repetition = None
    if _isa_version(partner) >= FIRST_VERSION_WITH_REPETITION:
        # ISA11 became the repetition separator in 00402; nothing here repeats, so any free one
        repetition = next(c for c in REPETITION_CANDIDATES if c not in chosen)
    element, segment, component = chosen
    return Separators(element=element, component=component, segment=segment,
                      repetition=repetition)


@dataclass(frozen=True, slots=True)
class ControlNumbers:
    """Envelope control numbers, assigned by the caller: ISA13/IEA02, GS06/GE02, ST02/SE02."""

    interchange: int
    group: int
    transaction_set: int

    def __post_init__(self) -> None:
        for name in ("interchange", "group", "transaction_set"):
            value = getattr(self, name)
            if not 1 <= value <= MAX_CONTROL_NUMBER:
                raise InvalidInput(f"{name} control number must be 1-{MAX_CONTROL_NUMBER}")


@dataclass(frozen=True, slots=True)
class _Envelope:
    partner: TradingPartner
    our: OurIdentity
    control: ControlNumbers
    when: datetime
    test: bool


def _isa_version(partner: TradingPartner) -> str:
    version = partner.x12_version
    if not (len(version) >= 6 and version[:6].isascii() and version[:6].isdigit()):
        raise InvalidInput(f"partner {partner.id} has no usable X12 version: {version!r}")
    return version[:5]


def _isa_field(value: str, width: int, what: str, minimum: int = 1) -> str:
    if not minimum <= len(value) <= width:
        raise InvalidInput(f"{what} must be {minimum}-{width} characters, not {value!r}")
    return value.ljust(width)


def _isa(env: _Envelope, separators: Separators) -> IsaFields:
    partner, our = env.partner, env.our
    for value in (our.isa_qualifier, our.isa_id, partner.isa_qualifier, partner.isa_id):
        check("ISA", value, separators, ascii_controls=True)
    return IsaFields(
        _isa_field(our.isa_qualifier, 2, "our ISA qualifier", 2),
        _isa_field(our.isa_id, ISA_ID_WIDTH, "our ISA id"),
        _isa_field(partner.isa_qualifier, 2, f"partner {partner.id} ISA qualifier", 2),
        _isa_field(partner.isa_id, ISA_ID_WIDTH, f"partner {partner.id} ISA id"),
        env.when, separators.repetition or "U", _isa_version(partner),
        env.control.interchange, "T" if env.test else "P",
    )


def _gs(set_id: str, env: _Envelope) -> Segment:
    sender = env.our.gs_code
    receiver = env.partner.gs_code or env.partner.isa_id
    for code in (sender, receiver):
        if not 2 <= len(code) <= ISA_ID_WIDTH:
            raise InvalidInput(f"GS application code must be 2-15 characters, not {code!r}")
    return ("GS", FUNCTIONAL_IDS[set_id], sender, receiver, _date(env.when),
            env.when.strftime("%H%M"), str(env.control.group), "X", env.partner.x12_version)


def _interchange(set_id: str, body: list[Segment], env: _Envelope) -> str:
    separators = separators_for(env.partner)
    group = wrap_group(_gs(set_id, env), [(set_id, body)],
                       first_set=env.control.transaction_set)
    return wrap_interchange(_isa(env, separators), group, 1, separators, ascii_controls=True)


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _implied_cents(amount: Decimal) -> str:
    """An X12 N2 value: the amount in cents with the decimal point implied."""
    return str(int(cents(amount) * 100))


class _Address(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def line1(self) -> str | None: ...
    @property
    def city(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def postal_code(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...


def _address_loop(entity: str, address: _Address) -> list[Segment]:
    segments: list[Segment] = [("N1", entity, address.name or "")]
    if address.line1:
        segments.append(("N3", address.line1))
    place = (address.city, address.region, address.postal_code, address.country)
    if any(place):
        segments.append(("N4", *(value or "" for value in place)))
    return segments


class _Item(Protocol):
    @property
    def sku(self) -> str: ...
    @property
    def gtin(self) -> str | None: ...
    @property
    def vendor_item(self) -> str | None: ...
    @property
    def buyer_item(self) -> str | None: ...


def gtin_id(gtin: str) -> tuple[str, str]:
    """A GTIN as an X12 product id: UP for a U.P.C. (GTIN-12 or zero-padded), else UK (GTIN-14)."""
    padded = gtin.zfill(14)
    if len(gtin) >= 12 and padded.startswith("00"):
        return "UP", padded[2:]
    return "UK", padded


def _xref_id(partner: TradingPartner, qualifier: str, sku: str) -> tuple[str, str] | None:
    """The partner's own id for our SKU, from the partner's cross-reference."""
    values = sorted(key.partition(":")[2] for key, mapped in partner.item_xref.items()
                    if mapped == sku and key.partition(":")[0] == qualifier)
    return (qualifier, values[0]) if values else None


def item_ids(item: _Item, partner: TradingPartner) -> tuple[str, ...]:
    """Product id pairs in the order UP/UK, VN, BP, flattened for LIN or IT1."""
    upc = gtin_id(item.gtin) if item.gtin else _xref_id(partner, "UP", item.sku)
    buyer = ("BP", item.buyer_item) if item.buyer_item else _xref_id(partner, "BP", item.sku)
    pairs = [pair for pair in (upc, ("VN", item.vendor_item or item.sku), buyer) if pair]
    return tuple(value for pair in pairs for value in pair)


# --- 856 ship notice ---------------------------------------------------------------------


def build_856(shipment: Shipment, partner: TradingPartner, our: OurIdentity,
              control: ControlNumbers, when: datetime, *, test: bool = False) -> str:
    """An 856 with hierarchy shipment / order / pack / item (BSN05 = 0001)."""
    if not shipment.customer_po:
        raise InvalidInput(f"shipment {shipment.id} has no customer PO; an 856 needs one")
    hierarchy = _hierarchy(shipment, shipment.customer_po, partner)
    hl_count = sum(1 for segment in hierarchy if segment[0] == "HL")
    body = [
        ("BSN", "00", shipment.id, _date(when), when.strftime("%H%M"),
         HIERARCHY_SHIPMENT_ORDER_PACK_ITEM),
        *hierarchy,
        ("CTT", str(hl_count), str(shipment.quantity)),
    ]
    return _interchange("856", body, _Envelope(partner, our, control, when, test))


def _hierarchy(shipment: Shipment, po: str, partner: TradingPartner) -> list[Segment]:
    ids = itertools.count(3)
    segments: list[Segment] = [
        ("HL", "1", "", "S", "1"), *_shipment_level(shipment),
        ("HL", "2", "1", "O", "1"), ("PRF", po),
    ]
    for package in shipment.packages:
        pack_id = str(next(ids))
        segments += [("HL", pack_id, "2", "P", "1"), *_pack_level(package)]
        for line in package.lines:
            segments += [("HL", str(next(ids)), pack_id, "I", "0"), *_item_level(line, partner)]
    return segments


def _shipment_level(shipment: Shipment) -> list[Segment]:
    numbers = (("BM", shipment.bill_of_lading), ("CN", shipment.tracking_number))
    references: list[Segment] = [("REF", kind, value) for kind, value in numbers if value]
    return [
        ("TD1", PACKAGING_CARTON, str(len(shipment.packages)), "", "", "", "G",
         x12_decimal(shipment.total_weight_kg), "KG"),
        ("TD5", "B", "2", shipment.carrier_scac, "", shipment.service),
        *references,
        ("DTM", "011", _date(shipment.ship_date)),
        *_address_loop("SF", shipment.site),
        *_address_loop("ST", shipment.ship_to),
    ]


def _pack_level(package: Package) -> list[Segment]:
    return [
        ("TD1", PACKAGING_CARTON, "1", "", "", "", "G", x12_decimal(package.weight_kg), "KG"),
        ("MAN", "GM", "00" + package.sscc),
    ]


def _item_level(line: ShippedLine, partner: TradingPartner) -> list[Segment]:
    """LIN (LT: the lot), SN1, and DTM*036 (expiration) for a lot with an expiry date."""
    lot = ("LT", line.lot) if line.lot else ()
    expiry: list[Segment] = [("DTM", "036", _date(line.expiry))] if line.expiry else []
    return [
        ("LIN", str(line.line_no), *item_ids(line, partner), *lot),
        ("SN1", "", str(line.quantity), line.uom),
        *expiry,
    ]


# --- 810 invoice -------------------------------------------------------------------------


def build_810(invoice: Invoice, partner: TradingPartner, our: OurIdentity,
              control: ControlNumbers, when: datetime, *, test: bool = False) -> str:
    """An 810 whose TDS is the invoice total: lines, freight (SAC D240) and tax (TXI)."""
    lines = [_it1(line, partner) for line in invoice.lines]
    body = [
        ("BIG", _date(invoice.invoice_date), invoice.number,
         _date(invoice.po_date) if invoice.po_date else "", invoice.customer_po or ""),
        ("CUR", "SE", invoice.currency),
        *_invoice_references(invoice),
        *_invoice_parties(invoice),
        ("ITD", "05", "3", "", "", "", _date(invoice.due_date), str(invoice.net_days)),
        *lines,
        ("TDS", _implied_cents(invoice.total)),
        *_invoice_charges(invoice),
        ("CTT", str(len(lines))),
    ]
    return _interchange("810", body, _Envelope(partner, our, control, when, test))


def _invoice_references(invoice: Invoice) -> list[Segment]:
    references: list[Segment] = [("REF", "VN", invoice.order_id)]
    if invoice.shipment_id:
        references.append(("REF", "SI", invoice.shipment_id))
    return references


def _party(entity: str, party: Party) -> Segment:
    return ("N1", entity, party.name, "91", party.id) if party.id else ("N1", entity, party.name)


def _invoice_parties(invoice: Invoice) -> list[Segment]:
    ship_to = _address_loop("ST", invoice.ship_to) if invoice.ship_to else []
    return [_party("BT", invoice.bill_to), *ship_to, _party("RE", invoice.remit_to)]


def _it1(line: InvoiceLine, partner: TradingPartner) -> Segment:
    return ("IT1", str(line.line_no), str(line.quantity), line.uom, x12_decimal(line.unit_price),
            "", *item_ids(line, partner))


def _invoice_charges(invoice: Invoice) -> list[Segment]:
    charges: list[Segment] = []
    if invoice.tax_amount:
        charges.append(("TXI", "TX", x12_decimal(invoice.tax_amount)))
    if invoice.freight_amount:
        charges.append(("SAC", "C", "D240", "", "", _implied_cents(invoice.freight_amount)))
    return charges
