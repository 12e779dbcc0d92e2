"""Events of billing: invoices issued, posted or rejected by the ERP, paid and credited.

`InvoiceIssued`, `InvoicePostRequested` and `CreditNoteIssued` carry the whole invoice, as the
ERP posting takes it (`invoicing.invoice_body`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from shipshape.domain.billing import Invoice
from shipshape.domain.catalogue.base import (
    CASE,
    CUSTOMER,
    INVOICE,
    LINE,
    ORDER,
    RETURN,
    SHIPMENT,
    SYSTEM_EVENT,
    DomainEvent,
    Link,
    ObjectRef,
    OrderEvent,
    lines_of,
    order_ref,
    ref,
    unique,
)
from shipshape.domain.invoicing import invoice_body

BODY_OBJECTS = (ORDER, INVOICE, SHIPMENT, CUSTOMER, LINE)
"""What an invoice body links to."""


def _body_links(stream: str, data: Mapping[str, object], invoice_role: str) -> list[Link]:
    order_id = data.get("order_id") or stream
    return [order_ref(order_id), ref(INVOICE, data.get("invoice_id"), invoice_role),
            ref(SHIPMENT, data.get("shipment_id")), ref(CUSTOMER, data.get("customer_id")),
            *lines_of(order_id, data.get("lines"))]


@dataclass(frozen=True, slots=True, kw_only=True)
class _InvoiceBody(DomainEvent):
    """An event that carries a whole invoice; its order is the invoice's."""

    invoice: Invoice

    @property
    def order_id(self) -> str:
        return self.invoice.order_id

    @property
    def stream(self) -> str:
        return self.invoice.order_id

    def payload(self) -> dict[str, object]:
        return invoice_body(self.invoice)

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_body_links(stream, data, INVOICE))


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceIssued(_InvoiceBody):
    TYPE = "InvoiceIssued"
    OBJECT_TYPES = BODY_OBJECTS


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoicePostRequested(_InvoiceBody):
    """The posting of a stored invoice asked again (reconciliation's repair)."""

    TYPE = "InvoicePostRequested"
    OBJECT_TYPES = BODY_OBJECTS


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditNoteIssued(DomainEvent):
    """`note` (a credit note) cancels the invoice `credits`, or part of it: the units of a
    return (`return_id`) accepted when the WMS received them."""

    TYPE = "CreditNoteIssued"
    OBJECT_TYPES = (*BODY_OBJECTS, RETURN)

    note: Invoice
    credits: str
    reason: str
    actor: str
    return_id: str | None = None

    @property
    def order_id(self) -> str:
        return self.note.order_id

    @property
    def stream(self) -> str:
        return self.note.order_id

    def payload(self) -> dict[str, object]:
        body = {**invoice_body(self.note), "credit_note_id": self.note.number,
                "credits": self.credits, "reason": self.reason, "actor": self.actor}
        if self.return_id is not None:
            body["return_id"] = self.return_id
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_body_links(stream, data, "credit note"),
                      ref(INVOICE, data.get("credits"), "credited"),
                      ref(RETURN, data.get("return_id"), "credited"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoicePosted(OrderEvent):
    """The ERP booked the invoice (`webhook_id`); `erp_total` is its total as the ERP sent it
    (a JSON number or decimal text, or None); `credited`: a credit note had cancelled it."""

    TYPE = "InvoicePosted"
    OBJECT_TYPES = (ORDER, INVOICE, SYSTEM_EVENT)

    invoice_id: str
    erp_ref: str | None
    webhook_id: str
    erp_total: object
    total: Decimal
    credited: bool

    def payload(self) -> dict[str, object]:
        return {"invoice_id": self.invoice_id, "erp_ref": self.erp_ref,
                "webhook_id": self.webhook_id, "erp_total": self.erp_total,
                "total": str(self.total), "credited": self.credited}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(INVOICE, data.get("invoice_id")),
                      ref(SYSTEM_EVENT, data.get("webhook_id"), "report"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceRejected(OrderEvent):
    """The ERP refused the posting; `case_id` is the INVOICE_POST_FAILED case. A credited
    invoice opens none: `credited` is True and the payload names no case. `webhook_id` is None
    when the refusal was the answer to the posting call."""

    TYPE = "InvoiceRejected"
    OBJECT_TYPES = (ORDER, INVOICE, CASE, SYSTEM_EVENT)

    invoice_id: str
    reason: str
    webhook_id: str | None = None
    case_id: str | None = None
    credited: bool = False

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {"invoice_id": self.invoice_id, "reason": self.reason}
        if self.credited:
            body["credited"] = True
        else:
            body["case_id"] = self.case_id
        body["webhook_id"] = self.webhook_id
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(INVOICE, data.get("invoice_id")),
                      ref(CASE, data.get("case_id")),
                      ref(SYSTEM_EVENT, data.get("webhook_id"), "report"))


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentReceived(OrderEvent):
    """`amount` paid on the invoice, `paid` in all so far, of `total`."""

    TYPE = "PaymentReceived"
    OBJECT_TYPES = (ORDER, INVOICE, SYSTEM_EVENT)

    invoice_id: str
    amount: Decimal
    paid: Decimal
    total: Decimal
    webhook_id: str

    def payload(self) -> dict[str, object]:
        return {"invoice_id": self.invoice_id, "amount": str(self.amount),
                "paid": str(self.paid), "total": str(self.total), "webhook_id": self.webhook_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(INVOICE, data.get("invoice_id"), "paid"),
                      ref(SYSTEM_EVENT, data.get("webhook_id"), "report"))
