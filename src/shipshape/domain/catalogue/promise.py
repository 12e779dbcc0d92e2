"""Events of the promise: the delivery date promised at acceptance, the promise at risk, and
the promise back on track."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shipshape.domain.catalogue.base import (
    CASE,
    ORDER,
    ObjectRef,
    OrderEvent,
    iso,
    order_ref,
    ref,
    unique,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPromised(OrderEvent):
    """An accepted order's promised delivery date: `ship_on` (the later of the requested ship
    date and the day its stock is available) plus `transit_days`."""

    TYPE = "OrderPromised"
    OBJECT_TYPES = (ORDER,)

    promised_date: date
    ship_on: date
    transit_days: int

    def payload(self) -> dict[str, object]:
        return {"promised_date": iso(self.promised_date), "ship_on": iso(self.ship_on),
                "transit_days": self.transit_days}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream))


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseAtRisk(OrderEvent):
    """The order's projected delivery date leaves less than the slack before its promised date
    (or passes it); `cause`: held, tender_failed, delivery_failed, schedule, in_transit;
    `case_id`: the PROMISE_AT_RISK case customer service was given."""

    TYPE = "PromiseAtRisk"
    OBJECT_TYPES = (ORDER, CASE)

    promised_date: date
    projected_date: date
    cause: str
    case_id: str | None = None

    def payload(self) -> dict[str, object]:
        return {"promised_date": iso(self.promised_date),
                "projected_date": iso(self.projected_date), "cause": self.cause,
                "case_id": self.case_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(CASE, data.get("case_id")))


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseRecovered(OrderEvent):
    """An order at risk is back on track (`state` on_track), or was delivered (kept, missed)."""

    TYPE = "PromiseRecovered"
    OBJECT_TYPES = (ORDER,)

    promised_date: date
    projected_date: date | None
    state: str

    def payload(self) -> dict[str, object]:
        return {"promised_date": iso(self.promised_date),
                "projected_date": iso(self.projected_date), "state": self.state}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream))
