"""The linear half of the order-risk model.

The saved model blends the calibrated booster with a logistic regression fitted on the same
rows (`BOOSTER_WEIGHT` of the one, the rest of the other): on held-out later data the blend
ranks better than either alone, since the booster finds the interactions and the regression
keeps the smooth trends the trees cut into steps. The regression is kept in model.json as plain
numbers (no pickle) and applied to the booster's own encoded rows, so scoring one order needs
no scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shipshape.ml.risk_model import CATEGORICAL, FeatureSpec

BOOSTER_WEIGHT = 0.5
MISSING_KEY = ""
"""The category key of a missing (or never seen) value's coefficient."""


@dataclass(frozen=True)
class LinearPart:
    """A fitted logistic regression: per numeric feature (median, mean, scale, coefficient),
    per categorical feature {category: coefficient}."""

    intercept: float
    numeric: Mapping[str, tuple[float, float, float, float]]
    categorical: Mapping[str, Mapping[str, float]]

    def to_json(self) -> dict[str, Any]:
        return {"intercept": self.intercept,
                "numeric": {k: list(v) for k, v in self.numeric.items()},
                "categorical": {k: dict(v) for k, v in self.categorical.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearPart:
        numeric = {str(k): (float(v[0]), float(v[1]), float(v[2]), float(v[3]))
                   for k, v in data["numeric"].items()}
        categorical = {str(k): {str(c): float(w) for c, w in v.items()}
                       for k, v in data["categorical"].items()}
        return cls(float(data["intercept"]), numeric, categorical)


def linear_part(baseline: Any, missing_text: str) -> LinearPart:
    """The numbers of a fitted `risk_eval.LogisticBaseline` (`missing_text`: the category it
    gives a missing value)."""
    coefficients = np.asarray(baseline.model.coef_[0], dtype=np.float64)
    numeric: dict[str, tuple[float, float, float, float]] = {}
    for i, name in enumerate(baseline.numeric):
        numeric[name] = (float(baseline.imputer.statistics_[i]), float(baseline.scaler.mean_[i]),
                         float(baseline.scaler.scale_[i]), float(coefficients[i]))
    categorical: dict[str, dict[str, float]] = {}
    at = len(baseline.numeric)
    for name, categories in zip(baseline.categorical, baseline.encoder.categories_, strict=True):
        weights = {str(c): float(w) for c, w in zip(categories, coefficients[at:], strict=False)}
        weights[MISSING_KEY] = weights.pop(missing_text, 0.0)
        categorical[name] = weights
        at += len(categories)
    return LinearPart(float(baseline.model.intercept_[0]), numeric, categorical)


class LinearScorer:
    """A `LinearPart` applied to the matrix `risk_model.Encoder` builds: numbers as floats,
    categories as their codes, NaN where missing or unknown."""

    def __init__(self, part: LinearPart, features: Sequence[FeatureSpec]) -> None:
        self.intercept = part.intercept
        self.numeric: list[tuple[int, float, float, float, float]] = []
        self.categorical: list[tuple[int, np.ndarray, float]] = []
        for column, spec in enumerate(features):
            if spec.kind == CATEGORICAL:
                weights = part.categorical.get(spec.name, {})
                table = np.array([weights.get(c, 0.0) for c in spec.categories] or [0.0])
                self.categorical.append((column, table, weights.get(MISSING_KEY, 0.0)))
            elif spec.name in part.numeric:
                median, mean, scale, weight = part.numeric[spec.name]
                self.numeric.append((column, median, mean, scale or 1.0, weight))

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        logits = np.full(matrix.shape[0], self.intercept, dtype=np.float64)
        for column, median, mean, scale, weight in self.numeric:
            values = matrix[:, column]
            logits += (np.where(np.isnan(values), median, values) - mean) / scale * weight
        for column, table, missing in self.categorical:
            codes = matrix[:, column]
            known = ~np.isnan(codes)
            picked = table[np.where(known, codes, 0).astype(np.int64)]
            logits += np.where(known, picked, missing)
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)


def blended(booster: np.ndarray, linear: np.ndarray) -> np.ndarray:
    return np.asarray(BOOSTER_WEIGHT * booster + (1.0 - BOOSTER_WEIGHT) * linear)
