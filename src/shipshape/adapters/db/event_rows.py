"""How an event is stored: its row in `order_events`, its outbox row and its links to every object
it touches (`event_objects`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shipshape.domain.catalogue import DomainEvent, ObjectRef
from shipshape.domain.catalogue.base import ORDER


@dataclass(frozen=True, slots=True)
class StoredEvent:
    type: str
    order_id: str | None
    """Set only for an event of an order's timeline."""
    stream: str
    payload: Mapping[str, object]
    occurred_at: datetime
    objects: tuple[ObjectRef, ...]


def stored(event: DomainEvent) -> StoredEvent:
    """The event as rows: its payload built once, its links read from that payload."""
    payload = event.payload()
    return StoredEvent(event.TYPE, event.order_id, event.stream, payload, event.occurred_at,
                       type(event).links(event.stream, payload))


def order_of(stream: str, objects: tuple[ObjectRef, ...]) -> str | None:
    """The stream key when the event links it as an order, else None (a wave, a run)."""
    return stream if any(o.type == ORDER and o.id == stream for o in objects) else None


LINK_COLUMNS = ("event_id", "object_type", "object_id", "qualifier")


def object_tuples(event_id: str, objects: tuple[ObjectRef, ...]) -> list[tuple[str, ...]]:
    """The `event_objects` rows of one event, in `LINK_COLUMNS` order."""
    return [(event_id, o.type, o.id[:200], o.qualifier[:40]) for o in objects]


def object_rows(event_id: str, objects: tuple[ObjectRef, ...]) -> list[dict[str, object]]:
    return [dict(zip(LINK_COLUMNS, row, strict=True)) for row in object_tuples(event_id, objects)]
