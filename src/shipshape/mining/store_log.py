"""Shipshape's own history as an EventLog: the rows `adapters/db/ocel_queries` reads (events
with their payload as JSON text, links to objects, the payload keys of each event type),
handed over by the caller, become OCEL 2.0's tables.

* an object's id is its type and its id in Shipshape (`order:ord_1`, `line:ord_1:2`,
  `reservation:ord_1:2:DAL`), since ids of different types may coincide;
* an event's attributes are its payload's top-level texts, numbers and booleans;
* object attributes and relations come from `store_objects`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import TIME, EventLog, empty
from shipshape.mining.ocel_times import parsed
from shipshape.mining.store_objects import object_attributes, relations

Rows = Sequence[tuple[Any, ...]]
EVENT_COLUMNS = ("event_id", "activity", "timestamp", "payload")
LINK_COLUMNS = ("event_id", "object_type", "object_id", "qualifier")


def store_log(event_batches: Iterable[Rows], link_batches: Iterable[Rows],
              payload_keys: Iterable[tuple[str, str]]) -> EventLog:
    """The log of the events in `event_batches` (event id, type, time, payload JSON text),
    their links (event id, object type, object id, qualifier) and, per event type, the
    payload keys that hold a single value."""
    raw = _frame(event_batches, EVENT_COLUMNS, inferred="timestamp")
    events = raw.select("event_id", "activity", _times(raw.get_column("timestamp")))
    values = _payload_values(raw, payload_keys)
    linked = _frame(link_batches, LINK_COLUMNS).with_columns(
        pl.concat_str("object_type", pl.lit(":"), "object_id").alias("object_id"))
    objects = linked.select("object_id", "object_type").unique("object_id",
                                                               maintain_order=True)
    return EventLog.of(events=events, objects=objects,
                       links=linked.select("event_id", "object_id", "qualifier"),
                       relations=relations(linked, objects),
                       event_attributes=values,
                       object_attributes=object_attributes(events, values, linked))


def _frame(batches: Iterable[Rows], columns: Sequence[str],
           inferred: str | None = None) -> pl.DataFrame:
    """The rows as a frame of texts; the `inferred` column as the driver gave it (text on
    SQLite, datetimes on PostgreSQL)."""
    schema = {name: None if name == inferred else pl.String for name in columns}
    frames = [pl.DataFrame(list(batch), schema=schema, orient="row") for batch in batches]
    if not frames:
        return pl.DataFrame(schema={name: pl.String for name in columns})
    return pl.concat(frames, how="vertical_relaxed")


def _times(column: pl.Series) -> pl.Series:
    """The times as the driver gave them (ISO text, or aware datetimes) as UTC µs."""
    if isinstance(column.dtype, pl.Datetime):
        zoned = (column.dt.convert_time_zone("UTC") if column.dtype.time_zone
                 else column.dt.replace_time_zone("UTC"))
        return zoned.cast(TIME).alias("timestamp")
    frame = pl.DataFrame({"text": column.cast(pl.String)})
    found = frame.select(parsed(pl.col("text")).alias("timestamp")).to_series()
    if found.null_count():
        raise LogError(f"{found.null_count()} stored events have a time that cannot be read")
    return found.cast(TIME)


def _payload_values(raw: pl.DataFrame, payload_keys: Iterable[tuple[str, str]]) -> pl.DataFrame:
    keys: dict[str, list[str]] = {}
    for kind, key in payload_keys:
        keys.setdefault(kind, []).append(key)
    found = [empty("event_attributes")]
    for (kind,), group in raw.select("event_id", "activity", "payload").group_by("activity"):
        names = keys.get(str(kind))
        if not names:
            continue
        decoded = group.select(
            pl.col("event_id").alias("__event"),
            pl.col("payload").str.json_decode(pl.Struct({n: pl.String for n in names}))
            .alias("__payload")).unnest("__payload")
        found.append(decoded.unpivot(names, index="__event", variable_name="__name",
                                     value_name="__value").drop_nulls("__value")
                     .select(pl.col("__event").alias("event_id"),
                             pl.col("__name").alias("name"), pl.col("__value").alias("value")))
    return pl.concat(found)
