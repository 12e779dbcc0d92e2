"""Events of outbound EDI: the 856 ship notice and the 810 invoice sent to a trading partner, or
not sent, or failed; an order answered again (855 / ORDRSP) when its answer changed.

An interchange is identified by the partner and its control number (`<partner>:<number>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    CASE,
    INTERCHANGE,
    INVOICE,
    ORDER,
    SHIPMENT,
    Link,
    ObjectRef,
    OrderEvent,
    ident,
    order_ref,
    ref,
    unique,
)

SHIP_NOTICE, INVOICE_DOCUMENT = "856", "810"
INVOICES = frozenset({INVOICE_DOCUMENT, "INVOIC"})
"""The X12 and EDIFACT names of an invoice document (DESADV is the EDIFACT ship notice)."""


def _subject(document: str, shipment_id: str | None,
             invoice_id: str | None) -> dict[str, object]:
    """What the document is about: a ship notice its shipment, an invoice the invoice too."""
    if document in INVOICES:
        return {"invoice_id": invoice_id, "shipment_id": shipment_id}
    return {"shipment_id": shipment_id}


def _subject_links(stream: str, data: Mapping[str, object]) -> list[Link]:
    return [order_ref(stream), ref(SHIPMENT, data.get("shipment_id")),
            ref(INVOICE, data.get("invoice_id"))]


def _interchange(data: Mapping[str, object]) -> Link:
    partner, number = ident(data.get("partner")), ident(data.get("control_number"))
    return ref(INTERCHANGE, f"{partner}:{number}", "sent in") if partner and number else None


@dataclass(frozen=True, slots=True, kw_only=True)
class AsnSent(OrderEvent):
    """The 856 for a shipment, stored under the partner's interchange `control_number`;
    `source_event` is the id of the `ShipmentConfirmed` it answers."""

    TYPE = "AsnSent"
    OBJECT_TYPES = (ORDER, SHIPMENT, INTERCHANGE)

    partner: str
    control_number: int
    source_event: str
    shipment_id: str
    sscc: str | None
    document: str = SHIP_NOTICE
    """"856", or "DESADV" for a partner that trades by EDIFACT."""

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {
            "document": self.document, "partner": self.partner,
            "control_number": str(self.control_number), "source_event": self.source_event,
            "shipment_id": self.shipment_id}
        if self.sscc:
            body["sscc"] = self.sscc
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_subject_links(stream, data), _interchange(data))


@dataclass(frozen=True, slots=True, kw_only=True)
class EdiInvoiceSent(OrderEvent):
    """The 810 for an invoice; `source_event` is the id of the `InvoiceIssued` it answers."""

    TYPE = "EdiInvoiceSent"
    OBJECT_TYPES = (ORDER, SHIPMENT, INVOICE, INTERCHANGE)

    partner: str
    control_number: int
    source_event: str
    invoice_id: str
    shipment_id: str | None
    document: str = INVOICE_DOCUMENT
    """"810", or "INVOIC" for a partner that trades by EDIFACT."""

    def payload(self) -> dict[str, object]:
        return {"document": self.document, "partner": self.partner,
                "control_number": str(self.control_number), "source_event": self.source_event,
                **_subject(INVOICE_DOCUMENT, self.shipment_id, self.invoice_id)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_subject_links(stream, data), _interchange(data))


@dataclass(frozen=True, slots=True, kw_only=True)
class EdiDocumentNotSent(OrderEvent):
    """The customer's partner cannot take the `document` ("856" or "810") by X12;
    `standard` is what it trades by instead (EDIFACT, or none)."""

    TYPE = "EdiDocumentNotSent"
    OBJECT_TYPES = (ORDER, SHIPMENT, INVOICE)

    document: str
    partner: str
    standard: str
    reason: str
    shipment_id: str | None
    invoice_id: str | None = None

    def payload(self) -> dict[str, object]:
        return {"document": self.document, "partner": self.partner, "standard": self.standard,
                "reason": self.reason,
                **_subject(self.document, self.shipment_id, self.invoice_id)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_subject_links(stream, data))


@dataclass(frozen=True, slots=True, kw_only=True)
class EdiDocumentFailed(OrderEvent):
    """The master data cannot make a valid `document`; `case_id` is its EDI_DOCUMENT_FAILED
    case."""

    TYPE = "EdiDocumentFailed"
    OBJECT_TYPES = (ORDER, SHIPMENT, INVOICE, CASE)

    document: str
    partner: str
    reason: str
    case_id: str
    shipment_id: str | None
    invoice_id: str | None = None

    def payload(self) -> dict[str, object]:
        return {"document": self.document, "partner": self.partner, "reason": self.reason,
                "case_id": self.case_id,
                **_subject(self.document, self.shipment_id, self.invoice_id)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_subject_links(stream, data), ref(CASE, data.get("case_id")))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderResponseSent(OrderEvent):
    """The order answered again after intake because its answer changed: the 855 (X12, BAK01
    `05` replace) or ORDRSP (EDIFACT) `document` stored under the partner's interchange
    `control_number`. `answers` is the event it answers (`OrderAccepted` from held,
    `OrderCancelled`), `source_event` that event's id, `response` the order's answer as a
    whole (BAK02: AD, AC, RD, AH)."""

    TYPE = "OrderResponseSent"
    OBJECT_TYPES = (ORDER, INTERCHANGE)

    partner: str
    control_number: int
    source_event: str
    answers: str
    response: str
    document: str = "855"

    def payload(self) -> dict[str, object]:
        return {"document": self.document, "partner": self.partner,
                "control_number": str(self.control_number), "source_event": self.source_event,
                "answers": self.answers, "response": self.response}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), _interchange(data))
