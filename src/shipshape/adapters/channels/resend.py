"""`DocumentRebuilder`: a document we sent, built again for the desk's `resend` under a new
control number. An 856 or 810 is rebuilt from the current shipment or invoice (named by its BSN02
or BIG02) with the builders of `services.edi_outbound`, keeping the cartons' SSCCs (they are on
the labels already); any other document (855, 865, DESADV, INVOIC, ORDRSP...) is sent as stored
under the new interchange (ISA13/IEA02, GS06/GE02; EDIFACT UNB/UNZ reference)."""

from __future__ import annotations

import re
from datetime import datetime

from shipshape.adapters.channels import x12
from shipshape.domain import edi_outbound as eo
from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import TradingPartner
from shipshape.services.edi_outbound import EdiDocumentSource, EdiDocumentWriter
from shipshape.services.ports.edi_acks import SentDocument


class EdiRebuilder:
    def __init__(self, writer: EdiDocumentWriter, source: EdiDocumentSource,
                 seller: str) -> None:
        self._writer = writer
        self._source = source
        self._seller = seller

    def rebuild(self, document: SentDocument, partner: TradingPartner, control_number: int,
                at: datetime) -> str:
        content = document.content
        if document.doc_type == "856" and content.lstrip().startswith("ISA"):
            return self._ship_notice(content, partner, control_number, at)
        if document.doc_type == "810" and content.lstrip().startswith("ISA"):
            return self._invoice(content, partner, control_number, at)
        return renumber(content, control_number)

    def _ship_notice(self, content: str, partner: TradingPartner, control: int,
                     at: datetime) -> str:
        segments = _segments(content)
        shipment_id = _value(segments, "BSN", 2)
        facts = self._source.shipment(shipment_id)
        if facts is None:
            raise InvalidInput(f"shipment {shipment_id} of the 856 is not stored")
        man = next((s for s in segments if s[0] == "MAN" and x12_at(s, 1) == "GM"), None)
        sscc = x12_at(man, 2).removeprefix("00") if man else ""
        return self._writer.ship_notice(eo.asn_shipment(facts, sscc), partner, control, at)

    def _invoice(self, content: str, partner: TradingPartner, control: int,
                 at: datetime) -> str:
        invoice_id = _value(_segments(content), "BIG", 2)
        facts = self._source.invoice(invoice_id)
        if facts is None:
            raise InvalidInput(f"invoice {invoice_id} of the 810 is not stored")
        return self._writer.invoice(eo.edi_invoice(facts, self._seller), partner, control, at)


def _segments(content: str) -> list[list[str]]:
    [interchange] = x12.parse(content)[:1]
    return [s for g in interchange.groups for ts in g.transaction_sets for s in ts.segments]


def x12_at(segment: list[str] | None, position: int) -> str:
    return segment[position] if segment and position < len(segment) else ""


def _value(segments: list[list[str]], tag: str, position: int) -> str:
    found = next((s for s in segments if s[0] == tag), None)
    value = x12_at(found, position)
    if not value:
        raise InvalidInput(f"the stored document has no {tag}{position:02d}")
    return value


def renumber(content: str, control: int) -> str:
    """The stored document under a new interchange (and X12 group) control number."""
    text = content.lstrip()
    if text.startswith("ISA"):
        return _renumber_x12(text, control)
    if text[:3] in ("UNA", "UNB"):
        return _renumber_edifact(text, control)
    raise InvalidInput("the stored document is neither X12 nor EDIFACT")


def _renumber_x12(text: str, control: int) -> str:
    element, terminator = text[3], text[105]
    segments = text.split(terminator)
    isa = segments[0].split(element)
    isa[13] = f"{control:09d}"
    out = []
    for raw in segments:
        parts = raw.split(element)
        tag = parts[0].strip()
        if tag == "ISA":
            parts = isa
        elif tag in ("GS", "GE") and len(parts) > 6 - (tag == "GE") * 4:
            parts[6 if tag == "GS" else 2] = str(control)
        elif tag == "IEA" and len(parts) > 2:
            parts[2] = f"{control:09d}"
        out.append(element.join(parts))
    return terminator.join(out)


def _renumber_edifact(text: str, control: int) -> str:
    """UNB 0020 and UNZ 0020 (both the fifth/second data element) replaced."""
    reference = str(control)
    text = re.sub(r"(UNB\+(?:[^+']*\+){4})[^+']*", lambda m: m.group(1) + reference, text,
                  count=1)
    return re.sub(r"(UNZ\+[^+']*\+)[^+']*", lambda m: m.group(1) + reference, text, count=1)
