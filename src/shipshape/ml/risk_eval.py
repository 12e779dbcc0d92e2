"""How good a risk model is: ROC AUC, PR AUC (average precision), Brier score, rows and
positives, and the logistic-regression baseline every model is measured against (one-hot
categories, standardised numbers, missing numbers replaced by the training median).

The baseline fitted on the saved model's rows is kept in the model folder as `baseline.skops`
(skops, never pickle: its parts as a dict of the fitted scikit-learn objects), its sha256 in
model.json; `load_baseline` checks the hash and the types the file holds against an explicit
list, and `evaluate_saved` measures the model and that baseline on the same rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shipshape.ml.errors import ModelUnusable
from shipshape.ml.risk_data import LABEL, TIME, as_text, encode_frame
from shipshape.ml.risk_model import (
    BASELINE_FILE,
    BASELINE_SHA256,
    CATEGORICAL,
    META_FILE,
    NUMERIC,
    FeatureSpec,
    RiskModel,
    file_sha256,
)

MISSING = "\0missing"
BASELINE_TYPES = ["numpy.dtype"]
"""The types baseline.skops holds beyond those skops trusts by default (the imputer, scaler,
one-hot encoder and logistic regression, numpy arrays, dicts, lists, text): learned once with
`skops.io.get_untrusted_types`. A file holding any other type is refused."""
PARTS = ("numeric", "categorical", "imputer", "scaler", "encoder", "model")


def metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """roc_auc, pr_auc, brier, n, positives; the AUCs are None when one class is absent."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    labels = np.asarray(labels, dtype=np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    positives = int(labels.sum())
    both = 0 < positives < labels.size
    return {
        "roc_auc": round(float(roc_auc_score(labels, probabilities)), 4) if both else None,
        "pr_auc": round(float(average_precision_score(labels, probabilities)), 4)
        if both else None,
        "brier": round(float(brier_score_loss(labels, probabilities)), 4)
        if labels.size else None,
        "n": int(labels.size),
        "positives": positives,
    }


