"""INVOIC (D.96A invoice) for an invoice: the EDIFACT twin of the 810, same `Invoice`.

    BGM+380+<invoice number>+9    DTM+137 (invoice date)
    RFF+ON:<PO>  RFF+AAK:<shipment (despatch advice)>  RFF+VN:<our order id>   SG1
    NAD+SU (us)  NAD+BY (the partner)  NAD+IV (bill-to)  NAD+RE (remit-to)  NAD+ST   SG2
    CUX+2:<currency>:4                                                          SG7
    PAT+1++5:3:D:<net days>                                                     SG8
    per line: LIN+<line>++<GTIN>:EN  PIA+5+<SKU>:SA  QTY+47:<qty>:<unit>
              MOA+203:<amount>  PRI+AAA:<unit price>                            SG25/26/28
    UNS+S  CNT+2:<lines>
    MOA+79:<lines total>  MOA+176:<tax>  MOA+77:<invoice total>                 SG48
    ALC+C++++FC  MOA+8:<freight>     (only when there is freight)               SG51

MOA+77 = MOA+79 + freight + tax, the invoice's total (what the 810's TDS states).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydifact.segments import Segment

from shipshape.adapters.channels.edifact import writer as w
from shipshape.adapters.channels.edifact.desadv import parties
from shipshape.domain.billing import Invoice, InvoiceLine, Party
from shipshape.domain.partners import OurIdentity, TradingPartner

COMMERCIAL_INVOICE, ORIGINAL = "380", "9"
LINE_AMOUNT, LINES_TOTAL, TAX_TOTAL, INVOICE_TOTAL, CHARGE = "203", "79", "176", "77", "8"
"""5025 monetary amount types."""
SELLER_ASSIGNED = "91"


def build_invoic(invoice: Invoice, partner: TradingPartner, our: OurIdentity,
                 control_number: int, when: datetime, *, test: bool = False) -> str:
    body = [
        w.seg("BGM", COMMERCIAL_INVOICE, w.required(invoice.number, "invoice number"),
              ORIGINAL),
        w.seg("DTM", ["137", w.day(invoice.invoice_date), w.DATE_FORMAT]),
        *_references(invoice),
        *parties(our, partner),
        _party("IV", invoice.bill_to),
        _party("RE", invoice.remit_to),
        *_ship_to(invoice),
        w.seg("CUX", ["2", invoice.currency, "4"]),
        w.seg("PAT", "1", "", ["5", "3", "D", str(invoice.net_days)]),
    ]
    for line in invoice.lines:
        body += _line(line)
    body += [w.seg("UNS", "S"), w.seg("CNT", ["2", str(len(invoice.lines))]),
             _amount(LINES_TOTAL, invoice.subtotal), _amount(TAX_TOTAL, invoice.tax_amount),
             _amount(INVOICE_TOTAL, invoice.total)]
    if invoice.freight_amount:
        body += [w.seg("ALC", "C", "", "", "", "FC"),
                 _amount(CHARGE, invoice.freight_amount)]
    return w.interchange("INVOIC", body, w.Envelope(partner, our, control_number, when, test))


def _references(invoice: Invoice) -> list[Segment]:
    found = [("ON", invoice.customer_po, "customer PO"),
             ("AAK", invoice.shipment_id, "shipment id"),
             ("VN", invoice.order_id, "order id")]
    return [w.seg("RFF", [code, w.text(value, what)]) for code, value, what in found if value]


def _party(role: str, party: Party) -> Segment:
    identifier = [w.text(party.id, f"{role} party id"), "", SELLER_ASSIGNED] if party.id else ""
    return w.seg("NAD", role, identifier, "", w.split_text(party.name, f"{role} party name", 5))


def _ship_to(invoice: Invoice) -> list[Segment]:
    to = invoice.ship_to
    if to is None or not any((to.name, to.line1, to.city, to.postal_code)):
        return []
    return [w.seg("NAD", "ST", "", "", w.split_text(to.name, "ship-to name", 5),
                  w.split_text(to.line1, "ship-to street", 4), w.text(to.city, "ship-to city"),
                  w.text(to.region, "ship-to region", 9),
                  w.text(to.postal_code, "ship-to postal code", 9),
                  w.text(to.country, "ship-to country", 3))]


def _line(line: InvoiceLine) -> list[Segment]:
    return [
        w.seg("LIN", str(line.line_no), "", [line.gtin, "EN"] if line.gtin else ""),
        w.seg("PIA", "5", [w.required(line.sku, "SKU"), "SA"]),
        w.seg("QTY", ["47", str(line.quantity), w.required(line.uom, "unit", 3)]),
        _amount(LINE_AMOUNT, line.amount),
        w.seg("PRI", ["AAA", w.number(line.unit_price)]),
    ]


def _amount(code: str, amount: Decimal) -> Segment:
    return w.seg("MOA", [code, w.number(amount)])
