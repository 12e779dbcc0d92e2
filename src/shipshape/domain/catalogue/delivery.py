"""Events of delivery: what the TMS reported of a shipment on its way to the customer, and the
redelivery Shipshape asked of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shipshape.domain.catalogue.base import (
    LINE,
    ORDER,
    SHIPMENT,
    SYSTEM_EVENT,
    ObjectRef,
    OrderEvent,
    lines_of,
    order_ref,
    ref,
    unique,
)
from shipshape.domain.delivery import DiscrepantLine


def _shipment_links(stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
    order_id = data.get("order_id") or stream
    return unique(order_ref(order_id), ref(SHIPMENT, data.get("shipment_id")),
                  lines_of(order_id, data.get("lines")),
                  ref(SYSTEM_EVENT, data.get("webhook_id"), "reported by"))


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryMilestone(OrderEvent):
    """The TMS reported the shipment `in_transit` or `out_for_delivery`."""

    TYPE = "DeliveryMilestone"
    OBJECT_TYPES = (ORDER, SHIPMENT, SYSTEM_EVENT)

    shipment_id: str
    milestone: str
    webhook_id: str

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "shipment_id": self.shipment_id,
                "milestone": self.milestone, "webhook_id": self.webhook_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return _shipment_links(stream, data)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentDelivered(OrderEvent):
    """The shipment reached the customer: when, the proof of delivery and who signed."""

    TYPE = "ShipmentDelivered"
    OBJECT_TYPES = (ORDER, SHIPMENT, SYSTEM_EVENT)

    shipment_id: str
    delivered_at: datetime
    pod_reference: str | None
    signee: str | None
    on_time: bool
    webhook_id: str

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "shipment_id": self.shipment_id,
                "delivered_at": self.delivered_at.isoformat(),
                "pod_reference": self.pod_reference, "signee": self.signee,
                "on_time": self.on_time, "webhook_id": self.webhook_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return _shipment_links(stream, data)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryFailed(OrderEvent):
    """The carrier could not deliver the shipment (`reason`, attempt `attempt`)."""

    TYPE = "DeliveryFailed"
    OBJECT_TYPES = (ORDER, SHIPMENT, SYSTEM_EVENT)

    shipment_id: str
    reason: str
    attempt: int
    webhook_id: str

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "shipment_id": self.shipment_id,
                "reason": self.reason, "attempt": self.attempt, "webhook_id": self.webhook_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return _shipment_links(stream, data)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryDiscrepancy(OrderEvent):
    """The shipment arrived with damaged or short quantities on some lines."""

    TYPE = "DeliveryDiscrepancy"
    OBJECT_TYPES = (ORDER, SHIPMENT, LINE, SYSTEM_EVENT)

    shipment_id: str
    lines: tuple[DiscrepantLine, ...]
    webhook_id: str

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "shipment_id": self.shipment_id,
                "lines": [{"line_no": ln.line_no, "damaged": ln.damaged, "short": ln.short}
                          for ln in self.lines],
                "webhook_id": self.webhook_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return _shipment_links(stream, data)


@dataclass(frozen=True, slots=True, kw_only=True)
class RedeliveryRequested(OrderEvent):
    """The TMS is asked to deliver a failed shipment again (consumer `tms-redelivery`)."""

    TYPE = "RedeliveryRequested"
    OBJECT_TYPES = (ORDER, SHIPMENT)

    shipment_id: str
    carrier_service: str
    tracking_number: str | None
    actor: str

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "shipment_id": self.shipment_id,
                "carrier_service": self.carrier_service,
                "tracking_number": self.tracking_number, "actor": self.actor}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(data.get("order_id") or stream),
                      ref(SHIPMENT, data.get("shipment_id"), "redelivered"))
