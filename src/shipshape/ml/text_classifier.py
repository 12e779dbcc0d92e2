"""The text model behind the services' `TextClassifier` port, loaded once per process.

`classifier_at(folder)` loads the model the first time it is asked for and keeps it while
its files stay as they were: a model retrained into the same folder is loaded on the next
call. A folder that cannot be used raises `ModelUnusable` each time (nothing kept).
"""

from __future__ import annotations

import threading
from pathlib import Path

from shipshape.ml.text_model import META_FILE, MODEL_FILE, TextModel
from shipshape.services.ports.text import Classification

_lock = threading.Lock()
_loaded: dict[Path, tuple[tuple[int, ...], ModelClassifier]] = {}


class ModelClassifier:
    """`TextClassifier` over a loaded `TextModel`."""

    def __init__(self, model: TextModel) -> None:
        self.model = model

    @property
    def version(self) -> str:
        return self.model.version

    def classify(self, text: str) -> Classification:
        found = self.model.classify(text)
        return Classification(
            label=found.label, team=found.team, code=found.code,
            confidence=found.confidence, threshold=self.model.threshold, triage=found.triage,
            top=tuple((guess.label, guess.confidence) for guess in found.top),
            model_version=self.model.version)


def classifier_at(folder: Path) -> ModelClassifier:
    """The classifier of the model in `folder`; ModelUnusable when it cannot be used."""
    key = folder.resolve()
    stamp = _stamp(key)
    with _lock:
        kept = _loaded.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        classifier = ModelClassifier(TextModel.load(key))
        _loaded[key] = (stamp, classifier)
        return classifier


def _stamp(folder: Path) -> tuple[int, ...]:
    """When the model's files last changed (and their sizes): what says it is the same model."""
    found: list[int] = []
    for name in (META_FILE, MODEL_FILE):
        try:
            status = (folder / name).stat()
        except OSError:
            return ()
        found += [status.st_mtime_ns, status.st_size]
    return tuple(found)
