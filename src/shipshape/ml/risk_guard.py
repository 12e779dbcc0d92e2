"""Which candidate columns become features, of which kind, and the leakage guard.

A column of dates or times (a date/time type, text that reads as dates, or numbers that are
epoch milliseconds) is never used raw: when its values lie after the order's `time` in most
rows it was recorded after the moment the model scores at, and training is refused naming it;
otherwise it is left out with a note. Every other feature is checked on its own on the
training rows: a numeric one by its rank AUC, a categorical one by the AUC of its categories'
positive rates (each row scored by rates learned on the other folds). An AUC of 0.95 or more
(or 0.05 or less) means the column knows the outcome: training is refused naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from shipshape.ml.errors import LeakageRefused, MappingError
from shipshape.ml.risk_data import LABEL, TIME, TIME_FORMATS, as_text
from shipshape.ml.risk_model import CATEGORICAL, NUMERIC

LEAK_AUC = 0.95
AFTER_SHARE = 0.5
TIME_LIKE_SHARE = 0.9
EPOCH_MS = (946_684_800_000.0, 4_102_444_800_000.0)
"""Numbers in this range (2000-01-01 to 2100-01-01 in epoch milliseconds) are moments."""
FOLDS = 5
PRIOR_WEIGHT = 20.0


@dataclass
class Typed:
    """The features kept with their kind, what was left out and why, the checks passed."""

    kinds: dict[str, str]
    notes: list[str] = field(default_factory=list)
    checks: list[dict[str, object]] = field(default_factory=list)


def type_features(train: pl.DataFrame, candidates: Mapping[str, str | None],
                  where: str = "mapping") -> Typed:
    """Kinds of the candidate columns, from the training rows; refuses columns recorded after
    `time` (`LeakageRefused`) and numeric declarations of text (`MappingError`)."""
    typed = Typed({})
    after: list[tuple[str, float]] = []
    for name, declared in candidates.items():
        share = after_time_share(train, name)
        if share is not None:
            if share > AFTER_SHARE:
                after.append((name, share))
            else:
                typed.notes.append(f"{name}: dates/times are not used raw (left out)")
                typed.checks.append(_check(name, "recorded after time",
                                           f"after `time` in {share:.0%} of rows: not used raw"))
            continue
        kind = declared or _inferred(train.schema[name])
        if kind == NUMERIC:
            _check_numeric(train, name, where, declared is not None)
        if train.get_column(name).drop_nulls().n_unique() <= 1:
            typed.notes.append(f"{name}: one value only in the training rows (left out)")
            continue
        typed.kinds[name] = kind
    if after:
        listed = ", ".join(f"{name} (after `time` in {share:.0%} of rows)"
                           for name, share in after)
        raise LeakageRefused(
            f"refusing to train: {listed}: recorded after the moment the model scores at, so "
            f"not known then; add {'them' if len(after) > 1 else 'it'} to `exclude:` in the "
            f"mapping (or drop {'them' if len(after) > 1 else 'it'} from `features:`)",
            [name for name, _ in after])
    if not typed.kinds:
        raise MappingError(f"{where}: no usable feature left ({'; '.join(typed.notes)})")
    return typed


def _inferred(dtype: pl.DataType) -> str:
    return NUMERIC if dtype.is_numeric() or dtype == pl.Boolean else CATEGORICAL


def _check_numeric(train: pl.DataFrame, name: str, where: str, declared: bool) -> None:
    column = train.get_column(name)
    if column.dtype.is_numeric() or column.dtype == pl.Boolean:
        return
    present = column.drop_nulls()
    numbers = present.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    if present.len() and numbers.null_count() > present.len() / 2:
        bad = present.filter(numbers.is_null()).head(1).to_list()
        field_name = f"features.{name}" if declared else "features"
        raise MappingError(f"{where}: feature {name!r} (field `{field_name}`) is numeric but "
                           f"values such as {bad[0]!r} are not numbers; declare it "
                           f"categorical")


def _check(feature: str, check: str, result: str) -> dict[str, object]:
    return {"feature": feature, "check": check, "result": result}


# --------------------------------------------------------------------------- time-like


def after_time_share(frame: pl.DataFrame, name: str) -> float | None:
    """For a column of moments: the share of rows (with a value) where it lies after `time`;
    None when the column is not one of moments."""
    moments = _moments(frame.get_column(name))
    if moments is None:
        return None
    both = pl.DataFrame({"m": moments, "t": frame.get_column(TIME)}).drop_nulls()
    if both.height == 0:
        return 0.0
    after = (both.get_column("m") > both.get_column("t")).cast(pl.Float64).mean()
    return float(after) if isinstance(after, int | float) else 0.0


def _moments(column: pl.Series) -> pl.Series | None:
    dtype = column.dtype
    if dtype == pl.Datetime or dtype == pl.Date:
        moments = column.cast(pl.Datetime("us"))
        return moments.dt.replace_time_zone(None) if getattr(dtype, "time_zone", None) \
            else moments
    if dtype.is_numeric():
        return _epoch_ms(column)
    if dtype == pl.String:
        return _dates_in_text(column)
    return None


def _epoch_ms(column: pl.Series) -> pl.Series | None:
    values = column.cast(pl.Float64).drop_nulls()
    values = values.filter(values != 0)
    if values.len() == 0:
        return None
    inside = ((values >= EPOCH_MS[0]) & (values <= EPOCH_MS[1])).cast(pl.Float64).mean()
    if not isinstance(inside, int | float) or inside < TIME_LIKE_SHARE:
        return None
    keep = (column.cast(pl.Float64) >= EPOCH_MS[0]) & (column.cast(pl.Float64) <= EPOCH_MS[1])
    millis = column.cast(pl.Float64).cast(pl.Int64, strict=False)
    return pl.select(pl.when(keep).then(pl.from_epoch(millis, time_unit="ms"))).to_series() \
        .cast(pl.Datetime("us"))


def _dates_in_text(column: pl.Series) -> pl.Series | None:
    sample = column.drop_nulls().head(500).str.strip_chars()
    if sample.len() == 0:
        return None
    best, read = None, 0
    for form in TIME_FORMATS:
        count = int(sample.str.to_datetime(form, strict=False).is_not_null().sum())
        if count > read:
            best, read = form, count
    if best is None or read < TIME_LIKE_SHARE * sample.len():
        return None
    moments = column.str.strip_chars().str.to_datetime(best, strict=False, time_unit="us")
    return moments.dt.replace_time_zone(None) if moments.dtype.time_zone else moments  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- leakage


def own_auc(train: pl.DataFrame, name: str, kind: str) -> float:
    """How well the column alone ranks the training rows' labels (0.5: not at all)."""
    from sklearn.metrics import roc_auc_score

    labels = train.get_column(LABEL).to_numpy()
    if labels.min() == labels.max():
        return 0.5
    scores = (_numeric_scores(train, name) if kind == NUMERIC
              else _category_scores(train, name, labels))
    aucs = [float(roc_auc_score(labels, s)) for s in scores]
    return max(aucs, key=lambda a: abs(a - 0.5))


