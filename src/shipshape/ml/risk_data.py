"""Reading a risk model's data into one row per order: its id, its time (when it is scored), its
label and the candidate features, as the mapping names them.

DATA is a CSV (.csv or .csv.gz) with one row per order or order line, an event log (the mapping
names case, activity, timestamp and at_activity: each case becomes one row holding the last
value each feature column showed in the case's events up to and including its first
`at_activity` event, timed at that event; cases without that activity are dropped and
counted), or `store`: Shipshape's own order history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from shipshape.ml.errors import MappingError, MlError
from shipshape.ml.risk_mapping import RiskMapping
from shipshape.ml.risk_model import NUMERIC, FeatureSpec

ID, TIME, LABEL = "__id", "__time", "__label"
ROW = "__row"
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f%#z",
                "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S",
                "%d.%m.%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%d/%m/%y", "%m/%d/%y")
"""The forms a time column is tried in (the first that reads the most values wins)."""
SHOWN = 5


@dataclass
class Prepared:
    """One row per order: `__id`, `__time` (datetime), `__label` (1/0; absent when the data
    has no label and none was required) and the candidate feature columns as read."""

    frame: pl.DataFrame
    mapping: RiskMapping
    candidates: dict[str, str | None]
    """Feature column -> the kind the mapping gives (None: inferred from the values)."""
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def has_label(self) -> bool:
        return LABEL in self.frame.columns


StoreLoader = Callable[[], tuple[pl.DataFrame, RiskMapping]]
"""Reads Shipshape's own history with its built-in mapping (the command line composes it:
`shipshape.ml` may not import the store's adapters)."""


def prepare(data: str, mapping: RiskMapping | None, where: str = "mapping",
            require_label: bool = True, store: StoreLoader | None = None) -> Prepared:
    """DATA read with `mapping` (named `where` in errors) into one row per order; DATA `store`
    is read by `store` with the store's own mapping (`mapping` then only adds `exclude`)."""
    if data == "store":
        if store is None:
            raise MlError("DATA `store` cannot be read here: no reader of the store was given")
        frame, built_in = store()
        if mapping is not None and mapping.exclude:
            built_in = built_in.model_copy(update={"exclude": mapping.exclude})
        return prepare_frame(frame, built_in, "store", "the store's mapping", require_label)
    if mapping is None:
        raise MlError(f"{data}: a CSV needs --mapping MAP.yaml (id, time, label, features)")
    path = Path(data)
    return prepare_frame(read_csv(path), mapping, str(path), where, require_label)


def prepare_frame(frame: pl.DataFrame, mapping: RiskMapping, source: str,
                  where: str = "mapping", require_label: bool = True) -> Prepared:
    _check_columns(frame, mapping, where, require_label)
    notes: list[str] = []
    frame = frame.with_row_index(ROW)
    time_column = mapping.timestamp if mapping.is_event_log else mapping.time_column
    frame = frame.with_columns(parse_times(frame, str(time_column), mapping, where)
                               .alias(TIME))
    with_label = mapping.label.column in frame.columns
    if with_label:
        frame = frame.with_columns(label_values(frame, mapping).alias(LABEL))
    candidates = _candidates(frame, mapping)
    if mapping.is_event_log:
        frame = _cases(frame, mapping, list(candidates), with_label, notes)
    else:
        frame = frame.select(pl.col(mapping.id_column).cast(pl.String).alias(ID), TIME,
                             *([LABEL] if with_label else []), *candidates)
    return Prepared(frame.sort(TIME, ID, maintain_order=True), mapping, candidates, source,
                    notes)


