"""The text classifier as `train-text` saves it and everything else loads it.

A model folder holds `model.skops` (the fitted word and character TF-IDF vectorisers and the
logistic regression, written with skops, never pickle), `model.json` (kind "text", version,
training time, classes, each class's team and code, the confidence threshold, the SHA-256 of
model.skops, the validation metrics) and `card.md`. Loading checks the hash, the types the
file holds against an explicit list and the metadata against the model; anything wrong is
`ModelUnusable` with the reason.

`classify` is the single-message path: the text is analysed with the vectorisers' own
analysers, looked up in a vocabulary built once at load, and scored against the model's
coefficients with numpy, without sklearn's per-call checks; it gives the same probabilities
as the batch path (`classify_many`, sklearn's own transform and predict_proba).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from shipshape.ml.errors import ModelUnusable

KIND = "text"
MODEL_FILE, META_FILE, CARD_FILE = "model.skops", "model.json", "card.md"
PARTS = ("word", "char")
TRUSTED_TYPES: list[str] = []
"""Types the model file may hold beyond those skops trusts by default (the vectorisers, the
logistic regression, numpy arrays): none. A file holding any other type is refused."""
TOP = 3


@dataclass(frozen=True, slots=True)
class Guess:
    label: str
    confidence: float


@dataclass(frozen=True, slots=True)
class TextPrediction:
    label: str
    team: str
    code: str
    confidence: float
    triage: bool
    """The confidence is below the model's threshold: a person decides."""
    top: tuple[Guess, ...]


Analyser = Callable[[str], list[str]]
Columns = dict[str, int]
"""term -> its column in the joined feature vector"""


