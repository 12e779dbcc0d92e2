"""Reads over the event-object relation: the events of one object (OCEL 2.0's view of the log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from shipshape.adapters.db import tables as t

Row = dict[str, Any]


def events_of_object(engine: Engine, object_type: str, object_id: str) -> list[Row]:
    """The events linked to the object, in the order they were written."""
    e, o = t.order_events.c, t.event_objects.c
    query = (select(e.event_id, e.type, o.qualifier, e.order_id, e.occurred_at)
             .join(t.event_objects, o.event_id == e.event_id)
             .where(o.object_type == object_type, o.object_id == object_id).order_by(e.id))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{**r, "occurred_at": r["occurred_at"].isoformat()} for r in rows]
