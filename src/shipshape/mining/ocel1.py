"""OCEL 1.0 in (JSON and XML): events with an activity, a timestamp, the ids of the objects
they touch (`omap`, without qualifiers: each link's qualifier is empty) and values (`vmap`);
objects with a type and values (`ovmap`, held from the start: at the epoch)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from xml.etree import ElementTree

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import TIME, EventLog
from shipshape.mining.ocel_checks import checked
from shipshape.mining.ocel_times import parse_column

Json = Mapping[str, object]
Rows = Sequence[tuple[str | None, ...]]


def is_ocel1_json(data: Json) -> bool:
    return "ocel:events" in data or "ocel:objects" in data


def is_ocel1_xml(root: ElementTree.Element) -> bool:
    return root.find("global") is not None or root.find("./events/event/string") is not None


def read_json1(data: Json, source: str) -> EventLog:
    events, objects = _map(data, "ocel:events", source), _map(data, "ocel:objects", source)
    event_rows = [(key, _text(e.get("ocel:activity")), _text(e.get("ocel:timestamp")))
                  for key, e in events.items()]
    object_rows = [(key, _text(o.get("ocel:type"))) for key, o in objects.items()]
    links = [(key, _text(oid), "") for key, e in events.items()
             for oid in _sequence(e.get("ocel:omap"))]
    event_values = [(key, name, _text(value)) for key, e in events.items()
                    for name, value in _mapping(e.get("ocel:vmap")).items()]
    object_values = [(key, name, _text(value)) for key, o in objects.items()
                     for name, value in _mapping(o.get("ocel:ovmap")).items()]
    return _log(event_rows, object_rows, links, event_values, object_values, source)


def read_xml1(root: ElementTree.Element, source: str) -> EventLog:
    event_rows: list[tuple[str | None, ...]] = []
    object_rows: list[tuple[str | None, ...]] = []
    links: list[tuple[str | None, ...]] = []
    event_values: list[tuple[str | None, ...]] = []
    object_values: list[tuple[str | None, ...]] = []
    for event in root.findall("./events/event"):
        fields = _entries(event)
        key = fields.get("id")
        event_rows.append((key, fields.get("activity"), fields.get("timestamp")))
        links += [(key, oid.get("value"), "") for oid in event.findall("./list[@key='omap']/*")]
        event_values += [(key, v.get("key"), v.get("value"))
                         for v in event.findall("./list[@key='vmap']/*")]
    for item in root.findall("./objects/object"):
        fields = _entries(item)
        key = fields.get("id")
        object_rows.append((key, fields.get("type")))
        object_values += [(key, v.get("key"), v.get("value"))
                          for v in item.findall("./list[@key='ovmap']/*")]
    return _log(event_rows, object_rows, links, event_values, object_values, source)


def _entries(element: ElementTree.Element) -> dict[str, str | None]:
    return {child.get("key", ""): child.get("value") for child in element
            if child.tag != "list"}


def _log(event_rows: Rows, object_rows: Rows, links: Rows, event_values: Rows,
         object_values: Rows, source: str) -> EventLog:
    events = _rows(event_rows, "event_id", "activity", "timestamp")
    if events.filter(pl.any_horizontal(pl.all().is_null())).height:
        raise LogError(f"{source}: some events lack an id, an activity or a timestamp")
    log = EventLog.of(
        events=parse_column(events, "timestamp", "event", "event_id"),
        objects=_rows(object_rows, "object_id", "object_type").drop_nulls(),
        links=_rows(links, "event_id", "object_id", "qualifier").drop_nulls(),
        event_attributes=_rows(event_values, "event_id", "name", "value").drop_nulls(),
        object_attributes=_rows(object_values, "object_id", "name", "value").drop_nulls()
        .with_columns(pl.lit(0).cast(TIME).alias("timestamp")))
    return checked(log, source)


def _map(data: Json, key: str, source: str) -> dict[str, Json]:
    found = data.get(key, {})
    if not isinstance(found, Mapping):
        raise LogError(f"{source}: {key!r} must be an object of entries by id")
    return {str(k): v for k, v in found.items() if isinstance(v, Mapping)}


def _mapping(value: object) -> Json:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _rows(rows: Rows, *names: str) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={name: pl.String for name in names}, orient="row")
