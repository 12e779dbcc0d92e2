"""Training the order-risk model, validated by time.

The rows (one per order, sorted by `time`) are split: the earliest 80 % train, the latest 20 %
validate. The recipe, applied to a set of rows sorted by time: LightGBM (categorical features
as categories) learns from their earliest 80 %, with early stopping on their latest 20 %, on
which an isotonic calibration is then fitted. So the calibration never sees the validation
rows, and every fit only looks back in time.

1. Features are typed and checked on the training rows (`risk_guard`): leakage refuses.
2. The recipe runs on the training rows, the logistic baseline is trained on the same rows;
   the model (the calibrated booster blended with that regression, `risk_linear`) and the
   baseline alone are measured on the validation rows: the metrics reported.
3. The recipe runs again on all rows: the model saved, so it knows the latest period too;
   the logistic baseline is refitted on the same rows and saved beside it (`evaluate` measures
   both on later data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from shipshape.ml.errors import MlError
from shipshape.ml.risk_data import LABEL, TIME, Prepared, categories_of, encode_frame
from shipshape.ml.risk_eval import MISSING, LogisticBaseline, metrics
from shipshape.ml.risk_files import ModelRecord
from shipshape.ml.risk_guard import Typed, guard_leakage, type_features
from shipshape.ml.risk_linear import LinearScorer, blended, linear_part
from shipshape.ml.risk_model import CATEGORICAL, Calibration, FeatureSpec

TRAIN_SHARE = 0.8
FIT_SHARE = 0.8
MIN_ROWS = 50
MIN_POSITIVES = 5
PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
    "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "cat_smooth": 10.0, "cat_l2": 10.0, "min_data_per_group": 50, "max_cat_threshold": 32,
    "max_cat_to_onehot": 64,
    "metric": "auc", "verbose": -1, "seed": 7, "deterministic": True, "force_col_wise": True,
    "num_threads": 2,
}
TIE_BREAK = 1e-4
"""Added to the calibrated value times the raw one: isotonic calibration is a step function,
and this (at most 0.0001) keeps the booster's ranking inside each step instead of tying it."""
ROUNDS = 1000
PATIENCE = 50

Progress = Callable[[str], None]


@dataclass
class Fitted:
    booster: Any
    calibration: Calibration

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        return self.calibration.apply(np.asarray(self.booster.predict(matrix), dtype=float))


