"""Timestamps of event logs as UTC microseconds: ISO 8601 with or without a zone (without: UTC),
a space or a `T` between date and time, a date alone. Text that reads as none of these is
reported, with how many and which rows, as a LogError."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import TIME

ZONED = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%:z")
NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
SHOWN = 5


def normalised(text: pl.Expr) -> pl.Expr:
    return (text.cast(pl.String).str.strip_chars().str.replace(" ", "T", literal=True)
            .str.replace(r"[zZ]$", "+00:00"))


def parsed(text: pl.Expr) -> pl.Expr:
    """`text` as UTC microseconds; null where it reads as no known form (or was null)."""
    clean = normalised(text)
    tries = [clean.str.to_datetime(form, time_zone="UTC", strict=False, time_unit="us")
             for form in ZONED]
    tries += [clean.str.to_datetime(form, strict=False, time_unit="us")
              .dt.replace_time_zone("UTC") for form in NAIVE]
    return pl.coalesce(tries).cast(TIME)


def parse_column(frame: pl.DataFrame, column: str, what: str, row_key: str) -> pl.DataFrame:
    """`frame` with `column` read as UTC times; a LogError naming `what`, how many values
    do not parse and the first of them (by `row_key`) when any does not."""
    if frame.schema[column] == TIME:
        return frame
    kind = frame.schema[column]
    if isinstance(kind, pl.Datetime):
        return frame.with_columns(pl.col(column).dt.convert_time_zone("UTC").cast(TIME)
                                  if kind.time_zone
                                  else pl.col(column).dt.replace_time_zone("UTC").cast(TIME))
    result = frame.with_columns(parsed(pl.col(column)).alias("__time"))
    bad = result.filter(pl.col("__time").is_null())
    if bad.height:
        raise LogError(unparsed_message(what, bad.get_column(row_key).to_list(),
                                        bad.get_column(column).to_list()))
    return result.with_columns(pl.col("__time").alias(column)).drop("__time")


def unparsed_message(what: str, keys: Sequence[object], values: Sequence[object]) -> str:
    shown = ", ".join(f"{key} ({value!r})" for key, value in
                      zip(keys[:SHOWN], values[:SHOWN], strict=True))
    more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
    return (f"{len(keys)} {what} timestamp{'s' if len(keys) != 1 else ''} cannot be read as a "
            f"date and time (ISO 8601, e.g. 2024-01-31T14:00:00+00:00): {shown}{more}")
