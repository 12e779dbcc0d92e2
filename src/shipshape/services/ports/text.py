"""The text classifier as the services see it: a message in, a label with its team, code and
confidence out. The model behind it lives in `shipshape.ml` (services import no ML library)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Classification:
    label: str
    team: str
    code: str
    confidence: float
    threshold: float
    triage: bool
    """Below the threshold: the message goes to the triage queue."""
    top: tuple[tuple[str, float], ...]
    """The best guesses (label, confidence), best first."""
    model_version: str


class TextClassifier(Protocol):
    def classify(self, text: str) -> Classification: ...
