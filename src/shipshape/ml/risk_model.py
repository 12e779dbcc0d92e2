"""The order-risk model as saved by `shipshape ml train-risk`, loaded and applied.

A model folder holds `model.txt` (LightGBM's text model: no pickle, nothing executes on load),
`model.json` (the features with their categories, the isotonic calibration, the sha256 of
model.txt, metrics, the mapping and the period it learned from), `card.md` and
`baseline.skops` (the logistic baseline fitted on the same rows, for `evaluate`; its sha256 is
in model.json too and is checked when it is loaded, by `risk_eval.load_baseline`). Loading
checks the hash; a missing file, another hash or content that does not read raise
`ModelUnusable`.

Rows are mappings of feature name to value. Numeric features take numbers (or text that reads
as one); categorical features take any value, compared as text. A missing feature, a value that
does not read or a category the model never saw counts as missing (NaN): it scores, never
raises.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.txt"
META_FILE = "model.json"
CARD_FILE = "card.md"
BASELINE_FILE = "baseline.skops"
BASELINE_SHA256 = "baseline_sha256"
"""model.json's key for baseline.skops's sha256 (absent in folders written before it was saved)"""
KIND = "order-risk"
NUMERIC = "numeric"
CATEGORICAL = "categorical"
KINDS = (NUMERIC, CATEGORICAL)
NAN = float("nan")


@dataclass(frozen=True)
class FeatureSpec:
    """One input of the model: its name, kind and (categorical) the categories it learned, in
    the order of their codes."""

    name: str
    kind: str
    categories: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "categories": list(self.categories)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureSpec:
        kind = str(data["kind"])
        if kind not in KINDS:
            raise ValueError(f"feature {data.get('name')!r}: unknown kind {kind!r}")
        return cls(str(data["name"]), kind, tuple(str(c) for c in data.get("categories", [])))


def category_text(value: object) -> str | None:
    """A categorical value as the text the model compares: None stays None, booleans are
    `true`/`false`, whole floats lose their `.0` (767.0 and 767 are one category)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text != "" else None


def numeric_value(value: object) -> float:
    """A numeric value as a float; NaN where it is missing or does not read as a number."""
    if value is None:
        return NAN
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return NAN


class Encoder:
    """Turns rows into the float matrix the booster reads: numeric values as floats,
    categories as their codes, anything missing or unknown as NaN."""

    def __init__(self, features: Sequence[FeatureSpec]) -> None:
        self.features = tuple(features)
        self.codes: dict[str, dict[str, float]] = {
            spec.name: {c: float(i) for i, c in enumerate(spec.categories)}
            for spec in self.features if spec.kind == CATEGORICAL}

    def value(self, spec: FeatureSpec, raw: object) -> float:
        if spec.kind == NUMERIC:
            return numeric_value(raw)
        text = category_text(raw)
        return NAN if text is None else self.codes[spec.name].get(text, NAN)

    def row(self, row: Mapping[str, object]) -> np.ndarray:
        """One row as a (1, n) array."""
        get = row.get
        return np.array([[self.value(spec, get(spec.name)) for spec in self.features]],
                        dtype=np.float64)

    def rows(self, rows: Sequence[Mapping[str, object]]) -> np.ndarray:
        matrix = np.empty((len(rows), len(self.features)), dtype=np.float64)
        for column, spec in enumerate(self.features):
            name = spec.name
            if spec.kind == NUMERIC:
                matrix[:, column] = [numeric_value(r.get(name)) for r in rows]
            else:
                codes = self.codes[name]
                matrix[:, column] = [_code(codes, r.get(name)) for r in rows]
        return matrix


def _code(codes: Mapping[str, float], raw: object) -> float:
    text = category_text(raw)
    return NAN if text is None else codes.get(text, NAN)


