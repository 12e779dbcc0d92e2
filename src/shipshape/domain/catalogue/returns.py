"""Events of returns (RMA): a return authorised, received by the WMS, disputed.

The credit for an accepted return is `CreditNoteIssued` naming the return (`return_id`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    CUSTOMER,
    LINE,
    ORDER,
    RETURN,
    SHIPMENT,
    SYSTEM_EVENT,
    ObjectRef,
    OrderEvent,
    items,
    lines_of,
    order_ref,
    ref,
    unique,
)
from shipshape.domain.returns import ReturnLine


def _line(line: ReturnLine, received: bool) -> dict[str, object]:
    body: dict[str, object] = {"line_no": line.line_no, "shipment_id": line.shipment_id,
                               "site": line.site, "sku": line.sku,
                               "quantity": line.authorised}
    if received:
        body.update(good=line.good, damaged=line.damaged, scrapped=line.scrapped,
                    accepted=line.accepted)
    return body


def _links(stream: str, data: Mapping[str, object], role: str) -> list[ObjectRef | None]:
    return [order_ref(stream), ref(RETURN, data.get("return_id"), role),
            ref(CUSTOMER, data.get("customer_id")),
            *[ref(SHIPMENT, entry.get("shipment_id")) for entry in items(data.get("lines"))],
            *lines_of(stream, data.get("lines"), "returned")]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnAuthorised(OrderEvent):
    """`actor` authorised the return `return_id` of shipped units per line (from the shipments
    named), for `reason`; the WMS is told to expect it (`wms-return-expected`)."""

    TYPE = "ReturnAuthorised"
    OBJECT_TYPES = (ORDER, RETURN, CUSTOMER, SHIPMENT, LINE)

    return_id: str
    customer_id: str
    reason: str
    actor: str
    lines: Sequence[ReturnLine]

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "return_id": self.return_id,
                "customer_id": self.customer_id,
                "reason": self.reason, "actor": self.actor,
                "lines": [_line(line, received=False) for line in self.lines]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_links(stream, data, "authorised"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnReceived(OrderEvent):
    """The WMS received the return (`webhook_id`): per line the units good (restocked), damaged
    (quarantined), scrapped, and accepted for credit; `status` is the return's after it."""

    TYPE = "ReturnReceived"
    OBJECT_TYPES = (ORDER, RETURN, CUSTOMER, SHIPMENT, LINE, SYSTEM_EVENT)

    return_id: str
    customer_id: str
    status: str
    webhook_id: str
    lines: Sequence[ReturnLine]

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "return_id": self.return_id,
                "customer_id": self.customer_id,
                "status": self.status, "webhook_id": self.webhook_id,
                "lines": [_line(line, received=True) for line in self.lines]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_links(stream, data, "received"),
                      ref(SYSTEM_EVENT, data.get("webhook_id"), "reported by"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnDisputed(OrderEvent):
    """What the WMS received differs from the authorisation (`differences`): a
    `RETURN_DISPUTED` case goes to customer service; only the accepted units are credited."""

    TYPE = "ReturnDisputed"
    OBJECT_TYPES = (ORDER, RETURN, CUSTOMER)

    return_id: str
    customer_id: str
    differences: Sequence[str]

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "return_id": self.return_id,
                "customer_id": self.customer_id,
                "differences": list(self.differences)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(RETURN, data.get("return_id"), "disputed"),
                      ref(CUSTOMER, data.get("customer_id")))