class TextModel:
    """A loaded model: `classify` one message, `classify_many` a batch."""

    def __init__(self, parts: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
        self._parts = parts
        self.meta = dict(meta)
        self.version: str = str(meta["version"])
        self.trained_at = datetime.fromisoformat(str(meta["trained_at"]))
        self.classes: list[str] = [str(c) for c in parts["model"].classes_]
        self.threshold = float(meta["threshold"])
        self.teams: dict[str, dict[str, str]] = dict(meta["teams"])
        self._default_team = str(meta.get("default_team", "customer_service"))
        self._analysers, self._columns, self._idf = _lookup_tables(parts)
        model = parts["model"]
        self._weights = np.ascontiguousarray(model.coef_.T, dtype=np.float64)
        self._intercept = np.asarray(model.intercept_, dtype=np.float64)

    @classmethod
    def load(cls, folder: Path) -> TextModel:
        meta = read_meta(folder)
        path = folder / MODEL_FILE
        if not path.is_file():
            raise ModelUnusable(f"{path}: missing")
        if sha256_of(path) != meta.get("sha256"):
            raise ModelUnusable(f"{path}: its SHA-256 is not the one model.json names (changed "
                                "since training?)")
        parts = _load_parts(path)
        _check_meta(meta, parts)
        return cls(parts, meta)

    def route(self, label: str) -> tuple[str, str]:
        """The owner team and exception code of `label`."""
        route = self.teams.get(label)
        if route is None:
            from shipshape.ml.text_teams import code_of_label

            return self._default_team, code_of_label(label)
        return route["team"], route["code"]

    def probabilities(self, text: str) -> np.ndarray:
        """Each class's probability for `text`, in `classes` order (the fast path)."""
        parts = [_tfidf(analyse(text), columns, idf)
                 for analyse, columns, idf in zip(self._analysers, self._columns, self._idf,
                                                  strict=True)]
        found = [part for part in parts if part is not None]
        if not found:
            return _probabilities(self._intercept.copy())
        columns = np.concatenate([c for c, _ in found]) if len(found) > 1 else found[0][0]
        values = np.concatenate([v for _, v in found]) if len(found) > 1 else found[0][1]
        return _probabilities(values @ self._weights[columns] + self._intercept)

    def classify(self, text: str, top: int = TOP) -> TextPrediction:
        return self._prediction(self.probabilities(text), top)

    def classify_many(self, texts: Sequence[str], top: int = TOP) -> list[TextPrediction]:
        """Each of `texts` classified (sklearn's batch transform: the figures `evaluate-text`
        reports)."""
        return [self._prediction(row, top) for row in self.batch_probabilities(texts)]

    def batch_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        from scipy.sparse import hstack

        features = hstack([self._parts[name].transform(texts) for name in PARTS]).tocsr()
        return np.asarray(self._parts["model"].predict_proba(features))

    def _prediction(self, probabilities: np.ndarray, top: int) -> TextPrediction:
        order = np.argsort(-probabilities, kind="stable")[:max(top, 1)]
        guesses = tuple(Guess(self.classes[i], round(float(probabilities[i]), 6)) for i in order)
        best = guesses[0]
        team, code = self.route(best.label)
        return TextPrediction(best.label, team, code, best.confidence,
                              float(probabilities[order[0]]) < self.threshold, guesses)


def read_meta(folder: Path) -> dict[str, Any]:
    path = folder / META_FILE
    if not folder.is_dir():
        raise ModelUnusable(f"{folder}: no such model folder")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelUnusable(f"{path}: missing") from None
    except (OSError, ValueError) as error:
        raise ModelUnusable(f"{path}: unreadable: {error}") from None
    if not isinstance(meta, dict) or meta.get("kind") != KIND:
        raise ModelUnusable(f"{path}: not a text model (kind {meta.get('kind')!r})"
                            if isinstance(meta, dict) else f"{path}: not a JSON object")
    return meta


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_parts(path: Path) -> dict[str, Any]:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
        refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if refused:
            raise ModelUnusable(f"{path}: holds types that are not trusted: {', '.join(refused)}")
        parts = sio.load(path, trusted=TRUSTED_TYPES)
    except ModelUnusable:
        raise
    except Exception as error:  # skops raises many kinds on a corrupt file
        raise ModelUnusable(f"{path}: unreadable: {type(error).__name__}: {error}") from None
    if not isinstance(parts, dict) or set(parts) != {*PARTS, "model"}:
        raise ModelUnusable(f"{path}: not a text model written by train-text")
    return parts


def _check_meta(meta: Mapping[str, Any], parts: Mapping[str, Any]) -> None:
    classes = [str(c) for c in parts["model"].classes_]
    if list(meta.get("classes") or []) != classes:
        raise ModelUnusable("model.json's classes are not the model's")
    threshold = meta.get("threshold")
    if not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
        raise ModelUnusable(f"model.json: threshold {threshold!r} is not between 0 and 1")
    if not isinstance(meta.get("teams"), dict) or not isinstance(meta.get("version"), str):
        raise ModelUnusable("model.json: teams or version missing")
    for name in PARTS:
        vectoriser = parts[name]
        if not (vectoriser.sublinear_tf and vectoriser.use_idf and vectoriser.norm == "l2"):
            raise ModelUnusable(f"{name} vectoriser: not the TF-IDF train-text fits")


def _lookup_tables(parts: Mapping[str, Any]
                   ) -> tuple[list[Analyser], list[Columns], list[np.ndarray]]:
    """Per vectoriser: its analyser, each term's column in the joined vector, and the idf of
    each of its terms by that column."""
    analysers, columns, idfs, offset = [], [], [], 0
    for name in PARTS:
        vectoriser = parts[name]
        size = len(vectoriser.vocabulary_)
        analysers.append(vectoriser.build_analyzer())
        columns.append({term: offset + int(i) for term, i in vectoriser.vocabulary_.items()})
        idf = np.zeros(offset + size)
        idf[offset:] = vectoriser.idf_
        idfs.append(idf)
        offset += size
    return analysers, columns, idfs


def _tfidf(terms: list[str], columns: Columns, idf: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray] | None:
    """The columns and l2-normalised sublinear TF-IDF values of one vectoriser's known terms
    (None: it knows none), as sklearn computes them."""
    counts = Counter(terms)
    size = len(counts)
    found = np.fromiter(map(columns.get, counts, repeat(-1)), dtype=np.int64, count=size)
    known = found >= 0
    if not known.any():
        return None
    index = found[known]
    repeats = np.fromiter(counts.values(), dtype=np.float64, count=size)[known]
    values = (1.0 + np.log(repeats)) * idf[index]
    return index, values / math.sqrt(float(values @ values))


def _probabilities(scores: np.ndarray) -> np.ndarray:
    """As LogisticRegression.predict_proba: a sigmoid for two classes, else a softmax."""
    if scores.shape[0] == 1:
        score = float(scores[0])
        positive = (1.0 / (1.0 + math.exp(-score)) if score >= 0
                    else math.exp(score) / (1.0 + math.exp(score)))
        return np.array([1.0 - positive, positive])
    exp = np.exp(scores - scores.max())
    result: np.ndarray = exp / exp.sum()
    return result
