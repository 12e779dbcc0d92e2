"""Shipshape's own history as rows, for an OCEL 2.0 export and for mining: the stored events,
every link from an event to an object (`event_objects`) and the top-level keys of each event
type's payload. Read in batches straight from the driver (no per-row conversion), so 200,000
events and their links come out in about two seconds; `occurred_at` is as the driver gives it
(ISO text on SQLite, an aware datetime on PostgreSQL) and the payload is JSON text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, String, Text, bindparam, cast, select, text, type_coerce

from shipshape.adapters.db import tables as t

Rows = list[tuple[Any, ...]]
EVENT_COLUMNS = ("event_id", "type", "occurred_at", "payload")
LINK_COLUMNS = ("event_id", "object_type", "object_id", "qualifier")
BATCH = 50_000
# The keys whose value is not a list or an object, per event type (a payload is a JSON object).
SCALAR_KEYS_SQL = {
    "sqlite": "SELECT DISTINCT e.type, j.key FROM order_events e, json_each(e.payload) j "
              "WHERE j.type NOT IN ('array', 'object'){where}",
    "postgresql": "SELECT DISTINCT e.type, j.key FROM order_events e, "
                  "json_each(e.payload::json) j "
                  "WHERE json_typeof(j.value) NOT IN ('array', 'object'){where}",
}


def _in_period(query: Select[Any], start: datetime | None, end: datetime | None) -> Select[Any]:
    e = t.order_events.c
    if start is not None:
        query = query.where(e.occurred_at >= start)
    if end is not None:
        query = query.where(e.occurred_at <= end)
    return query


def event_batches(engine: Engine, start: datetime | None = None, end: datetime | None = None,
                  batch: int = BATCH) -> Iterator[Rows]:
    """The events that occurred from `start` to `end` (both included; None: no bound), in
    the order they were stored, as rows of `EVENT_COLUMNS`, `batch` rows at a time."""
    e = t.order_events.c
    query = _in_period(select(e.event_id, e.type, type_coerce(e.occurred_at, String),
                              cast(e.payload, Text)), start, end).order_by(e.id)
    yield from _batches(engine, query, batch)


def link_batches(engine: Engine, start: datetime | None = None, end: datetime | None = None,
                 batch: int = BATCH) -> Iterator[Rows]:
    """Every link of those events to the objects they touch, as rows of `LINK_COLUMNS`."""
    o = t.event_objects.c
    query = select(o.event_id, o.object_type, o.object_id, o.qualifier)
    if start is not None or end is not None:
        chosen = _in_period(select(t.order_events.c.event_id), start, end)
        query = query.where(o.event_id.in_(chosen.scalar_subquery()))
    yield from _batches(engine, query, batch)


def scalar_payload_keys(engine: Engine, start: datetime | None = None,
                        end: datetime | None = None) -> list[tuple[str, str]]:
    """(event type, key) for every top-level payload key that holds a text, a number, a
    boolean or null in some event of that type from `start` to `end`."""
    clauses, values = [], {}
    if start is not None:
        clauses.append("e.occurred_at >= :start")
        values["start"] = start
    if end is not None:
        clauses.append("e.occurred_at <= :end")
        values["end"] = end
    sql = SCALAR_KEYS_SQL["postgresql" if engine.dialect.name == "postgresql" else "sqlite"]
    where = "".join(f" AND {clause}" for clause in clauses)
    query = text(sql.format(where=where)).bindparams(
        *(_moment(name) for name in values)) if values else text(sql.format(where=""))
    with engine.connect() as conn:
        rows = conn.execute(query, values).all()
    return sorted((str(kind), str(key)) for kind, key in rows)


def _moment(name: str) -> Any:
    return bindparam(name, type_=t.order_events.c.occurred_at.type)


def _batches(engine: Engine, query: Select[Any], batch: int) -> Iterator[Rows]:
    """The rows of `query` as the driver returns them: SQLAlchemy binds the parameters, the
    cursor is read directly (its rows are already tuples; no per-row conversion)."""
    with engine.connect() as conn:
        cursor = conn.execute(query).cursor
        while rows := cursor.fetchmany(batch):
            yield list(rows)
