"""The event log every mining step reads: object-centric (OCEL 2.0's shape), held as Polars
columns. A flat log (one case id per event) is the special case of one object type, `case`.

Tables and their columns (each a `pl.DataFrame` with exactly these columns and types):

* `events`: `event_id` (str, unique), `activity` (str), `timestamp` (UTC microseconds);
* `objects`: `object_id` (str, unique), `object_type` (str);
* `links` (event to object): `event_id`, `object_id`, `qualifier` (str);
* `relations` (object to object): `source_id`, `target_id`, `qualifier` (str);
* `event_attributes`: `event_id`, `name`, `value` (str: the value as text);
* `object_attributes`: `object_id`, `name`, `value` (str), `timestamp` (UTC microseconds; the
  epoch for a value the object had from the start).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

TIME = pl.Datetime("us", "UTC")
SCHEMAS: Mapping[str, Mapping[str, pl.DataType]] = {
    "events": {"event_id": pl.String(), "activity": pl.String(), "timestamp": TIME},
    "objects": {"object_id": pl.String(), "object_type": pl.String()},
    "links": {"event_id": pl.String(), "object_id": pl.String(), "qualifier": pl.String()},
    "relations": {"source_id": pl.String(), "target_id": pl.String(),
                  "qualifier": pl.String()},
    "event_attributes": {"event_id": pl.String(), "name": pl.String(), "value": pl.String()},
    "object_attributes": {"object_id": pl.String(), "name": pl.String(),
                          "value": pl.String(), "timestamp": TIME},
}
FLAT_TYPE = "case"
"""The object type of a flat log's cases."""


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(SCHEMAS[table]))


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with exactly `table`'s columns, in order, cast to their types; ValueError naming
    the table and the columns it lacks."""
    schema = SCHEMAS[table]
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise ValueError(f"{table}: missing columns {', '.join(missing)}")
    return frame.select([pl.col(name).cast(kind) for name, kind in schema.items()])


@dataclass(frozen=True)
class EventLog:
    events: pl.DataFrame = field(default_factory=lambda: empty("events"))
    objects: pl.DataFrame = field(default_factory=lambda: empty("objects"))
    links: pl.DataFrame = field(default_factory=lambda: empty("links"))
    relations: pl.DataFrame = field(default_factory=lambda: empty("relations"))
    event_attributes: pl.DataFrame = field(default_factory=lambda: empty("event_attributes"))
    object_attributes: pl.DataFrame = field(
        default_factory=lambda: empty("object_attributes"))

    @classmethod
    def of(cls, **tables: pl.DataFrame) -> EventLog:
        """A log from the tables given (the rest empty), each conformed to its schema."""
        unknown = sorted(set(tables) - set(SCHEMAS))
        if unknown:
            raise ValueError(f"unknown tables: {', '.join(unknown)}")
        return cls(**{name: conform(name, frame) for name, frame in tables.items()})

    def counts(self) -> dict[str, int]:
        """Rows per table: what a round trip must keep."""
        return {name: getattr(self, name).height for name in SCHEMAS}

    def object_types(self) -> list[str]:
        return sorted(self.objects.get_column("object_type").unique().to_list())

    def cases(self, object_type: str = FLAT_TYPE) -> pl.DataFrame:
        """Each event of the objects of `object_type`, with its case: `case_id`, `event_id`,
        `activity`, `timestamp`, sorted by case, then time, then event id (an event linked to
        two objects of the type appears in both cases)."""
        ids = self.objects.filter(pl.col("object_type") == object_type).select("object_id")
        linked = self.links.join(ids, on="object_id").select(
            pl.col("object_id").alias("case_id"), "event_id").unique()
        return (linked.join(self.events, on="event_id")
                .select("case_id", "event_id", "activity", "timestamp")
                .sort("case_id", "timestamp", "event_id"))
