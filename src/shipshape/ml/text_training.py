"""Training the text classifier: TF-IDF of words (1-2 grams) and characters (2-5 grams within
words) and a multinomial logistic regression; no weights to download.

The labelled messages are split, stratified by label, into a training and a validation part.
The model fitted on the training part is measured on the validation part, and the confidence
threshold is calibrated there: the lowest confidence at which the validation messages at or
above it are classified with at least the target precision. The model is then fitted again on
every message (same settings) and saved with that threshold and those figures.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED

import numpy as np

from shipshape.ml.errors import MappingError
from shipshape.ml.text_model import CARD_FILE, KIND, META_FILE, MODEL_FILE, PARTS, sha256_of
from shipshape.ml.text_teams import TeamMap

Progress = Callable[[str], None]
WORDS = {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 1}
CHARACTERS = {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "min_df": 2}


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    validation_share: float = 0.2
    target_precision: float = 0.95
    min_threshold: float = 0.5
    """The threshold is never lower: held-out messages are like the training ones, the
    messages of the day may not be, and a label less likely than not is not trusted."""
    seed: int = 0
    regularisation: float = 10.0
    """LogisticRegression's C."""


@dataclass(frozen=True, slots=True)
class Trained:
    parts: dict[str, Any]
    meta: dict[str, Any]


