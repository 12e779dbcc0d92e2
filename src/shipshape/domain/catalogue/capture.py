"""Events of intake: an order received, checked, reserved and accepted or held, and the
exception cases that open on the way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shipshape.domain.catalogue.base import (
    CASE,
    CUSTOMER,
    LINE,
    ORDER,
    RESERVATION,
    SITE,
    DomainEvent,
    ObjectRef,
    OrderEvent,
    items,
    line_ref,
    numbers,
    order_ref,
    ref,
    unique,
)
from shipshape.domain.catalogue.parts import finding_json, reservation_json, reservation_links
from shipshape.domain.findings import Finding
from shipshape.domain.inventory import Reservation


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReceived(OrderEvent):
    TYPE = "OrderReceived"
    OBJECT_TYPES = (ORDER, CUSTOMER)

    channel: str
    external_id: str
    customer_id: str
    customer_po: str | None
    line_count: int
    value: Decimal

    def payload(self) -> dict[str, object]:
        return {"channel": self.channel, "external_id": self.external_id,
                "customer_id": self.customer_id, "customer_po": self.customer_po,
                "lines": self.line_count, "value": str(self.value)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(CUSTOMER, data.get("customer_id")))


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlsEvaluated(OrderEvent):
    """The lines it links are those the findings name."""

    TYPE = "ControlsEvaluated"
    OBJECT_TYPES = (ORDER, LINE)

    rule_version: str
    findings: tuple[Finding, ...]

    def payload(self) -> dict[str, object]:
        return {"rule_version": self.rule_version,
                "findings": [finding_json(f) for f in self.findings]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        named = {line_no for finding in items(data.get("findings"))
                 for line_no in numbers(finding.get("line_nos"))}
        return unique(order_ref(stream), [line_ref(stream, n) for n in sorted(named)])


@dataclass(frozen=True, slots=True, kw_only=True)
class StockReserved(OrderEvent):
    TYPE = "StockReserved"
    OBJECT_TYPES = (ORDER, LINE, RESERVATION, SITE)

    reservations: tuple[Reservation, ...]

    def payload(self) -> dict[str, object]:
        return {"reservations": [reservation_json(r) for r in self.reservations]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream),
                      reservation_links(stream, data.get("reservations"), "reserved"))


@dataclass(frozen=True, slots=True, kw_only=True)
class StockReleased(OrderEvent):
    """The order gave back these reservations: a count found less on the shelf than was
    reserved there (`reason` `count`), or the desk takes a held order again and it is allocated
    afresh (`reason` `decided_again`)."""

    TYPE = "StockReleased"
    OBJECT_TYPES = (ORDER, LINE, RESERVATION, SITE)

    reservations: tuple[Reservation, ...]
    reason: str

    def payload(self) -> dict[str, object]:
        return {"reservations": [reservation_json(r) for r in self.reservations],
                "reason": self.reason}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream),
                      reservation_links(stream, data.get("reservations"), "released"))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Decided(OrderEvent):
    """Intake's decision: the order moved from received to accepted or held."""

    OBJECT_TYPES = (ORDER,)

    from_status: str
    to_status: str
    blocking: tuple[str, ...]
    """The codes of the blocking findings (none for an accepted order)."""

    def payload(self) -> dict[str, object]:
        return {"from": str(self.from_status), "to": str(self.to_status),
                "blocking": list(self.blocking)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted(_Decided):
    TYPE = "OrderAccepted"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderHeld(_Decided):
    TYPE = "OrderHeld"


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateOrderReceived(OrderEvent):
    """On the original order: the same order came again; `case_id` is its DUPLICATE_ORDER
    case."""

    TYPE = "DuplicateOrderReceived"
    OBJECT_TYPES = (ORDER, CASE)

    channel: str
    external_id: str
    case_id: str

    def payload(self) -> dict[str, object]:
        return {"channel": self.channel, "external_id": self.external_id,
                "case_id": self.case_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(CASE, data.get("case_id")))


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionOpened(DomainEvent):
    """A case opened; on its order's timeline, or on its own when it has no order."""

    TYPE = "ExceptionOpened"
    OBJECT_TYPES = (CASE, ORDER)

    order_id: str | None = None  # overrides the base class's read-only property
    case_id: str
    code: str
    owner_team: str
    stage: str
    sla_due_at: datetime

    @property
    def stream(self) -> str:
        return self.order_id or self.case_id

    def payload(self) -> dict[str, object]:
        return {"case_id": self.case_id, "code": self.code, "owner_team": self.owner_team,
                "stage": self.stage, "sla_due_at": self.sla_due_at.isoformat()}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        case = ref(CASE, data.get("case_id"))
        order = order_ref(stream) if case is None or stream != case.id else None
        return unique(case, order)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionRecurred(DomainEvent):
    """The exception of an open case seen again: the case counts it instead of another case
    being opened."""

    TYPE = "ExceptionRecurred"
    OBJECT_TYPES = (CASE, ORDER)

    order_id: str | None = None  # overrides the base class's read-only property
    case_id: str
    code: str
    occurrences: int

    @property
    def stream(self) -> str:
        return self.order_id or self.case_id

    def payload(self) -> dict[str, object]:
        return {"case_id": self.case_id, "code": self.code, "occurrences": self.occurrences}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return ExceptionOpened.links(stream, data)