def read_csv(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise MlError(f"{path}: no such file")
    try:
        return pl.read_csv(path, infer_schema_length=None, null_values=["", "NA", "null"])
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as error:
        raise MlError(f"{path}: does not read as CSV ({str(error).splitlines()[0]})") from None


# --------------------------------------------------------------------------- columns


def _check_columns(frame: pl.DataFrame, mapping: RiskMapping, where: str,
                   require_label: bool) -> None:
    named: dict[str, str] = {}
    for key in ("id", "time", "case", "activity", "timestamp"):
        value = getattr(mapping, key)
        if value:
            named.setdefault(key, value)
    if require_label:
        named["label.column"] = mapping.label.column
    declared = mapping.declared_kinds() or {}
    named.update({f"features.{name}": name for name in declared})
    missing = [(key, column) for key, column in named.items() if column not in frame.columns]
    if missing:
        listed = ", ".join(f"{column!r} (field `{key}`)" for key, column in missing)
        raise MappingError(f"{where}: column {listed} not in the data; its columns: "
                           f"{', '.join(frame.columns)}")


def _candidates(frame: pl.DataFrame, mapping: RiskMapping) -> dict[str, str | None]:
    declared = mapping.declared_kinds()
    if declared is not None:
        return declared
    skip = mapping.reserved() | set(mapping.exclude) | {ROW, TIME, LABEL}
    return {name: None for name in frame.columns if name not in skip}


def as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Values as the text categories and labels compare: booleans `true`/`false`, whole
    floats without `.0`."""
    if dtype == pl.Boolean:
        return pl.when(expr).then(pl.lit("true")).when(expr.not_()).then(pl.lit("false"))
    if dtype.is_float():
        whole = expr.round(0) == expr
        return (pl.when(whole).then(expr.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(expr.cast(pl.String)))
    return expr.cast(pl.String)


def label_values(frame: pl.DataFrame, mapping: RiskMapping) -> pl.Expr:
    column = mapping.label.column
    text = as_text(pl.col(column), frame.schema[column])
    return pl.when(text.is_null()).then(None).otherwise(
        text.is_in(mapping.label.positive).cast(pl.Int8))


# --------------------------------------------------------------------------- times


def parse_times(frame: pl.DataFrame, column: str, mapping: RiskMapping, where: str) -> pl.Expr:
    """`column` as datetimes: as they are when already dates; else read with `time_format`
    (or the form that reads most of them), day and month exchanged where the mapping says
    `day_month_swaps: swap`. `MappingError` naming the column and rows that do not read."""
    dtype = frame.schema[column]
    if dtype == pl.Datetime or dtype == pl.Date:
        moment = pl.col(column).cast(pl.Datetime("us"))
        return moment.dt.replace_time_zone(None) if getattr(dtype, "time_zone", None) else moment
    text = pl.col(column).cast(pl.String).str.strip_chars()
    form = mapping.time_format or _best_form(frame.get_column(column).cast(pl.String), column,
                                             where)
    moment = text.str.to_datetime(form, strict=False, time_unit="us")
    if "%z" in form:
        moment = moment.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    if mapping.day_month_swaps == "swap":
        moment = swap_day_month(moment)
    bad = frame.select(pl.col(ROW), pl.col(column), moment.alias("m")).filter(
        pl.col("m").is_null())
    if bad.height:
        lines = ", ".join(str(r + 2) for r in bad.get_column(ROW).head(SHOWN).to_list())
        example = bad.get_column(column).drop_nulls().head(1).to_list()
        raise MappingError(f"{where}: column {column!r} (field `time`): {bad.height:,} value(s) "
                           f"do not read as {form!r} (line {lines}"
                           f"{' …' if bad.height > SHOWN else ''}"
                           f"{f'; e.g. {example[0]!r}' if example else ''}); set time_format")
    return moment


def swap_day_month(moment: pl.Expr) -> pl.Expr:
    """Each value whose day is 12 or less with day and month exchanged."""
    day, month = moment.dt.day(), moment.dt.month()
    exchanged = pl.datetime(moment.dt.year(), day, month, moment.dt.hour(), moment.dt.minute(),
                            moment.dt.second(), moment.dt.microsecond(), time_unit="us")
    return pl.when(day <= 12).then(exchanged).otherwise(moment)


def _best_form(values: pl.Series, column: str, where: str) -> str:
    sample = values.drop_nulls().head(5000)
    counts = {form: int(sample.str.strip_chars().str.to_datetime(form, strict=False)
                        .is_not_null().sum()) for form in TIME_FORMATS}
    best = max(counts, key=lambda f: counts[f])
    if counts[best] == 0:
        example = sample.head(1).to_list()
        raise MappingError(f"{where}: column {column!r} (field `time`): values such as "
                           f"{example[0] if example else None!r} are no time form this reader "
                           f"knows; set time_format (e.g. \"%d.%m.%Y %H:%M\")")
    return best


# --------------------------------------------------------------------------- event logs


def _cases(frame: pl.DataFrame, mapping: RiskMapping, features: list[str], with_label: bool,
           notes: list[str]) -> pl.DataFrame:
    case, at, activity = str(mapping.case), str(mapping.at_activity), str(mapping.activity)
    ordered = frame.sort(case, TIME, ROW).with_columns(
        pl.int_range(pl.len()).over(case).alias("__pos"))
    first_at = (pl.when(pl.col(activity) == at).then(pl.col("__pos")).min()
                .over(case))
    ordered = ordered.with_columns(first_at.alias("__at"))
    label = [pl.col(LABEL).max().alias(LABEL)] if with_label else []
    labels = ordered.group_by(case).agg(*label) if with_label else None
    prefix = ordered.filter(pl.col("__at").is_not_null() & (pl.col("__pos") <= pl.col("__at")))
    at_time = pl.col(TIME).filter(pl.col("__pos") == pl.col("__at")).first()
    rows = prefix.group_by(case, maintain_order=True).agg(
        at_time.alias(TIME), *(pl.col(f).drop_nulls().last().alias(f) for f in features))
    total = ordered.get_column(case).n_unique()
    dropped = total - rows.height
    if dropped:
        notes.append(f"{dropped:,} of {total:,} cases never reach {at!r}: not used")
    if rows.height == 0:
        raise MappingError(f"no case of the log reaches at_activity {at!r} (column "
                           f"{activity!r})")
    if labels is not None:
        rows = rows.join(labels, on=case, how="left")
    return rows.rename({case: ID}).with_columns(pl.col(ID).cast(pl.String)).select(
        ID, TIME, *([LABEL] if with_label else []), *features)


# --------------------------------------------------------------------------- encoding

MAX_CATEGORIES = 5000


def categories_of(frame: pl.DataFrame, name: str) -> tuple[str, ...]:
    """The column's categories as text, the most frequent first (at most MAX_CATEGORIES)."""
    text = frame.select(as_text(pl.col(name), frame.schema[name]).alias("v")).drop_nulls()
    counts = text.group_by("v").len().sort(["len", "v"], descending=[True, False])
    return tuple(counts.get_column("v").head(MAX_CATEGORIES).to_list())


def encode_frame(frame: pl.DataFrame, features: Sequence[FeatureSpec]) -> np.ndarray:
    """The float matrix the booster reads (as `risk_model.Encoder` builds it from rows):
    numbers as floats, categories as their codes, missing or unknown values NaN."""
    columns = []
    for spec in features:
        if spec.name not in frame.columns:
            columns.append(pl.lit(None, dtype=pl.Float64).alias(spec.name))
        elif spec.kind == NUMERIC:
            column = pl.col(spec.name)
            if frame.schema[spec.name] == pl.String:
                column = column.str.strip_chars()
            columns.append(column.cast(pl.Float64, strict=False).alias(spec.name))
        else:
            codes = {c: float(i) for i, c in enumerate(spec.categories)}
            text = as_text(pl.col(spec.name), frame.schema[spec.name])
            columns.append(text.replace_strict(codes, default=None, return_dtype=pl.Float64)
                           .alias(spec.name))
    matrix = frame.select(columns).fill_null(float("nan")).to_numpy()
    return np.ascontiguousarray(matrix, dtype=np.float64)
