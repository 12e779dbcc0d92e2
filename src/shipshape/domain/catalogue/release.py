"""Events of release: waves released, orders pulled from them, warehouse tasks stopped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shipshape.domain.catalogue.base import (
    CASE,
    CUSTOMER,
    LINE,
    ORDER,
    SITE,
    WAVE,
    DomainEvent,
    Link,
    ObjectRef,
    OrderEvent,
    iso,
    items,
    lines_of,
    order_ref,
    ref,
    texts,
    unique,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReleased(OrderEvent):
    TYPE = "OrderReleased"
    OBJECT_TYPES = (ORDER, WAVE, SITE)

    wave_id: str
    site: str
    from_status: str
    to_status: str

    def payload(self) -> dict[str, object]:
        return {"wave_id": self.wave_id, "site": self.site, "from": str(self.from_status),
                "to": str(self.to_status)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(WAVE, data.get("wave_id"), "released in"),
                      ref(SITE, data.get("site")))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPulledFromWave(OrderEvent):
    """The pre-wave check held the order: `codes` are its blocking findings, `case_ids` the
    cases they opened."""

    TYPE = "OrderPulledFromWave"
    OBJECT_TYPES = (ORDER, WAVE, SITE, CASE)

    wave_id: str
    site: str
    from_status: str
    to_status: str
    codes: tuple[str, ...]
    case_ids: tuple[str, ...]

    def payload(self) -> dict[str, object]:
        return {"wave_id": self.wave_id, "site": self.site, "from": str(self.from_status),
                "to": str(self.to_status), "codes": list(self.codes),
                "cases": list(self.case_ids)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(WAVE, data.get("wave_id"), "pulled from"),
                      ref(SITE, data.get("site")),
                      [ref(CASE, case) for case in texts(data.get("cases"))])


@dataclass(frozen=True, slots=True)
class WaveLine:
    line_no: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class WaveOrder:
    """One order of a wave and what the warehouse is asked to pick of it."""

    order_id: str
    customer_id: str
    requested_ship_date: date | None
    carrier_service: str | None
    lines: tuple[WaveLine, ...]

    def as_json(self) -> dict[str, object]:
        return {"order_id": self.order_id, "customer_id": self.customer_id,
                "requested_ship_date": iso(self.requested_ship_date),
                "carrier_service": self.carrier_service,
                "lines": [{"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity}
                          for ln in self.lines]}


@dataclass(frozen=True, slots=True, kw_only=True)
class WaveReleased(DomainEvent):
    """On the wave's own timeline (its stream is the wave id)."""

    TYPE = "WaveReleased"
    OBJECT_TYPES = (WAVE, SITE, ORDER, LINE, CUSTOMER)

    wave_id: str
    site: str
    trigger: str
    orders: tuple[WaveOrder, ...]

    @property
    def stream(self) -> str:
        return self.wave_id

    def payload(self) -> dict[str, object]:
        return {"wave_id": self.wave_id, "site": self.site, "trigger": self.trigger,
                "orders": [order.as_json() for order in self.orders]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        links: list[Link] = [ref(WAVE, data.get("wave_id") or stream),
                             ref(SITE, data.get("site"))]
        for order in items(data.get("orders")):
            order_id = order.get("order_id")
            links += [order_ref(order_id, "released"), *lines_of(order_id, order.get("lines")),
                      ref(CUSTOMER, order.get("customer_id"))]
        return unique(*links)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCancelRequested(OrderEvent):
    """The WMS is asked to stop the order's tasks at `sites` (none: at every site). Held after
    release, it names the case (or None); `for_cancellation` leaves the case out, as a
    cancellation closes the order's cases instead."""

    TYPE = "TaskCancelRequested"
    OBJECT_TYPES = (ORDER, SITE, CASE)

    sites: tuple[str, ...]
    reason: str
    case_id: str | None = None
    for_cancellation: bool = False

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {"order_id": self.order_id, "sites": list(self.sites),
                                   "reason": self.reason}
        if not self.for_cancellation:
            body["case_id"] = self.case_id
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(data.get("order_id") or stream),
                      [ref(SITE, site, "stopped at") for site in texts(data.get("sites"))],
                      ref(CASE, data.get("case_id")))