def split_by_time(frame: pl.DataFrame, share: float = TRAIN_SHARE
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The earliest `share` of the rows (sorted by time) and the rest."""
    ordered = frame.sort(TIME, maintain_order=True)
    cut = round(ordered.height * share)
    return ordered.head(cut), ordered.slice(cut)


def train(prepared: Prepared, progress: Progress = lambda _: None) -> ModelRecord:
    """The model trained, validated and refitted as the module says; `LeakageRefused` or
    `MlError` when the data does not allow it."""
    frame, notes = _labelled(prepared)
    train_rows, validation = split_by_time(frame)
    _enough(train_rows, "training")
    _enough(validation, "validation", minimum=1)
    progress("checking the features for leakage")
    typed = type_features(train_rows, prepared.candidates)
    guard_leakage(train_rows, typed)
    features = _specs(train_rows, typed)
    progress(f"training on {train_rows.height:,} rows, validating on {validation.height:,}")
    fitted = fit_recipe(train_rows, features)
    labels = validation.get_column(LABEL).to_numpy()
    progress("training the logistic baseline")
    baseline = LogisticBaseline(features).fit(train_rows, train_rows.get_column(LABEL)
                                              .to_numpy())
    baseline_metrics = metrics(labels, baseline.predict(validation))
    matrix = encode_frame(validation, features)
    linear = LinearScorer(linear_part(baseline, MISSING), features).probabilities(matrix)
    model_metrics = metrics(labels, blended(fitted.predict(matrix), linear))
    progress(f"refitting on all {frame.height:,} rows")
    final_features = _specs(frame, typed)
    final = fit_recipe(frame, final_features)
    final_baseline = LogisticBaseline(final_features).fit(frame, frame.get_column(LABEL)
                                                          .to_numpy())
    return ModelRecord(
        booster=final.booster, features=final_features,
        calibration_x=final.calibration.x.tolist(), calibration_y=final.calibration.y.tolist(),
        metrics={"model": model_metrics, "baseline": baseline_metrics,
                 "validation": _validation(train_rows, validation)},
        mapping=prepared.mapping.model_dump(exclude_none=True), period=_period(frame, prepared),
        source=prepared.source, rows=frame.height, positives=int(frame[LABEL].sum()),
        leakage_checks=typed.checks, notes=[*prepared.notes, *notes, *typed.notes],
        params={**PARAMS, "rounds": final.booster.current_iteration()},
        baseline=final_baseline)


def _labelled(prepared: Prepared) -> tuple[pl.DataFrame, list[str]]:
    if not prepared.has_label:
        raise MlError(f"the data has no label column {prepared.mapping.label.column!r}")
    frame = prepared.frame
    unlabelled = int(frame.get_column(LABEL).null_count())
    notes = []
    if unlabelled:
        notes.append(f"{unlabelled:,} rows without a label value: not used")
        frame = frame.filter(pl.col(LABEL).is_not_null())
    return frame, notes


def _enough(rows: pl.DataFrame, part: str, minimum: int = MIN_POSITIVES) -> None:
    positives = int(rows.get_column(LABEL).sum()) if rows.height else 0
    negatives = rows.height - positives
    if rows.height < (MIN_ROWS if part == "training" else 10) or positives < minimum \
            or negatives < minimum:
        raise MlError(f"too little data to {'train' if part == 'training' else 'validate'}: "
                      f"the {part} part (by time) has {rows.height:,} rows, {positives:,} "
                      f"positive and {negatives:,} negative; at least {minimum} of each needed")


def _specs(rows: pl.DataFrame, typed: Typed) -> list[FeatureSpec]:
    return [FeatureSpec(name, kind, categories_of(rows, name) if kind == CATEGORICAL else ())
            for name, kind in typed.kinds.items()]


def fit_recipe(rows: pl.DataFrame, features: list[FeatureSpec]) -> Fitted:
    """LightGBM on the earliest 80 % of `rows`, early stopping and isotonic calibration on the
    latest 20 %."""
    import lightgbm as lgb
    from sklearn.isotonic import IsotonicRegression

    fit, later = split_by_time(rows, FIT_SHARE)
    categorical = [i for i, f in enumerate(features) if f.kind == CATEGORICAL]
    names = [f.name for f in features]
    train_set = lgb.Dataset(encode_frame(fit, features), fit.get_column(LABEL).to_numpy(),
                            feature_name=names, categorical_feature=categorical,
                            free_raw_data=False)
    later_matrix = encode_frame(later, features)
    later_labels = later.get_column(LABEL).to_numpy()
    valid_set = lgb.Dataset(later_matrix, later_labels, reference=train_set)
    booster = lgb.train(PARAMS, train_set, num_boost_round=ROUNDS, valid_sets=[valid_set],
                        callbacks=[lgb.early_stopping(PATIENCE, verbose=False)])
    booster = lgb.Booster(model_str=booster.model_to_string(
        num_iteration=booster.best_iteration or None))
    raw = np.asarray(booster.predict(later_matrix), dtype=float)
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    isotonic.fit(raw, later_labels)
    x = np.asarray(isotonic.X_thresholds_, dtype=float)
    y = np.clip(np.asarray(isotonic.y_thresholds_, dtype=float) + TIE_BREAK * x, 0.0, 1.0)
    return Fitted(booster, Calibration(x.tolist(), y.tolist()))


def _validation(train_rows: pl.DataFrame, validation: pl.DataFrame) -> dict[str, Any]:
    first, last = str(validation[TIME].min()), str(validation[TIME].max())
    return {"train_rows": train_rows.height, "rows": validation.height,
            "start": str(first), "end": str(last),
            "description": (f"Trained on the earliest {train_rows.height:,} rows (up to "
                            f"{train_rows[TIME].max()!s}), measured on the latest "
                            f"{validation.height:,} ({first} to {last}); the logistic baseline "
                            f"trained on the same rows. The saved model is then refitted on "
                            f"all rows by the same recipe.")}


def _period(frame: pl.DataFrame, prepared: Prepared) -> Mapping[str, Any]:
    mapping = prepared.mapping
    at = (f"the first {mapping.at_activity!r} event of a case" if mapping.is_event_log
          else f"{mapping.time_column}")
    return {"start": str(frame[TIME].min()), "end": str(frame[TIME].max()), "at": at}
