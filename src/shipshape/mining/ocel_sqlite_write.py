"""OCEL 2.0 SQLite out, with the keys PM4Py's export lacks: primary keys on `event`,
`object`, `event_object`, `object_object`, the map tables and each `event_<map>` table;
foreign keys from every link, relation and type table row to what it names (enforced while
writing). Each type's table name is its name's letters and digits (`Purchase Order` →
`object_PurchaseOrder`), made unique without regard to case and never one of the
specification's own tables, so types called `map type`, `Order` and `order` cannot collide.

An object type table holds one row per object with the values it had from the start (those
at the epoch; `ocel_changed_field` empty) and one row per later value (`ocel_changed_field`
naming the attribute, at `ocel_time`), which is how OCEL 2.0 readers such as r4pm read it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import TIME, EventLog
from shipshape.mining.ocel_sqlite import CHANGED, ID, TIME_COLUMN, quoted

STAMP = "%Y-%m-%d %H:%M:%S%.6f+00:00"
EPOCH_TEXT = "1970-01-01 00:00:00.000000+00:00"
RESERVED_SUFFIXES = {"object", "map_type"}
PRAGMAS = ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144",
           "temp_store = MEMORY", "locking_mode = EXCLUSIVE")
"""A file written once, in one go: no journal, a large cache; the foreign keys are checked
once all rows are in (`PRAGMA foreign_key_check`), rather than row by row."""
KEY, KEY_TIME, KEY_CHANGED = "\0id", "\0time", "\0changed"
"""Our own column names while pivoting, which no attribute can have."""
SCHEMA = """
CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL UNIQUE);
CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL UNIQUE);
CREATE TABLE event (ocel_id TEXT PRIMARY KEY,
  ocel_type TEXT NOT NULL REFERENCES event_map_type (ocel_type));
CREATE TABLE object (ocel_id TEXT PRIMARY KEY,
  ocel_type TEXT NOT NULL REFERENCES object_map_type (ocel_type));
CREATE TABLE event_object (ocel_event_id TEXT NOT NULL REFERENCES event (ocel_id),
  ocel_object_id TEXT NOT NULL REFERENCES object (ocel_id), ocel_qualifier TEXT NOT NULL,
  PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier)) WITHOUT ROWID;
CREATE TABLE object_object (ocel_source_id TEXT NOT NULL REFERENCES object (ocel_id),
  ocel_target_id TEXT NOT NULL REFERENCES object (ocel_id), ocel_qualifier TEXT NOT NULL,
  PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier)) WITHOUT ROWID;
