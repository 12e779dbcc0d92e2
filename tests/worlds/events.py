"""Events only tests write: typed like the catalogue's, so the store takes them as it takes any
event, but about nothing the journey does (a note on an order, a probe a test consumer writes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from shipshape.domain.catalogue import DomainEvent, ObjectRef
from shipshape.domain.catalogue.base import ORDER, order_ref, ref, unique


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderNoted(DomainEvent):
    """A numbered note on an order's timeline."""

    TYPE = "OrderNoted"
    OBJECT_TYPES = (ORDER,)

    order_id: str  # overrides the base class's read-only property
    n: int

    @property
    def stream(self) -> str:
        return self.order_id

    def payload(self) -> dict[str, object]:
        return {"n": self.n}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream))


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultProbeApplied(DomainEvent):
    """What the fault tests' consumer writes for each message it applies, under its key (an
    order's id, or a wave's: the test reads them back by key)."""

    TYPE = "FaultProbeApplied"
    OBJECT_TYPES = (ORDER,)

    key: str
    source_event: str
    worker: str

    @property
    def order_id(self) -> str | None:
        return self.key

    @property
    def stream(self) -> str:
        return self.key

    def payload(self) -> dict[str, object]:
        return {"source_event": self.source_event, "worker": self.worker}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(ref(ORDER, stream))


def notes(order_id: str, n: int) -> list[DomainEvent]:
    now = datetime.now(UTC)
    return [OrderNoted(occurred_at=now, order_id=order_id, n=i) for i in range(n)]
