"""OCEL 2.0 XML in: `<log>` with `<objects>` (attributes with a `time`, relationships to other
objects) and `<events>` (id, type, time, attributes, relationships to objects). An XML file
in the OCEL 1.0 layout (`<global>` and `<string key=...>` entries) is read by `ocel1`."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree

import polars as pl

from shipshape.mining.log import EventLog
from shipshape.mining.ocel_checks import checked
from shipshape.mining.ocel_times import parse_column

EPOCH_TEXT = "1970-01-01T00:00:00Z"


def read_xml2(root: ElementTree.Element, source: str) -> EventLog:
    events, objects = root.findall("./events/event"), root.findall("./objects/object")
    event_rows = [(e.get("id"), e.get("type"), e.get("time")) for e in events]
    object_rows = [(o.get("id"), o.get("type")) for o in objects]
    links = [(e.get("id"), r.get("object-id"), r.get("qualifier") or "")
             for e in events for r in e.findall("./objects/relationship")]
    relations = [(o.get("id"), r.get("object-id"), r.get("qualifier") or "")
                 for o in objects for r in o.findall("./objects/relationship")]
    event_values = [(e.get("id"), a.get("name"), a.text or "")
                    for e in events for a in e.findall("./attributes/attribute")]
    object_values = [(o.get("id"), a.get("name"), a.text or "", a.get("time") or EPOCH_TEXT)
                     for o in objects for a in o.findall("./attributes/attribute")]
    log = EventLog.of(
        events=parse_column(_rows(event_rows, "event_id", "activity", "timestamp"),
                            "timestamp", "event", "event_id"),
        objects=_rows(object_rows, "object_id", "object_type"),
        links=_rows(links, "event_id", "object_id", "qualifier").drop_nulls(),
        relations=_rows(relations, "source_id", "target_id", "qualifier").drop_nulls(),
        event_attributes=_rows(event_values, "event_id", "name", "value").drop_nulls(),
        object_attributes=parse_column(
            _rows(object_values, "object_id", "name", "value", "timestamp").drop_nulls(),
            "timestamp", "object attribute", "object_id"))
    return checked(log, source)


def _rows(rows: Sequence[tuple[str | None, ...]], *names: str) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={name: pl.String for name in names}, orient="row")