"""
INDEXES = """
CREATE INDEX "event_object by object" ON event_object (ocel_object_id);
CREATE INDEX "object_object by target" ON object_object (ocel_target_id);
"""


def table_names(types: Iterable[str]) -> dict[str, str]:
    """Each type's table suffix: its letters, digits and underscores, unique regardless of
    case and never `object` or `map_type` (whose tables the specification already names)."""
    taken = set(RESERVED_SUFFIXES)
    names = {}
    for kind in sorted(set(types)):
        base = re.sub(r"[^0-9A-Za-z_]", "", kind) or "type"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name.lower())
        names[kind] = name
    return names


def write_sqlite(log: EventLog, path: Path) -> None:
    """`log` as OCEL 2.0 SQLite at `path`, written beside it first and then moved there."""
    event_maps = table_names(log.events.get_column("activity").unique())
    object_maps = table_names(log.objects.get_column("object_type").unique())
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as connection:
            for pragma in PRAGMAS:
                connection.execute(f"PRAGMA {pragma}")
            with connection:
                _write(connection, log, event_maps, object_maps)
            broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, _, parent, _ = broken[0]
            raise LogError(f"{path.name}: {len(broken)} rows name what does not exist (the "
                           f"first: a row of {table} naming a missing row of {parent}); "
                           "nothing was written")
        partial.replace(path)
    except sqlite3.IntegrityError as error:
        raise LogError(f"{path.name}: the log breaks a key of OCEL 2.0 SQLite ({error}); "
                       "nothing was written") from None
    finally:
        partial.unlink(missing_ok=True)


def _write(connection: sqlite3.Connection, log: EventLog, event_maps: Mapping[str, str],
           object_maps: Mapping[str, str]) -> None:
    connection.executescript(SCHEMA)
    connection.executemany("INSERT INTO event_map_type VALUES (?, ?)", event_maps.items())
    connection.executemany("INSERT INTO object_map_type VALUES (?, ?)", object_maps.items())
    # Rows in key order: each primary key index is then built by appending.
    _insert(connection, "event", log.events.select("event_id", "activity").sort("event_id"))
    _insert(connection, "object", log.objects.sort("object_id"))
    _insert(connection, "event_object", log.links.sort(pl.all()))
    _insert(connection, "object_object", log.relations.sort(pl.all()))
    events = log.events.partition_by("activity", as_dict=True)
    values = (log.event_attributes.join(log.events.select("event_id", "activity"),
                                        on="event_id")
              .partition_by("activity", as_dict=True, include_key=False))
    for kind, mapped in event_maps.items():
        _event_table(connection, events[(kind,)], values.get((kind,), EMPTY_VALUES),
                     f"event_{mapped}")
    objects = log.objects.partition_by("object_type", as_dict=True)
    changes = (log.object_attributes.with_row_index("order")
               .join(log.objects, on="object_id")
               .partition_by("object_type", as_dict=True, include_key=False))
    for kind, mapped in object_maps.items():
        _object_table(connection, objects[(kind,)], changes.get((kind,), EMPTY_CHANGES),
                      f"object_{mapped}")
    connection.executescript(INDEXES)


def _attribute_columns(names: Iterable[str], table: str) -> list[str]:
    """The attribute names as columns; a LogError when two differ only in case or one is a
    column the specification reserves."""
    columns = sorted(set(names))
    seen: dict[str, str] = {}
    for name in columns:
        if name.lower() in (ID, TIME_COLUMN, CHANGED):
            raise LogError(f"attribute {name!r} of {table} has a name OCEL 2.0 SQLite reserves")
        if name.lower() in seen:
            raise LogError(f"attributes {seen[name.lower()]!r} and {name!r} of {table} differ "
                           "only in case, which SQLite column names cannot tell apart")
        seen[name.lower()] = name
    return columns


def _event_table(connection: sqlite3.Connection, events: pl.DataFrame, values: pl.DataFrame,
                 table: str) -> None:
    events = events.select("event_id", pl.col("timestamp").dt.strftime(STAMP).alias(KEY_TIME))
    twice = values.group_by("event_id", "name").len().filter(pl.col("len") > 1)
    if twice.height:
        event_id, name, _ = twice.row(0)
        raise LogError(f"event {event_id} has attribute {name!r} more than once; an OCEL 2.0 "
                       "event holds one value per attribute")
    columns = _attribute_columns(values.get_column("name").unique(), table)
    connection.execute(
        f"CREATE TABLE {quoted(table)} (ocel_id TEXT PRIMARY KEY REFERENCES event (ocel_id), "
        f"ocel_time TIMESTAMP NOT NULL"
        + "".join(f", {quoted(c)} TEXT" for c in columns) + ")")
    if columns:
        wide = (values.rename({"event_id": KEY})
                .pivot(on="name", index=KEY, values="value"))
        events = events.rename({"event_id": KEY}).join(wide, on=KEY, how="left")
    _insert(connection, table,
            events.select(events.columns[0], KEY_TIME, *columns).sort(events.columns[0]))


def _object_table(connection: sqlite3.Connection, objects: pl.DataFrame, values: pl.DataFrame,
                  table: str) -> None:
    objects = objects.select("object_id")
    values = values.sort("timestamp", "order")
    columns = _attribute_columns(values.get_column("name").unique(), table)
    connection.execute(
        f"CREATE TABLE {quoted(table)} (ocel_id TEXT NOT NULL REFERENCES object (ocel_id), "
        f"ocel_time TIMESTAMP NOT NULL, ocel_changed_field TEXT"
        + "".join(f", {quoted(c)} TEXT" for c in columns) + ")")
    # The first value of each attribute, when it is at the epoch: the one held from the start.
    is_start = ((pl.col("timestamp").dt.epoch("us") == 0)
                & (pl.int_range(pl.len()).over("object_id", "name") == 0))
    first = values.filter(is_start)
    initial = objects.select(pl.col("object_id").alias(KEY),
                             pl.lit(EPOCH_TEXT).alias(KEY_TIME),
                             pl.lit(None, pl.String).alias(KEY_CHANGED))
    if columns and first.height:
        wide = first.rename({"object_id": KEY}).pivot(on="name", index=KEY, values="value")
        initial = initial.join(wide, on=KEY, how="left")
    initial = initial.with_columns(pl.lit(None, pl.String).alias(c) for c in columns
                                   if c not in initial.columns)
    _insert(connection, table, initial.select(KEY, KEY_TIME, KEY_CHANGED, *columns))
    later = (values.filter(~is_start)
             .select("object_id", pl.col("timestamp").dt.strftime(STAMP), "name", "value")
             .partition_by("name", as_dict=True, maintain_order=True))
    for name in columns:
        changes = later.get((name,))
        if changes is None:
            continue
        connection.executemany(
            f"INSERT INTO {quoted(table)} (ocel_id, ocel_time, ocel_changed_field, "
            f"{quoted(name)}) VALUES (?, ?, ?, ?)", changes.rows())
    # Index names share the tables' namespace; a space keeps them apart from any table's.
    connection.execute(f"CREATE INDEX {quoted(table + ' by id')} ON {quoted(table)} (ocel_id)")


EMPTY_VALUES = pl.DataFrame(schema={"event_id": pl.String, "name": pl.String,
                                   "value": pl.String})
EMPTY_CHANGES = pl.DataFrame(schema={"order": pl.UInt32, "object_id": pl.String,
                                    "name": pl.String, "value": pl.String, "timestamp": TIME})


def _insert(connection: sqlite3.Connection, table: str, frame: pl.DataFrame) -> None:
    marks = ", ".join("?" * frame.width)
    connection.executemany(f"INSERT INTO {quoted(table)} VALUES ({marks})", frame.rows())