class Calibration:
    """Isotonic calibration as its breakpoints: raw probability x -> calibrated y, linear in
    between, flat beyond the ends (as scikit-learn's IsotonicRegression predicts)."""

    def __init__(self, x: Sequence[float], y: Sequence[float]) -> None:
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        if self.x.shape != self.y.shape or self.x.size == 0:
            raise ValueError("calibration: x and y must be non-empty and of one length")

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return np.asarray(np.interp(raw, self.x, self.y), dtype=np.float64)

    def one(self, raw: float) -> float:
        return float(np.interp(raw, self.x, self.y))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RiskModel:
    """A loaded order-risk model: calibrated probabilities, one row or many, and the features
    that pushed a row's score most (LightGBM's per-feature contributions, in log-odds)."""

    def __init__(self, booster: Any, meta: Mapping[str, Any], folder: Path | None = None) -> None:
        self.booster = booster
        self.meta = dict(meta)
        self.folder = folder
        self.features = tuple(FeatureSpec.from_json(f) for f in meta["features"])
        self.encoder = Encoder(self.features)
        calibration = meta["calibration"]
        self.calibration = Calibration(calibration["x"], calibration["y"])
        self.version: str = str(meta["version"])
        self.trained_at: datetime = datetime.fromisoformat(str(meta["trained_at"]))
        self.feature_names: list[str] = [f.name for f in self.features]
        self.linear = _linear_scorer(meta, self.features)

    @classmethod
    def load(cls, folder: Path | str) -> RiskModel:
        """The model saved in `folder`; `ModelUnusable` when a file is missing, model.txt's
        sha256 is not the one model.json records, or either does not read."""
        from shipshape.ml.errors import ModelUnusable

        folder = Path(folder)
        meta = _read_meta(folder)
        text_path = folder / MODEL_FILE
        if not text_path.is_file():
            raise ModelUnusable(f"{text_path}: missing (a risk model folder holds {MODEL_FILE}, "
                                f"{META_FILE} and {CARD_FILE})")
        digest = file_sha256(text_path)
        if digest != meta.get("sha256"):
            raise ModelUnusable(f"{text_path}: sha256 {digest[:12]}… is not the "
                                f"{str(meta.get('sha256'))[:12]}… recorded in {META_FILE}: the "
                                f"model was changed after training; not loaded")
        return cls(_booster(text_path, meta), meta, folder)

    # ------------------------------------------------------------------ scoring

    def score_matrix(self, matrix: np.ndarray, num_threads: int = 0) -> np.ndarray:
        raw = self.booster.predict(matrix, num_threads=num_threads)
        return self._with_linear(self.calibration.apply(np.asarray(raw, dtype=np.float64)),
                                 matrix)

    def _with_linear(self, calibrated: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """The booster's calibrated probabilities blended with the linear part's (a folder
        written before the blend has none: the booster alone)."""
        if self.linear is None:
            return calibrated
        from shipshape.ml.risk_linear import blended

        return blended(calibrated, self.linear.probabilities(matrix))

    def score_rows(self, rows: Sequence[Mapping[str, object]]) -> list[float]:
        """Calibrated probabilities of `rows`, in their order."""
        if not rows:
            return []
        return [float(p) for p in self.score_matrix(self.encoder.rows(rows))]

    def score_one(self, row: Mapping[str, object]) -> float:
        """One row's calibrated probability, on one thread (the inline path)."""
        matrix = self.encoder.row(row)
        raw = self.booster.predict(matrix, num_threads=1)
        calibrated = np.array([self.calibration.one(float(raw[0]))])
        return float(self._with_linear(calibrated, matrix)[0])

    def contributions(self, matrix: np.ndarray, num_threads: int = 0) -> np.ndarray:
        """Per-feature contributions in log-odds, (rows, features); the bias column dropped."""
        contrib = self.booster.predict(matrix, pred_contrib=True, num_threads=num_threads)
        return np.asarray(contrib, dtype=np.float64)[:, : len(self.features)]

    def reasons(self, row: Mapping[str, object], top: int = 3) -> list[tuple[str, float]]:
        """The `top` features that moved this row's score most (largest contribution first by
        size), each with its contribution in log-odds (+ raises the risk)."""
        return self.reasons_of(self.contributions(self.encoder.row(row), num_threads=1), top)[0]

    def reasons_of(self, contributions: np.ndarray, top: int = 3
                   ) -> list[list[tuple[str, float]]]:
        order = np.argsort(-np.abs(contributions), axis=1)[:, :top]
        names = self.feature_names
        return [[(names[i], float(row[i])) for i in picks if row[i] != 0.0]
                for row, picks in zip(contributions, order, strict=True)]


def _read_meta(folder: Path) -> dict[str, Any]:
    from shipshape.ml.errors import ModelUnusable

    path = folder / META_FILE
    if not folder.is_dir():
        raise ModelUnusable(f"{folder}: no such model folder")
    if not path.is_file():
        raise ModelUnusable(f"{path}: missing")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelUnusable(f"{path}: does not read as JSON ({error})") from None
    if not isinstance(meta, dict) or meta.get("kind") != KIND:
        raise ModelUnusable(f"{path}: not an {KIND} model (kind "
                            f"{meta.get('kind') if isinstance(meta, dict) else None!r})")
    missing = [k for k in ("version", "trained_at", "features", "calibration", "sha256")
               if k not in meta]
    if missing:
        raise ModelUnusable(f"{path}: lacks {', '.join(missing)}")
    try:
        [FeatureSpec.from_json(f) for f in meta["features"]]
        Calibration(meta["calibration"]["x"], meta["calibration"]["y"])
        datetime.fromisoformat(str(meta["trained_at"]))
        _linear_scorer(meta, [])
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ModelUnusable(f"{path}: corrupt content ({error})") from None
    return meta


def _linear_scorer(meta: Mapping[str, Any], features: Sequence[FeatureSpec]) -> Any:
    """The linear part model.json records (`risk_linear`), or None."""
    if "linear" not in meta:
        return None
    from shipshape.ml.risk_linear import LinearPart, LinearScorer

    return LinearScorer(LinearPart.from_json(meta["linear"]), features)


def _booster(text_path: Path, meta: Mapping[str, Any]) -> Any:
    import lightgbm as lgb

    from shipshape.ml.errors import ModelUnusable

    try:
        booster = lgb.Booster(model_str=text_path.read_text(encoding="utf-8"))
    except (lgb.basic.LightGBMError, UnicodeDecodeError, ValueError) as error:
        raise ModelUnusable(f"{text_path}: does not read as a LightGBM model ({error})") from None
    if booster.num_feature() != len(meta["features"]):
        raise ModelUnusable(f"{text_path}: {booster.num_feature()} features, but {META_FILE} "
                            f"lists {len(meta['features'])}")
    return booster
