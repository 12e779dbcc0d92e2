"""Events of customer communication: a notice sent to the customer (or skipped, and why)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    CUSTOMER,
    ORDER,
    ObjectRef,
    OrderEvent,
    order_ref,
    ref,
    unique,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerNotified(OrderEvent):
    """The customer was told of `source_event` (a `kind` of notice: order_acknowledged, shipped,
    ...) through `channel` (email, webhook), to `recipient` (masked: `a***@example.com`, the
    webhook's host), as `message_id`; `status` is `sent`, or `skipped` with the `reason`
    (opted out of the kind, channel none, no mail server) and nothing sent."""

    TYPE = "CustomerNotified"
    OBJECT_TYPES = (ORDER, CUSTOMER)

    customer_id: str
    kind: str
    status: str
    channel: str
    recipient: str
    message_id: str
    source_event: str
    source_type: str
    language: str
    reason: str | None = None

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {
            "customer_id": self.customer_id, "kind": self.kind, "status": self.status,
            "channel": self.channel, "recipient": self.recipient,
            "message_id": self.message_id, "source_event": self.source_event,
            "source_type": self.source_type, "language": self.language}
        if self.reason:
            body["reason"] = self.reason
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(CUSTOMER, data.get("customer_id"), "notified"))
