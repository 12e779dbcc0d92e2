"""Timestamps of a flat log: the format (given, or inferred from the values), the rows that do
not parse, and day and month swapped (values that parse only with day and month exchanged, or a
column where the values with a day of 12 or less were written month first)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from shipshape.mining.errors import LogError

ISO = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f%#z",
       "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
       "%Y/%m/%d %H:%M:%S%.f", "%Y/%m/%d %H:%M", "%Y/%m/%d")
DAY_FIRST = ("%d/%m/%Y %H:%M:%S%.f", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S%.f",
             "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y %H:%M:%S%.f", "%d-%m-%Y %H:%M", "%d-%m-%Y",
             "%d/%m/%y %H:%M:%S%.f", "%d/%m/%y %H:%M", "%d/%m/%y")
MONTH_FIRST = ("%m/%d/%Y %H:%M:%S%.f", "%m/%d/%Y %H:%M", "%m/%d/%Y",
               "%m/%d/%y %H:%M:%S%.f", "%m/%d/%y %H:%M", "%m/%d/%y")
CANDIDATES = ISO + DAY_FIRST + MONTH_FIRST
SAMPLE = 2000
SHOWN = 10
MIN_PAIRS = 10
"""Steps between ambiguous dates a case needs before a swap is called (fewer prove nothing)."""


@dataclass(frozen=True)
class SwapEvidence:
    """Consecutive events of a case, both with a day of 12 or less: how often the date moves by
    whole months on the same day (`month_jumps`) or by days within one month (`day_steps`), as
    written and read with day and month exchanged."""

    ambiguous_rows: int
    month_jumps: int
    day_steps: int
    swapped_month_jumps: int
    swapped_day_steps: int

    @property
    def swapped(self) -> bool:
        pairs = self.month_jumps + self.day_steps
        return (pairs >= MIN_PAIRS and self.month_jumps >= 3 * max(self.day_steps, 1)
                and self.swapped_day_steps >= 3 * max(self.swapped_month_jumps, 1))


def swapped_format(form: str) -> str | None:
    """`form` with day and month exchanged; None when it lacks either."""
    if "%d" not in form or "%m" not in form:
        return None
    return form.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def parse(text: pl.Expr, form: str, timezone: str) -> pl.Expr:
    """`text` read with `form` as UTC microseconds; null where it does not parse. Values without
    an offset are in `timezone`."""
    moment = text.str.strip_chars().str.to_datetime(form, strict=False, time_unit="us")
    if "%z" in form or "%#z" in form or "%:z" in form:
        return moment.dt.convert_time_zone("UTC")
    return (moment.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC"))


def infer_format(values: pl.Series, column: str) -> str:
    """The candidate format that reads the most of the column's first distinct values; a day or
    month first form only when the other reads fewer of the whole column."""
    sample = values.drop_nulls().head(SAMPLE * 10).unique(maintain_order=True).head(SAMPLE)
    if sample.is_empty():
        raise LogError(f"column {column}: no timestamps at all")
    scores = {form: _readable(sample, form) for form in CANDIDATES}
    best = max(scores.values())
    if best == 0:
        raise LogError(f"column {column}: values such as {sample[0]!r} are no timestamp form "
                       f"this reader knows; set timestamp_format (e.g. \"%d.%m.%Y %H:%M\")")
    tied = [form for form, score in scores.items() if score == best]
    if len(tied) > 1 and any(f in DAY_FIRST for f in tied) and any(f in MONTH_FIRST for f in tied):
        return _day_or_month_first(values, tied, column)
    return tied[0]


def _readable(values: pl.Series, form: str) -> int:
    """Values `form` reads, a year below 1000 (a two-digit year read as four) not counted."""
    moment = values.str.strip_chars().str.to_datetime(form, strict=False, time_unit="us")
    return int((moment.dt.year() >= 1000).sum())


def _day_or_month_first(values: pl.Series, tied: list[str], column: str) -> str:
    day = next(f for f in tied if f in DAY_FIRST)
    month = next(f for f in tied if f in MONTH_FIRST)
    read_day, read_month = _readable(values, day), _readable(values, month)
    if read_day == read_month:
        example = values.drop_nulls()[0]
        raise LogError(f"column {column}: timestamps such as {example!r} read as day/month and "
                       f"as month/day alike; set timestamp_format to {day!r} or {month!r}")
    return day if read_day > read_month else month


def unparsed_message(frame: pl.DataFrame, column: str, form: str) -> str:
    """Rows `raw` non-empty whose `moment` is null: how many, which lines, an example, and
    whether they read with day and month exchanged. `frame` has `line`, `raw`, `moment`."""
    bad = frame.filter(pl.col("moment").is_null())
    lines = ", ".join(str(n) for n in bad.get_column("line").head(SHOWN).to_list())
    more = " …" if bad.height > SHOWN else ""
    example = next((v for v in bad.get_column("raw").to_list() if v), "")
    text = (f"column {column}: {bad.height:,} timestamp(s) do not parse as {form!r} "
            f"(line {lines}{more}; e.g. {example!r})" if example else
            f"column {column}: {bad.height:,} row(s) have no timestamp (line {lines}{more})")
    other = swapped_format(form)
    if example and other:
        readable = _readable(bad.get_column("raw").drop_nulls(), other)
        if readable:
            text += (f"; {readable:,} of them parse as {other!r}: day and month look swapped, "
                     f"set timestamp_format: {other!r} (or day_month_swaps: swap when the "
                     f"column mixes both)")
    return text


def swap_evidence(frame: pl.DataFrame) -> SwapEvidence:
    """Day and month exchanged or not, from `frame` (`case_id`, `line`, `moment` as written,
    `exchanged`: the value read with day and month exchanged, null where it does not parse)."""
    ambiguous = (pl.col("exchanged").is_not_null() & pl.col("moment").is_not_null()
                 & (pl.col("exchanged") != pl.col("moment")))
    marked = frame.with_columns(ambiguous=ambiguous,
                                repaired=pl.coalesce("exchanged", "moment"))
    jumps, steps = _moves(marked, "moment")
    swapped_jumps, swapped_steps = _moves(marked, "repaired")
    return SwapEvidence(int(marked.get_column("ambiguous").sum()), jumps, steps,
                        swapped_jumps, swapped_steps)


def _moves(frame: pl.DataFrame, column: str) -> tuple[int, int]:
    ordered = frame.sort("case_id", column, "line")
    same_case = pl.col("case_id") == pl.col("case_id").shift()
    both = pl.col("ambiguous") & pl.col("ambiguous").shift()
    day, month = pl.col(column).dt.day(), pl.col(column).dt.month()
    pairs = ordered.select(
        jump=(same_case & both & (day == day.shift()) & (month != month.shift())).sum(),
        step=(same_case & both & (month == month.shift()) & (day != day.shift())).sum())
    return int(pairs.item(0, "jump")), int(pairs.item(0, "step"))


def swap_message(column: str, form: str, evidence: SwapEvidence) -> str:
    other = swapped_format(form)
    return (f"column {column}: day and month look swapped in the {evidence.ambiguous_rows:,} "
            f"values whose day is 12 or less: read as {form!r}, consecutive events of a case "
            f"jump by whole months on the same day {evidence.month_jumps:,} times and move by "
            f"days within a month {evidence.day_steps:,} times; read as {other!r} they move by "
            f"days {evidence.swapped_day_steps:,} times. Set day_month_swaps: swap to read "
            f"those values day and month exchanged, or day_month_swaps: keep to read them as "
            f"written")
