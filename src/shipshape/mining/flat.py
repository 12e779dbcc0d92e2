"""Flat CSV event logs (one case id per row; plain or gzip) read with a mapping into an
`EventLog` of one object type, `case`. Bad input is a LogError in plain words: columns the file
lacks, rows without a case or activity, timestamps that do not parse (how many, which lines),
day and month swapped. Duplicate events are reported, not refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from shipshape.mining import flat_times
from shipshape.mining import mapping as mappings
from shipshape.mining.errors import LogError
from shipshape.mining.log import FLAT_TYPE, EventLog
from shipshape.mining.mapping import FlatMapping

SHOWN = 10


@dataclass(frozen=True)
class Note:
    """Something the reader noticed and how it went on: `kind` (duplicates, day_month_swaps,
    skipped_rows), how many rows, the first lines, the sentence to show."""

    kind: str
    count: int
    lines: tuple[int, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "lines": list(self.lines),
                "message": self.message}


@dataclass(frozen=True)
class FlatImport:
    log: EventLog
    rows: int
    timestamp_format: str
    notes: tuple[Note, ...]


def read(path: Path | str, mapping: FlatMapping | Path | str | Mapping[str, Any]) -> EventLog:
    """The log of the CSV file at `path` as `mapping` reads it."""
    return load(path, mapping).log


def load(path: Path | str, mapping: FlatMapping | Path | str | Mapping[str, Any]
         ) -> FlatImport:
    """The log, the rows read, the timestamp format used and what the reader noticed."""
    chosen = mapping if isinstance(mapping, FlatMapping) else mappings.load(mapping)
    frame = _frame(Path(path), chosen)
    rows = frame.height
    notes: list[Note] = []
    frame = _complete(frame, chosen, notes)
    frame, form = _timed(frame, chosen, notes)
    frame = _deduplicated(frame, chosen, notes)
    return FlatImport(_log(frame, chosen), rows, form, tuple(notes))


def _frame(path: Path, mapping: FlatMapping) -> pl.DataFrame:
    """The mapped columns as text, with each row's line in the file (the header is line 1)."""
    if not path.is_file():
        raise LogError(f"log {path}: no such file")
    try:
        scan = pl.scan_csv(path, infer_schema=False, separator=mapping.separator,
                           encoding="utf8-lossy", raise_if_empty=False)
        names = scan.collect_schema().names()
        missing = [column for column in mapping.columns() if column not in names]
        if missing:
            raise LogError(f"log {path}: no column {', '.join(missing)} (the mapping names it; "
                           f"the file has {', '.join(names[:30]) or 'no columns'})")
        return (scan.select(mapping.columns()).with_row_index("__line", offset=2)
                .with_columns(pl.col("__line").cast(pl.Int64)).collect())
    except (pl.exceptions.PolarsError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LogError(f"log {path}: not a readable CSV file ({reason})") from None


def _complete(frame: pl.DataFrame, mapping: FlatMapping, notes: list[Note]) -> pl.DataFrame:
    """Rows with a case and an activity; the others refused or skipped (`bad_rows`)."""
    blank = pl.col(mapping.case).is_null() | pl.col(mapping.activity).is_null()
    bad = frame.filter(blank)
    if bad.is_empty():
        return frame
    lines = _lines(bad)
    message = (f"{bad.height:,} row(s) have no case id ({mapping.case}) or no activity "
               f"({mapping.activity}) (line {_shown(lines, bad.height)})")
    _bad_rows(mapping, message, "rows_without_case_or_activity", bad.height, lines, notes)
    return frame.filter(~blank)


def _timed(frame: pl.DataFrame, mapping: FlatMapping, notes: list[Note]
           ) -> tuple[pl.DataFrame, str]:
    """`frame` with `moment` (UTC) read from the timestamp column, checked for swaps."""
    column = mapping.timestamp
    form = mapping.timestamp_format or flat_times.infer_format(frame.get_column(column), column)
    other = flat_times.swapped_format(form)
    written = flat_times.parse(pl.col(column), form, mapping.timezone)
    exchanged = (flat_times.parse(pl.col(column), other, mapping.timezone) if other
                 else pl.lit(None, dtype=pl.Datetime("us", "UTC")))
    timed = frame.with_columns(written.alias("__moment"), exchanged.alias("__exchanged"))
    swapping = mapping.day_month_swaps == "swap" and other is not None
    if swapping:
        timed = timed.with_columns(pl.coalesce("__exchanged", "__moment").alias("__moment"))
    if swapping:
        read_swapped = pl.col("__exchanged").is_not_null() & (
            written.is_null() | (pl.col("__exchanged") != written))
        count = int(timed.select(read_swapped.sum()).item())
        notes.append(Note("day_month_swaps", count, (),
                          f"column {column}: {count:,} value(s) read with day and month "
                          f"exchanged ({other!r}), as the mapping asks"))
    timed = _parsed(timed, mapping, form, notes)
    if other and not swapping:
        _check_swaps(timed, mapping, form, notes)
    return timed.drop("__exchanged"), form


def _parsed(timed: pl.DataFrame, mapping: FlatMapping, form: str, notes: list[Note]
            ) -> pl.DataFrame:
    unparsed = pl.col("__moment").is_null()
    bad = timed.filter(unparsed)
    if bad.is_empty():
        return timed
    message = flat_times.unparsed_message(
        bad.select(pl.col("__line").alias("line"), pl.col(mapping.timestamp).alias("raw"),
                   pl.col("__moment").alias("moment")),
        mapping.timestamp, form)
    _bad_rows(mapping, message, "timestamps_not_parsed", bad.height, _lines(bad), notes)
    return timed.filter(~unparsed)


def _check_swaps(timed: pl.DataFrame, mapping: FlatMapping, form: str,
                 notes: list[Note]) -> None:
    evidence = flat_times.swap_evidence(
        timed.select(pl.col(mapping.case).alias("case_id"), pl.col("__line").alias("line"),
                     pl.col("__moment").alias("moment"), pl.col("__exchanged").alias("exchanged")))
    if not evidence.swapped:
        return
    message = flat_times.swap_message(mapping.timestamp, form, evidence)
    if mapping.day_month_swaps == "error":
        raise LogError(message)
    notes.append(Note("day_month_swaps", evidence.ambiguous_rows, (),
                      message.split(". Set ")[0] + "; read as written (day_month_swaps: swap "
                      "reads them exchanged, error refuses the log)"))


def _deduplicated(frame: pl.DataFrame, mapping: FlatMapping, notes: list[Note]
                  ) -> pl.DataFrame:
    """Events that repeat another of their case (same activity, same time) reported; dropped
    when the mapping says `duplicates: drop`."""
    key = [mapping.case, mapping.activity, "__moment"]
    repeated = frame.select([*key, "__line"]).filter(pl.len().over(key) > 1)
    if repeated.is_empty():
        return frame
    later = repeated.filter(pl.col("__line") != pl.col("__line").min().over(key)).sort("__line")
    cases = later.get_column(mapping.case).n_unique()
    kept = "dropped" if mapping.duplicates == "drop" else "kept"
    notes.append(Note("duplicates", later.height, tuple(_lines(later)[:SHOWN]),
                      f"{later.height:,} event(s) repeat an earlier event of their case with "
                      f"the same activity and time, in {cases:,} case(s) (line "
                      f"{_shown(_lines(later), later.height)}); {kept}"))
    if mapping.duplicates == "drop":
        return frame.join(later.select("__line"), on="__line", how="anti")
    return frame


def _bad_rows(mapping: FlatMapping, message: str, kind: str, count: int, lines: list[int],
              notes: list[Note]) -> None:
    if mapping.bad_rows == "error":
        raise LogError(message + " (bad_rows: skip reads the log without them)")
    notes.append(Note(kind, count, tuple(lines[:SHOWN]), message + "; skipped"))


def _lines(frame: pl.DataFrame) -> list[int]:
    return frame.get_column("__line").head(SHOWN).to_list()


def _shown(lines: list[int], count: int) -> str:
    return ", ".join(map(str, lines)) + (" …" if count > len(lines) else "")


def _log(frame: pl.DataFrame, mapping: FlatMapping) -> EventLog:
    width = len(str(frame.get_column("__line").max() or 0))
    frame = frame.sort("__line").with_columns(
        pl.col("__line").cast(pl.String).str.zfill(width).alias("__event_id"),
        pl.col(mapping.case).alias("__case_id"))
    events = frame.select(pl.col("__event_id").alias("event_id"),
                          pl.col(mapping.activity).alias("activity"),
                          pl.col("__moment").alias("timestamp"))
    objects = frame.select(pl.col("__case_id").alias("object_id")).unique(maintain_order=True)
    links = frame.select(pl.col("__event_id").alias("event_id"),
                         pl.col("__case_id").alias("object_id"),
                         qualifier=pl.lit(FLAT_TYPE))
    return EventLog.of(
        events=events,
        objects=objects.with_columns(object_type=pl.lit(FLAT_TYPE)),
        links=links,
        event_attributes=_event_attributes(frame, mapping),
        object_attributes=_case_attributes(frame, mapping))


def _event_attributes(frame: pl.DataFrame, mapping: FlatMapping) -> pl.DataFrame:
    named = {"resource": mapping.resource, "system": mapping.system,
             **{name: name for name in mapping.attributes}}
    columns = {name: column for name, column in named.items() if column}
    if not columns:
        return pl.DataFrame(schema={"event_id": pl.String, "name": pl.String,
                                    "value": pl.String})
    wide = frame.select(pl.col("__event_id"),
                        *(pl.col(c).alias(f"__{n}") for n, c in columns.items()))
    return (wide.unpivot(index="__event_id", variable_name="name", value_name="value")
            .drop_nulls("value")
            .select(pl.col("__event_id").alias("event_id"),
                    pl.col("name").str.strip_prefix("__"), "value"))


def _case_attributes(frame: pl.DataFrame, mapping: FlatMapping) -> pl.DataFrame:
    parts = []
    outcome, cost = mapping.options.outcome, mapping.options.cost
    if outcome is not None and outcome.column:
        hit = pl.col(outcome.column).is_in(list(outcome.positive))
        parts.append(frame.group_by("__case_id").agg(hit.any().alias("__hit"))
                     .select("__case_id", name=pl.lit("outcome"),
                             value=pl.col("__hit").cast(pl.String).str.to_lowercase()))
    if cost is not None and cost.column:
        parts.append(_costs(frame, cost.column, cost.per_case))
    if not parts:
        return pl.DataFrame(schema={"object_id": pl.String, "name": pl.String,
                                    "value": pl.String, "timestamp": pl.Datetime("us", "UTC")})
    return (pl.concat(parts).rename({"__case_id": "object_id"})
            .with_columns(timestamp=pl.lit(0).cast(pl.Datetime("us", "UTC"))))


def _costs(frame: pl.DataFrame, column: str, per_case: str) -> pl.DataFrame:
    number = pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)
    aggregate = {"sum": number.sum(), "max": number.max(), "first": number.first()}[per_case]
    return (frame.group_by("__case_id").agg(aggregate.alias("__cost")).drop_nulls("__cost")
            .select("__case_id", name=pl.lit("cost"), value=pl.col("__cost").cast(pl.String)))