class LogisticBaseline:
    """Logistic regression on the same features: the yardstick a model has to beat."""

    def __init__(self, features: Sequence[FeatureSpec]) -> None:
        self.numeric = [f.name for f in features if f.kind == NUMERIC]
        self.categorical = [f.name for f in features if f.kind == CATEGORICAL]
        self.model: Any = None
        self.imputer: Any = None
        self.scaler: Any = None
        self.encoder: Any = None

    def fit(self, frame: pl.DataFrame, labels: np.ndarray) -> LogisticBaseline:
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        self.imputer = SimpleImputer(strategy="median", keep_empty_features=True)
        self.scaler = StandardScaler()
        self.encoder = OneHotEncoder(handle_unknown="ignore")
        numbers, texts = self._parts(frame)
        if self.numeric:
            self.scaler.fit(self.imputer.fit_transform(numbers))
        if self.categorical:
            self.encoder.fit(texts)
        self.model = LogisticRegression(max_iter=2000)
        self.model.fit(self._matrix(numbers, texts), labels)
        return self

    def to_parts(self) -> dict[str, Any]:
        """What predicting needs, as skops saves it."""
        return {"numeric": list(self.numeric), "categorical": list(self.categorical),
                "imputer": self.imputer, "scaler": self.scaler, "encoder": self.encoder,
                "model": self.model}

    @classmethod
    def from_parts(cls, parts: Mapping[str, Any]) -> LogisticBaseline:
        baseline = cls([])
        baseline.numeric = [str(n) for n in parts["numeric"]]
        baseline.categorical = [str(n) for n in parts["categorical"]]
        baseline.imputer, baseline.scaler = parts["imputer"], parts["scaler"]
        baseline.encoder, baseline.model = parts["encoder"], parts["model"]
        return baseline

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        numbers, texts = self._parts(frame)
        return np.asarray(self.model.predict_proba(self._matrix(numbers, texts))[:, 1])

    def _parts(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        numbers = frame.select(
            [pl.col(n).cast(pl.Float64, strict=False) for n in self.numeric]
        ).fill_null(float("nan")).to_numpy() if self.numeric else np.empty((frame.height, 0))
        texts = frame.select(
            [as_text(pl.col(n), frame.schema[n]).fill_null(MISSING).alias(n)
             for n in self.categorical]
        ).to_numpy() if self.categorical else np.empty((frame.height, 0), dtype=object)
        return numbers, texts

    def _matrix(self, numbers: np.ndarray, texts: np.ndarray) -> Any:
        from scipy import sparse

        parts = []
        if self.numeric:
            parts.append(sparse.csr_matrix(self.scaler.transform(self.imputer.transform(numbers))))
        if self.categorical:
            parts.append(self.encoder.transform(texts))
        return sparse.hstack(parts, format="csr")


# --------------------------------------------------------------------------- saved baseline


def baseline_bytes(baseline: LogisticBaseline) -> bytes:
    """baseline.skops's content."""
    import skops.io as sio

    return bytes(sio.dumps(baseline.to_parts()))


def load_baseline(folder: Path, meta: Mapping[str, Any]) -> LogisticBaseline | None:
    """The baseline saved beside the model; None for a folder written before baseline.skops
    was saved. `ModelUnusable` when the file is missing, its sha256 is not the one model.json
    records, it holds an untrusted type or it is not the baseline of the model's features."""
    path = folder / BASELINE_FILE
    recorded = meta.get(BASELINE_SHA256)
    if recorded is None:
        if path.exists():
            raise ModelUnusable(f"{path}: {META_FILE} records no sha256 for it; not loaded")
        return None
    if not path.is_file():
        raise ModelUnusable(f"{path}: missing ({META_FILE} records its sha256)")
    digest = file_sha256(path)
    if digest != recorded:
        raise ModelUnusable(f"{path}: sha256 {digest[:12]}… is not the {str(recorded)[:12]}… "
                            f"recorded in {META_FILE}: changed after training; not loaded")
    baseline = LogisticBaseline.from_parts(_baseline_parts(path))
    features = [FeatureSpec.from_json(f) for f in meta["features"]]
    expected = LogisticBaseline(features)
    if (baseline.numeric, baseline.categorical) != (expected.numeric, expected.categorical):
        raise ModelUnusable(f"{path}: not the baseline of the model's features")
    return baseline


def _baseline_parts(path: Path) -> dict[str, Any]:
    import skops.io as sio

    try:
        refused = sorted(set(sio.get_untrusted_types(file=path)) - set(BASELINE_TYPES))
        if refused:
            raise ModelUnusable(f"{path}: holds types that are not trusted: "
                                f"{', '.join(refused)}")
        parts = sio.load(path, trusted=BASELINE_TYPES)
    except ModelUnusable:
        raise
    except Exception as error:  # skops raises many kinds on a corrupt file
        raise ModelUnusable(f"{path}: unreadable: {type(error).__name__}: {error}") from None
    if not isinstance(parts, dict) or set(parts) != set(PARTS) \
            or not hasattr(parts["model"], "predict_proba"):
        raise ModelUnusable(f"{path}: not a logistic baseline written by train-risk")
    return parts


# --------------------------------------------------------------------------- evaluation


def evaluate_saved(frame: pl.DataFrame, model: RiskModel,
                   baseline: LogisticBaseline | None) -> dict[str, Any]:
    """The model and its saved baseline measured on every labelled row of `frame`: the
    metrics, `baseline` (the same, or None), `period` (the rows' first and last time) and
    `overlap_rows` (rows not later than the end of the model's training period; None when the
    model does not record it)."""
    labels = frame.get_column(LABEL).to_numpy()
    result = metrics(labels, model.score_matrix(encode_frame(frame, model.features)))
    result["baseline"] = None if baseline is None else metrics(labels, baseline.predict(frame))
    result["period"] = {"start": str(frame[TIME].min()), "end": str(frame[TIME].max())}
    result["overlap_rows"] = rows_up_to(frame, model.meta.get("period", {}).get("end"))
    return result


def rows_up_to(frame: pl.DataFrame, end: object) -> int | None:
    """How many rows' time is not later than `end` (the ISO text model.json records)."""
    try:
        moment = datetime.fromisoformat(str(end))
    except ValueError:
        return None
    times = pl.col(TIME)
    if getattr(frame.schema[TIME], "time_zone", None):
        times = times.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return int(frame.select((times <= moment).sum()).item())
