"""DESADV (D.96A despatch advice) for a shipment: the EDIFACT twin of the 856.

    BGM+351+<shipment>+9          DTM+137 (issued), DTM+11 (despatch date)
    RFF+ON:<PO>  RFF+CN:<tracking>  RFF+BM:<bill of lading>          SG1
    NAD+SU (us)  NAD+BY (the partner)  NAD+SF (site)  NAD+ST (ship-to) SG2
    TDT+20++++<SCAC>::182                                             SG6
    CPS+1  PAC+<packages>++CT  MEA+PD+G+KGM:<kg>                      the consignment
    per package: CPS+<n>+1  PAC+1++CT  MEA  PCI+33E  GIN+BJ+<SSCC>    SG10/SG11/SG13/SG14
      per line: LIN+<n>++<GTIN>:EN  PIA+5+<SKU>:SA  PIA+1+<lot>:NB  QTY+12:<qty>:<uom>
                DTM+36:<expiry>:102  RFF+ON:<PO>:<order line>         SG15/SG16
    CNT+2:<LIN segments>
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from pydifact.segments import Segment

from shipshape.adapters.channels.edifact import writer as w
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Package, ShipFrom, Shipment, ShippedLine

DESPATCH_ADVICE, ORIGINAL = "351", "9"
SCAC_AGENCY = "182"
"""3055: US, Standard Carrier Alpha Code (Motor)."""
SELLER_ASSIGNED = "91"
CARTON = "CT"
LINES_COUNT = "2"
"""6069: number of line items in the message."""
EXPIRY = "36"


def build_desadv(shipment: Shipment, partner: TradingPartner, our: OurIdentity,
                 control_number: int, when: datetime, *, test: bool = False) -> str:
    po = w.required(shipment.customer_po, f"order {shipment.order_id} has no customer PO; "
                    "a DESADV refers to it, and it")
    body = [
        w.seg("BGM", DESPATCH_ADVICE, w.required(shipment.id, "shipment id"), ORIGINAL),
        w.seg("DTM", ["137", when.strftime("%Y%m%d%H%M"), w.STAMP_FORMAT]),
        w.seg("DTM", ["11", w.day(shipment.ship_date), w.DATE_FORMAT]),
        *_references(shipment, po),
        *parties(our, partner),
        _ship_from(shipment.site),
        ship_to(shipment),
        w.seg("TDT", "20", "", "", "", [w.required(shipment.carrier_scac, "SCAC"), "",
                                          SCAC_AGENCY]),
        *_packages(shipment, po),
    ]
    lines = sum(1 for segment in body if segment.tag == "LIN")
    body.append(w.seg("CNT", [LINES_COUNT, str(lines)]))
    return w.interchange("DESADV", body, w.Envelope(partner, our, control_number, when, test))


def _references(shipment: Shipment, po: str) -> list[Segment]:
    segments = [w.seg("RFF", ["ON", po])]
    if shipment.tracking_number:
        segments.append(w.seg("RFF", ["CN", w.text(shipment.tracking_number, "tracking number")]))
    if shipment.bill_of_lading:
        segments.append(w.seg("RFF", ["BM", w.text(shipment.bill_of_lading, "bill of lading")]))
    return segments


def parties(our: OurIdentity, partner: TradingPartner) -> list[Segment]:
    """NAD+SU (us) and NAD+BY (the partner), by their interchange ids; a GLN (UNB qualifier 14)
    is marked as such (3055 = 9, EAN)."""
    return [w.seg("NAD", role, _party_id(edifact_id, what))
            for role, edifact_id, what in (("SU", our.edifact_id, "our EDIFACT id"),
                                           ("BY", partner.edifact_id,
                                            f"partner {partner.id} EDIFACT id"))]


def _party_id(edifact_id: str, what: str) -> list[str]:
    identifier, _, qualifier = edifact_id.partition(":")
    return [w.required(identifier, what), "", "9" if qualifier == "14" else ""]


def _ship_from(site: ShipFrom) -> Segment:
    return w.seg("NAD", "SF", [w.required(site.site_id, "site id"), "", SELLER_ASSIGNED], "",
                 w.split_text(site.name, f"site {site.site_id} name", 5),
                 w.split_text(site.line1, f"site {site.site_id} street", 4),
                 w.text(site.city, f"site {site.site_id} city"),
                 w.text(site.region, f"site {site.site_id} region", 9),
                 w.text(site.postal_code, f"site {site.site_id} postal code", 9),
                 w.text(site.country, f"site {site.site_id} country", 3))


def ship_to(shipment: Shipment) -> Segment:
    to = shipment.ship_to
    return w.seg("NAD", "ST", "", "", w.split_text(to.name, "ship-to name", 5),
                 w.split_text(to.line1, "ship-to street", 4), w.text(to.city, "ship-to city"),
                 w.text(to.region, "ship-to region", 9),
                 w.text(to.postal_code, "ship-to postal code", 9),
                 w.text(to.country, "ship-to country", 3))


def _packages(shipment: Shipment, po: str) -> list[Segment]:
    segments = [w.seg("CPS", "1"),
                w.seg("PAC", str(len(shipment.packages)), "", CARTON),
                _weight(shipment.total_weight_kg)]
    counter = iter(range(1, 100_000))
    for number, package in enumerate(shipment.packages, start=2):
        segments += _package(package, number, po, counter)
    return segments


def _weight(kilograms: Decimal) -> Segment:
    return w.seg("MEA", "PD", "G", ["KGM", w.number(kilograms)])


def _package(package: Package, number: int, po: str, counter: Iterator[int]
             ) -> list[Segment]:
    segments = [w.seg("CPS", str(number), "1"), w.seg("PAC", "1", "", CARTON),
                _weight(package.weight_kg), w.seg("PCI", "33E"), w.seg("GIN", "BJ", package.sscc)]
    for line in package.lines:
        segments += _line(line, next(counter), po)
    return segments


def _line(line: ShippedLine, number: int, po: str) -> list[Segment]:
    segments = [w.seg("LIN", str(number), "", [line.gtin, "EN"] if line.gtin else ""),
                w.seg("PIA", "5", [w.required(line.sku, "SKU"), "SA"])]
    if line.lot:
        segments.append(w.seg("PIA", "1", [w.text(line.lot, f"line {line.line_no} lot"),
                                           "NB"]))
    segments.append(w.seg("QTY", ["12", str(line.quantity), w.required(line.uom, "unit", 3)]))
    if line.expiry:
        segments.append(w.seg("DTM", [EXPIRY, w.day(line.expiry), w.DATE_FORMAT]))
    segments.append(w.seg("RFF", ["ON", po, str(line.line_no)]))
    return segments
