"""OCEL 2.0 SQLite in: the tables of the specification (`event`, `object`, `event_object`,
`object_object`, `event_map_type`, `object_map_type`, one `event_<map>` and `object_<map>`
table per type), read into an EventLog. An object type table's rows without
`ocel_changed_field` hold the values the object had from the start (kept at the epoch, as
OCEL 2.0 readers do); the others one changed value each, at `ocel_time`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import TIME, EventLog, empty
from shipshape.mining.ocel_checks import checked
from shipshape.mining.ocel_times import parse_column

TABLES = ("event", "object", "event_object", "object_object", "event_map_type",
          "object_map_type")
ID, TIME_COLUMN, CHANGED = "ocel_id", "ocel_time", "ocel_changed_field"
EPOCH = pl.lit(0).cast(TIME)
KEY, KEY_TIME, NAME, VALUE = "\0id", "\0time", "\0name", "\0value"
"""Our own column names while reshaping, which no attribute can have."""


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_sqlite(path: Path) -> EventLog:
    source = path.name
    try:
        connection = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise LogError(f"{source}: cannot open it as SQLite ({error})") from None
    with closing(connection):
        try:
            return checked(_read(connection, source), source)
        except sqlite3.DatabaseError as error:
            raise LogError(f"{source}: not a readable OCEL 2.0 SQLite file ({error})") from None


def _read(connection: sqlite3.Connection, source: str) -> EventLog:
    tables = {name.lower(): name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    lacking = [name for name in TABLES if name not in tables]
    if lacking:
        raise LogError(f"{source}: not an OCEL 2.0 SQLite file: it has no table "
                       + ", ".join(lacking))
    event_maps = _type_map(connection, "event_map_type")
    object_maps = _type_map(connection, "object_map_type")
    listed = _frame(connection, tables["event"], [ID, "ocel_type"], ["event_id", "activity"])
    objects = _frame(connection, tables["object"], [ID, "ocel_type"],
                     ["object_id", "object_type"])
    _types_mapped(listed, "activity", event_maps, "event", source)
    _types_mapped(objects, "object_type", object_maps, "object", source)
    times, event_attributes = _event_tables(connection, tables, event_maps, source)
    events = _timed(listed, times, source)
    object_attributes = _object_tables(connection, tables, object_maps, source)
    links = _frame(connection, tables["event_object"],
                   ["ocel_event_id", "ocel_object_id", "ocel_qualifier"],
                   ["event_id", "object_id", "qualifier"])
    relations = _frame(connection, tables["object_object"],
                       ["ocel_source_id", "ocel_target_id", "ocel_qualifier"],
                       ["source_id", "target_id", "qualifier"])
    return EventLog.of(events=events, objects=objects,
                       links=links.with_columns(pl.col("qualifier").fill_null("")),
                       relations=relations.with_columns(pl.col("qualifier").fill_null("")),
                       event_attributes=event_attributes, object_attributes=object_attributes)


def _frame(connection: sqlite3.Connection, table: str, columns: list[str],
           names: list[str]) -> pl.DataFrame:
    """The rows of `table`'s `columns`, named `names`, each read as text (SQLite lets a column
    hold values of any type)."""
    texts = ", ".join(f"CAST({quoted(column)} AS TEXT)" for column in columns)
    rows = connection.execute(f"SELECT {texts} FROM {quoted(table)}").fetchall()
    return pl.DataFrame(rows, schema={name: pl.String for name in names}, orient="row")


def _type_map(connection: sqlite3.Connection, table: str) -> dict[str, str]:
    frame = _frame(connection, table, ["ocel_type", "ocel_type_map"], ["kind", "mapped"])
    return {kind: mapped for kind, mapped in frame.drop_nulls().iter_rows()}


def _types_mapped(frame: pl.DataFrame, column: str, maps: Mapping[str, str], what: str,
                  source: str) -> None:
    unknown = sorted(set(frame.get_column(column).drop_nulls().unique()) - set(maps))
    if unknown:
        raise LogError(f"{source}: {what}s of type {', '.join(map(repr, unknown[:5]))} are not "
                       f"named in {what}_map_type (the file violates its own foreign keys)")


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA table_info({quoted(table)})")]


def _table(tables: Mapping[str, str], prefix: str, mapped: str, kind: str, source: str) -> str:
    name = tables.get(f"{prefix}_{mapped}".lower())
    if name is None:
        raise LogError(f"{source}: the {prefix} type {kind!r} has no table {prefix}_{mapped}")
    return name


def _event_tables(connection: sqlite3.Connection, tables: Mapping[str, str],
                  maps: Mapping[str, str], source: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each event's time (event_id, timestamp) and its attribute values."""
    times, values = [empty("events").select("event_id", "timestamp")], [empty("event_attributes")]
    for kind, mapped in maps.items():
        table = _table(tables, "event", mapped, kind, source)
        columns = _columns(connection, table)
        if TIME_COLUMN not in columns:
            raise LogError(f"{source}: table {table} has no column {TIME_COLUMN}")
        attributes = [c for c in columns if c not in (ID, TIME_COLUMN)]
        frame = _frame(connection, table, [ID, TIME_COLUMN, *attributes],
                       [KEY, KEY_TIME, *attributes])
        frame = parse_column(frame, KEY_TIME, f"event ({table})", KEY)
        times.append(frame.select(pl.col(KEY).alias("event_id"),
                                  pl.col(KEY_TIME).alias("timestamp")))
        if attributes:
            values.append(frame.unpivot(attributes, index=KEY, variable_name=NAME,
                                        value_name=VALUE).drop_nulls(VALUE)
                          .select(pl.col(KEY).alias("event_id"), pl.col(NAME).alias("name"),
                                  pl.col(VALUE).alias("value")))
    return pl.concat(times), pl.concat(values)