def _numeric_scores(train: pl.DataFrame, name: str) -> list[np.ndarray]:
    values = train.get_column(name).cast(pl.Float64, strict=False).to_numpy().astype(float)
    present = values[~np.isnan(values)]
    if present.size == 0:
        return [np.zeros(values.size)]
    low, high = present.min() - 1.0, present.max() + 1.0
    return [np.where(np.isnan(values), low, values), np.where(np.isnan(values), high, values)]


def _category_scores(train: pl.DataFrame, name: str, labels: np.ndarray) -> list[np.ndarray]:
    text = train.select(as_text(pl.col(name), train.schema[name]).fill_null("\0missing")
                        ).to_series()
    codes = text.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    folds = np.random.default_rng(7).integers(0, FOLDS, size=labels.size)
    prior = float(labels.mean())
    scores = np.empty(labels.size, dtype=np.float64)
    size = int(codes.max()) + 1
    for fold in range(FOLDS):
        held = folds == fold
        positives = np.bincount(codes[~held], weights=labels[~held], minlength=size)
        counts = np.bincount(codes[~held], minlength=size)
        rate = (positives + PRIOR_WEIGHT * prior) / (counts + PRIOR_WEIGHT)
        scores[held] = rate[codes[held]]
    return [scores]


def guard_leakage(train: pl.DataFrame, typed: Typed) -> None:
    """Refuses (`LeakageRefused`) features whose own AUC on the training rows is near perfect;
    records each feature's check in `typed.checks`."""
    leaks: list[tuple[str, float]] = []
    for name, kind in typed.kinds.items():
        auc = own_auc(train, name, kind)
        if auc >= LEAK_AUC or auc <= 1 - LEAK_AUC:
            leaks.append((name, auc))
        typed.checks.append(_check(name, "own AUC on the training rows",
                                   f"{auc:.3f} (refused at >= {LEAK_AUC} or <= "
                                   f"{1 - LEAK_AUC:.2f})"))
    if leaks:
        listed = ", ".join(f"{name} (AUC {auc:.3f})" for name, auc in leaks)
        raise LeakageRefused(
            f"refusing to train: {listed} predict the label almost perfectly on their own: "
            f"such a column is usually recorded after the outcome (leakage). Add "
            f"{'them' if len(leaks) > 1 else 'it'} to `exclude:` in the mapping (or drop "
            f"{'them' if len(leaks) > 1 else 'it'} from `features:`)",
            [name for name, _ in leaks])