def train(texts: Sequence[str], labels: Sequence[str], teams: TeamMap,
          options: TrainingOptions, progress: Progress = lambda _: None) -> Trained:
    """The model fitted on every message, with the threshold and figures of the validation
    split; MappingError when the labels cannot be learned (one class, a class of one)."""
    counts = _checked_counts(labels)
    fit_texts, held_texts, fit_labels, held_labels = _split(texts, labels, options)
    progress(f"fitting on {len(fit_texts):,} messages, validating on {len(held_texts):,}")
    parts = fitted(fit_texts, fit_labels, options)
    probabilities = predict_proba(parts, held_texts)
    classes = [str(c) for c in parts["model"].classes_]
    predicted = [classes[i] for i in probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    correct = np.array([p == t for p, t in zip(predicted, held_labels, strict=True)])
    calibrated = calibrate_threshold(confidence, correct, options.target_precision)
    threshold = max(calibrated, options.min_threshold)
    validation = metrics_of(held_labels, predicted, confidence, threshold)
    progress(f"validation accuracy {validation['accuracy']:.3f}, threshold {threshold:.3f}; "
             f"fitting on all {len(texts):,} messages")
    parts = fitted(texts, labels, options)
    meta = {
        "kind": KIND, "classes": [str(c) for c in parts["model"].classes_],
        "class_counts": dict(sorted(counts.items())),
        "teams": teams.resolved(parts["model"].classes_), "default_team": teams.default_team,
        "threshold": threshold, "target_precision": options.target_precision,
        "calibrated_threshold": calibrated, "min_threshold": options.min_threshold,
        "metrics": {"validation": validation},
        "split": {"method": "stratified", "validation_share": options.validation_share,
                  "seed": options.seed, "train": len(fit_texts), "validation": len(held_texts)},
        "features": {"words": _plain(WORDS), "characters": _plain(CHARACTERS),
                     "model": "LogisticRegression", "C": options.regularisation},
    }
    return Trained(parts, meta)


def fitted(texts: Sequence[str], labels: Sequence[str],
           options: TrainingOptions) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    word = TfidfVectorizer(**WORDS)
    char = TfidfVectorizer(**CHARACTERS)
    features = _joined(word.fit_transform(texts), char.fit_transform(texts))
    model = LogisticRegression(C=options.regularisation, max_iter=3000)
    # One BLAS thread: on a small sparse problem more threads only wait on each other (4x
    # slower measured on 2 busy cores).
    with threadpool_limits(limits=1):
        model.fit(features, list(labels))
    for vectoriser in (word, char):
        # numpy integers would each be saved as an object of their own: 10x the file
        vectoriser.vocabulary_ = {term: int(i) for term, i in vectoriser.vocabulary_.items()}
    return {"word": word, "char": char, "model": model}


def predict_proba(parts: Mapping[str, Any], texts: Sequence[str]) -> np.ndarray:
    features = _joined(*(parts[name].transform(texts) for name in PARTS))
    return np.asarray(parts["model"].predict_proba(features))


def calibrate_threshold(confidence: np.ndarray, correct: np.ndarray, target: float) -> float:
    """The lowest confidence c such that the messages with confidence >= c are right at least
    `target` of the time; 1.0 when no such confidence exists (everything goes to triage)."""
    if len(confidence) == 0:
        return 1.0
    order = np.argsort(-confidence, kind="stable")
    ranked, hits = confidence[order], np.cumsum(correct[order])
    precision = hits / np.arange(1, len(ranked) + 1)
    # Only the last of equal confidences is a cut: all of them are taken or none.
    last_of_tie = np.append(ranked[1:] != ranked[:-1], True)
    passing = np.flatnonzero((precision >= target) & last_of_tie)
    return float(ranked[passing[-1]]) if len(passing) else 1.0


def metrics_of(truth: Sequence[str], predicted: Sequence[str], confidence: np.ndarray,
               threshold: float) -> dict[str, Any]:
    """Accuracy, macro F1 and per-class precision/recall/support; with `coverage`, the share at
    or above the threshold, and the accuracy of those (`accuracy_above_threshold`)."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    labels = sorted(set(truth) | set(predicted))
    precision, recall, _, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0)
    right = np.array([p == t for p, t in zip(predicted, truth, strict=True)], dtype=bool)
    above = confidence >= threshold
    return {
        "n": len(truth),
        "accuracy": round(float(right.mean()), 6) if len(right) else 0.0,
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro",
                                         zero_division=0)), 6),
        "coverage": round(float(above.mean()), 6) if len(above) else 0.0,
        "accuracy_above_threshold": (round(float(right[above].mean()), 6) if above.any()
                                     else None),
        "threshold": round(threshold, 6),
        "per_class": {label: {"precision": round(float(p), 6), "recall": round(float(r), 6),
                              "support": int(s)}
                      for label, p, r, s in zip(labels, precision, recall, support, strict=True)},
    }


def save(trained: Trained, folder: Path,
         card: Callable[[Mapping[str, Any]], str]) -> dict[str, Any]:
    """Write model.skops, model.json and card.md into `folder`; the metadata written."""
    import skops.io as sio

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    sio.dump(trained.parts, path, compression=ZIP_DEFLATED, compresslevel=6)
    digest = sha256_of(path)
    at = datetime.now(UTC).replace(microsecond=0)
    meta = {**trained.meta, "version": f"text-{at:%Y%m%dT%H%M%SZ}-{digest[:8]}",
            "trained_at": at.isoformat(), "sha256": digest, "libraries": _libraries()}
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    (folder / CARD_FILE).write_text(card(meta), encoding="utf-8")
    return meta


def _checked_counts(labels: Sequence[str]) -> Counter[str]:
    counts = Counter(labels)
    if len(counts) < 2:
        raise MappingError(f"the label column holds {len(counts)} label(s); a classifier needs "
                           "at least 2")
    lonely = sorted(label for label, n in counts.items() if n < 2)
    if lonely:
        raise MappingError(f"label(s) with a single message cannot be validated: "
                           f"{', '.join(lonely[:20])}; give each label 2 or more messages")
    return counts


def _split(texts: Sequence[str], labels: Sequence[str], options: TrainingOptions
           ) -> tuple[list[str], list[str], list[str], list[str]]:
    from sklearn.model_selection import train_test_split

    classes = len(set(labels))
    held = max(classes, round(len(texts) * options.validation_share))
    if len(texts) - held < classes:
        raise MappingError(f"{len(texts)} messages are too few to train and validate "
                           f"{classes} labels")
    parts = train_test_split(list(texts), list(labels), test_size=held, stratify=list(labels),
                             random_state=options.seed)
    return parts[0], parts[1], parts[2], parts[3]


def _joined(*matrices: Any) -> Any:
    from scipy.sparse import hstack

    return hstack(matrices).tocsr()


def _plain(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def _libraries() -> dict[str, str]:
    import sklearn
    import skops

    return {"scikit-learn": sklearn.__version__, "skops": skops.__version__}