def _timed(listed: pl.DataFrame, times: pl.DataFrame, source: str) -> pl.DataFrame:
    stray = times.join(listed, on="event_id", how="anti")
    if stray.height:
        shown = ", ".join(stray.get_column("event_id").head(5).to_list())
        raise LogError(f"{source}: {stray.height} rows of the event type tables name an event "
                       f"that is not in table event (the file violates its own foreign keys): "
                       f"{shown}")
    events = listed.join(times, on="event_id", how="left")
    timeless = events.filter(pl.col("timestamp").is_null())
    if timeless.height:
        shown = ", ".join(timeless.get_column("event_id").head(5).to_list())
        raise LogError(f"{source}: {timeless.height} events have no row (and so no time) in "
                       f"their event type table: {shown}")
    return events


def _object_tables(connection: sqlite3.Connection, tables: Mapping[str, str],
                   maps: Mapping[str, str], source: str) -> pl.DataFrame:
    values = [empty("object_attributes")]
    for kind, mapped in maps.items():
        table = _table(tables, "object", mapped, kind, source)
        columns = _columns(connection, table)
        attributes = [c for c in columns if c not in (ID, TIME_COLUMN, CHANGED)]
        if not attributes:
            continue
        kept = [c for c in (TIME_COLUMN, CHANGED) if c in columns]
        frame = _frame(connection, table, [ID, *attributes, *kept],
                       [KEY, *attributes, *kept])
        if CHANGED not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(CHANGED))
        values += [_initial(frame, attributes), _changes(frame, attributes, table, source)]
    return pl.concat(values)


def _initial(frame: pl.DataFrame, attributes: list[str]) -> pl.DataFrame:
    return (frame.filter(pl.col(CHANGED).is_null())
            .unpivot(attributes, index=KEY, variable_name=NAME, value_name=VALUE)
            .drop_nulls(VALUE)
            .select(pl.col(KEY).alias("object_id"), pl.col(NAME).alias("name"),
                    pl.col(VALUE).alias("value"), EPOCH.alias("timestamp")))


def _changes(frame: pl.DataFrame, attributes: list[str], table: str,
             source: str) -> pl.DataFrame:
    changed = frame.filter(pl.col(CHANGED).is_not_null())
    if not changed.height:
        return empty("object_attributes")
    unknown = sorted(set(changed.get_column(CHANGED).unique()) - set(attributes))
    if unknown:
        raise LogError(f"{source}: rows of {table} name a changed field that is not one of its "
                       f"columns: {', '.join(map(repr, unknown[:5]))}")
    if TIME_COLUMN not in changed.columns:
        raise LogError(f"{source}: table {table} has changed values but no column "
                       f"{TIME_COLUMN}")
    changed = parse_column(changed, TIME_COLUMN, f"object attribute ({table})", KEY)
    return (changed.unpivot(attributes, index=[KEY, TIME_COLUMN, CHANGED],
                            variable_name=NAME, value_name=VALUE)
            .filter(pl.col(NAME) == pl.col(CHANGED)).drop_nulls(VALUE)
            .select(pl.col(KEY).alias("object_id"), pl.col(NAME).alias("name"),
                    pl.col(VALUE).alias("value"), pl.col(TIME_COLUMN).alias("timestamp")))
