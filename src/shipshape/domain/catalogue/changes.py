"""Events that change an order after intake: a status move, a cancellation, an amendment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from shipshape.domain.amendment import LineChange
from shipshape.domain.cancellation import money_text
from shipshape.domain.catalogue.base import (
    CASE,
    LINE,
    ORDER,
    RESERVATION,
    SITE,
    SYSTEM_EVENT,
    ObjectRef,
    OrderEvent,
    lines_of,
    order_ref,
    ref,
    texts,
    unique,
)
from shipshape.domain.catalogue.parts import reservation_json, reservation_links
from shipshape.domain.inventory import Reservation


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStatusChanged(OrderEvent):
    """A status move another system's event caused (`webhook_id`). `case_id` is named when the
    move opened a case (a credit hold after release); `credit_released` when closing the order
    gave its value back to the customer's credit."""

    TYPE = "OrderStatusChanged"
    OBJECT_TYPES = (ORDER, CASE, SYSTEM_EVENT)

    from_status: str
    to_status: str
    reason: str
    webhook_id: str
    case_id: str | None = None
    credit_released: Decimal | None = None

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {"from": str(self.from_status), "to": str(self.to_status),
                                   "reason": self.reason}
        if self.case_id is not None:
            body["case_id"] = self.case_id
        if self.credit_released is not None:
            body["credit_released"] = str(self.credit_released)
        body["webhook_id"] = self.webhook_id
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(CASE, data.get("case_id")),
                      ref(SYSTEM_EVENT, data.get("webhook_id"), "trigger"))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled(OrderEvent):
    TYPE = "OrderCancelled"
    OBJECT_TYPES = (ORDER, LINE, RESERVATION, SITE, CASE)

    from_status: str
    to_status: str
    reason: str
    actor: str
    compensations: tuple[str, ...]
    reservations_released: tuple[Reservation, ...]
    credit_released: Decimal
    cases_closed: tuple[str, ...]

    def payload(self) -> dict[str, object]:
        return {"from": str(self.from_status), "to": str(self.to_status), "reason": self.reason,
                "actor": self.actor, "compensations": [str(c) for c in self.compensations],
                "reservations_released": [reservation_json(r)
                                          for r in self.reservations_released],
                "credit_released": money_text(self.credit_released),
                "cases_closed": list(self.cases_closed)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream),
                      reservation_links(stream, data.get("reservations_released"), "released"),
                      [ref(CASE, case, "closed") for case in texts(data.get("cases_closed"))])


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAmended(OrderEvent):
    TYPE = "OrderAmended"
    OBJECT_TYPES = (ORDER, LINE, RESERVATION, SITE)

    actor: str
    lines: tuple[LineChange, ...]
    value_before: Decimal
    value_after: Decimal
    reservations_released: tuple[Reservation, ...]
    reservations_added: tuple[Reservation, ...]

    def payload(self) -> dict[str, object]:
        return {"actor": self.actor,
                "lines": [{"line_no": c.line_no, "sku": c.sku, "before": c.before,
                           "after": c.after} for c in self.lines],
                "value_before": money_text(self.value_before),
                "value_after": money_text(self.value_after),
                "reservations_released": [reservation_json(r)
                                          for r in self.reservations_released],
                "reservations_added": [reservation_json(r) for r in self.reservations_added]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), lines_of(stream, data.get("lines"), "amended"),
                      reservation_links(stream, data.get("reservations_released"), "released"),
                      reservation_links(stream, data.get("reservations_added"), "added"))
