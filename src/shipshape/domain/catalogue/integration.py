"""Events of the integration with other systems: a call made, a delivery that failed for good,
an event another system sent received or refused.

A call or a failure is recorded under the key of the event it served: the order, or the wave
for a `WaveReleased`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shipshape.domain.catalogue.base import (
    CASE,
    DEAD_LETTER,
    INVOICE,
    ORDER,
    SYSTEM_EVENT,
    WAVE,
    DomainEvent,
    Link,
    ObjectRef,
    OrderEvent,
    order_ref,
    ref,
    unique,
)
from shipshape.domain.catalogue.release import WaveReleased

WAVE_RELEASE_CONSUMER = "wms-wave-release"
"""The consumer of `WaveReleased`, whose events are keyed by the wave: how a stored
`IntegrationFailed` (which does not name the event type) tells a wave from an order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemCalled(DomainEvent):
    """A connector call that served the event `source_event` (of type `source_type`, keyed by
    `key`) and what the system replied. `invoice_id` is named by the invoice posting only."""

    TYPE = "SystemCalled"
    OBJECT_TYPES = (ORDER, WAVE, INVOICE)

    key: str
    system: str
    operation: str
    source_event: str
    source_type: str
    reply: Mapping[str, object]
    invoice_id: str | None = None

    @property
    def order_id(self) -> str | None:
        return None if self.source_type == WaveReleased.TYPE else self.key

    @property
    def stream(self) -> str:
        return self.key

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {
            "system": self.system, "operation": self.operation,
            "source_event": self.source_event, "source_type": self.source_type}
        if self.invoice_id is not None:
            body["invoice_id"] = self.invoice_id
        body["reply"] = dict(self.reply)
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        key_type = WAVE if data.get("source_type") == WaveReleased.TYPE else ORDER
        return unique(ref(key_type, stream), ref(INVOICE, data.get("invoice_id")))


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationFailed(DomainEvent):
    """The event `event_id` (keyed by `key`, an order or, with `key_type` "wave", a wave)
    could not be delivered by `consumer`: it is kept as the dead letter `dead_letter`, with
    the case `case_id`."""

    TYPE = "IntegrationFailed"
    OBJECT_TYPES = (ORDER, WAVE, DEAD_LETTER, CASE)

    key: str
    key_type: str = ORDER
    consumer: str
    event_id: str
    system: str | None
    operation: str | None
    dead_letter: int
    case_id: str
    error: str

    @property
    def order_id(self) -> str | None:
        return self.key if self.key_type == ORDER else None

    @property
    def stream(self) -> str:
        return self.key

    def payload(self) -> dict[str, object]:
        return {"consumer": self.consumer, "event_id": self.event_id, "system": self.system,
                "operation": self.operation, "dead_letter": self.dead_letter,
                "case_id": self.case_id, "error": self.error}

    def objects(self) -> tuple[ObjectRef, ...]:
        return unique(*self._links(self.key_type, self.key, self.payload()))

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        key_type = WAVE if data.get("consumer") == WAVE_RELEASE_CONSUMER else ORDER
        return unique(*cls._links(key_type, stream, data))

    @staticmethod
    def _links(key_type: str, key: str, data: Mapping[str, object]) -> list[Link]:
        return [ref(key_type, key), ref(DEAD_LETTER, data.get("dead_letter")),
                ref(CASE, data.get("case_id"))]


@dataclass(frozen=True, slots=True, kw_only=True)
class _SystemEventRecorded(OrderEvent):
    """An event another system sent about the order (`webhook_id`, of type `event_type`,
    dated `reported_at` by that system)."""

    system: str
    webhook_id: str
    event_type: str
    reported_at: datetime

    def _recorded(self) -> dict[str, object]:
        return {"system": self.system, "webhook_id": self.webhook_id,
                "event_type": self.event_type, "occurred_at": self.reported_at.isoformat()}


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemEventReceived(_SystemEventRecorded):
    """Applied, or `stale` (older than what is known already)."""

    TYPE = "SystemEventReceived"
    OBJECT_TYPES = (ORDER, SYSTEM_EVENT)

    stale: bool

    def payload(self) -> dict[str, object]:
        return {**self._recorded(), "stale": self.stale}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(SYSTEM_EVENT, data.get("webhook_id"), "received"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemEventRefused(_SystemEventRecorded):
    """The system does not own the state it changes; `case_id` is the OWNERSHIP_VIOLATION
    case."""

    TYPE = "SystemEventRefused"
    OBJECT_TYPES = (ORDER, SYSTEM_EVENT, CASE)

    case_id: str

    def payload(self) -> dict[str, object]:
        return {**self._recorded(), "case_id": self.case_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(SYSTEM_EVENT, data.get("webhook_id"), "refused"),
                      ref(CASE, data.get("case_id")))
