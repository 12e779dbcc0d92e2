"""OCEL 2.0 JSON in and out: `objectTypes`, `eventTypes`, `objects` (with time-stamped
attribute values and relationships to other objects) and `events` (with attributes and
relationships to objects). Written with Polars, so a large log is written in about a
second."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import EventLog
from shipshape.mining.ocel_checks import checked
from shipshape.mining.ocel_times import parse_column

Json = Mapping[str, object]


def read_json2(data: Json, source: str) -> EventLog:
    events, objects = _entries(data, "events", source), _entries(data, "objects", source)
    event_rows = [(_text(e.get("id")), _text(e.get("type")), _text(e.get("time")))
                  for e in events]
    object_rows = [(_text(o.get("id")), _text(o.get("type"))) for o in objects]
    links = [(_text(e.get("id")), _text(r.get("objectId")), _text(r.get("qualifier")) or "")
             for e in events for r in _list(e.get("relationships"))]
    relations = [(_text(o.get("id")), _text(r.get("objectId")), _text(r.get("qualifier")) or "")
                 for o in objects for r in _list(o.get("relationships"))]
    event_values = [(_text(e.get("id")), _text(a.get("name")), _text(a.get("value")))
                    for e in events for a in _list(e.get("attributes"))]
    object_values = [(_text(o.get("id")), _text(a.get("name")), _text(a.get("value")),
                      _text(a.get("time")) or "1970-01-01T00:00:00Z")
                     for o in objects for a in _list(o.get("attributes"))]
    frame = _rows(event_rows, "event_id", "activity", "timestamp")
    _complete(frame, "event", source)
    _complete(_rows(object_rows, "object_id", "object_type"), "object", source)
    values = _rows(object_values, "object_id", "name", "value", "timestamp")
    log = EventLog.of(
        events=parse_column(frame, "timestamp", "event", "event_id"),
        objects=_rows(object_rows, "object_id", "object_type"),
        links=_rows(links, "event_id", "object_id", "qualifier").drop_nulls(),
        relations=_rows(relations, "source_id", "target_id", "qualifier").drop_nulls(),
        event_attributes=_rows(event_values, "event_id", "name", "value").drop_nulls(),
        object_attributes=parse_column(values.drop_nulls(["object_id", "name", "value"]),
                                       "timestamp", "object attribute", "object_id"))
    return checked(log, source)


def _entries(data: Json, key: str, source: str) -> list[Json]:
    found = data.get(key, [])
    if not isinstance(found, list) or not all(isinstance(e, Mapping) for e in found):
        raise LogError(f"{source}: {key!r} must be a list of objects")
    return found


def _list(value: object) -> list[Json]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _text(value: object) -> str | None:
    """A JSON value as text: strings as they are, numbers and booleans as JSON writes them."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _rows(rows: Sequence[tuple[str | None, ...]], *names: str) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={name: pl.String for name in names}, orient="row")


def _complete(frame: pl.DataFrame, what: str, source: str) -> None:
    lacking = frame.filter(pl.any_horizontal(pl.all().is_null()))
    if lacking.height:
        raise LogError(f"{source}: {lacking.height} {what}s lack an id, a type"
                       f"{' or a time' if what == 'event' else ''}")


def write_json2(log: EventLog, path: Path) -> None:
    """`log` as OCEL 2.0 JSON at `path` (every attribute declared as a string)."""
    stamp = "%Y-%m-%dT%H:%M:%S%.6f+00:00"
    events = (log.events.select(pl.col("event_id").alias("id"), pl.col("activity").alias("type"),
                                pl.col("timestamp").dt.strftime(stamp).alias("time"))
              .join(_nested(log.event_attributes, "event_id", "attributes",
                            [pl.col("name"), pl.col("value")]), on="id", how="left")
              .join(_nested(log.links, "event_id", "relationships",
                            [pl.col("object_id").alias("objectId"), pl.col("qualifier")]),
                    on="id", how="left", maintain_order="left"))
    objects = (log.objects.select(pl.col("object_id").alias("id"),
                                  pl.col("object_type").alias("type"))
               .join(_nested(log.object_attributes, "object_id", "attributes",
                             [pl.col("name"), pl.col("timestamp").dt.strftime(stamp)
                              .alias("time"), pl.col("value")]), on="id", how="left")
               .join(_nested(log.relations, "source_id", "relationships",
                             [pl.col("target_id").alias("objectId"), pl.col("qualifier")]),
                     on="id", how="left", maintain_order="left"))
    header = {"objectTypes": _types(log.objects, "object_type", log.object_attributes,
                                    "object_id"),
              "eventTypes": _types(log.events, "activity", log.event_attributes, "event_id")}
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(header)[:-1])
        out.write(', "events": ')
        out.write(_array(events))
        out.write(', "objects": ')
        out.write(_array(objects))
        out.write("}\n")


def _nested(frame: pl.DataFrame, key: str, name: str, fields: list[pl.Expr]) -> pl.DataFrame:
    return (frame.with_columns(pl.struct(fields).alias(name))
            .group_by(key, maintain_order=True).agg(pl.col(name)).rename({key: "id"}))


def _array(frame: pl.DataFrame) -> str:
    """`frame`'s rows as a JSON array, a missing list written as `[]`."""
    lists = [name for name, kind in frame.schema.items() if isinstance(kind, pl.List)]
    filled = frame.with_columns(pl.col(name).fill_null([]) for name in lists)
    buffer = io.StringIO()
    filled.write_json(buffer)
    return buffer.getvalue()


def _types(frame: pl.DataFrame, type_column: str, values: pl.DataFrame,
           key: str) -> list[dict[str, object]]:
    id_column = frame.columns[0]
    named = (frame.select(pl.col(id_column).alias(key), type_column)
             .join(values.select(key, "name").unique(), on=key, how="left"))
    types = []
    for (kind,), group in named.group_by(type_column, maintain_order=True):
        names = sorted(group.get_column("name").drop_nulls().unique().to_list())
        types.append({"name": kind, "attributes": [{"name": n, "type": "string"}
                                                   for n in names]})
    return sorted(types, key=lambda t: str(t["name"]))
