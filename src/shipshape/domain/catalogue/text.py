"""Events of messages read by the text classifier: a message classified and put on a case."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.desk import CaseEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageClassified(CaseEvent):
    """A free-text message (an e-mail, an agent's note, a carrier's text...) classified by the
    text model `model_version` and put on a case: opened for it, or an open case of the same
    order and code it was attached to (`attached`); `triage`: the confidence was below the
    model's threshold, so the case is in the triage queue for a person to classify."""

    TYPE = "MessageClassified"

    source: str
    reference: str | None
    text: str
    label: str
    code: str
    owner_team: str
    confidence: float
    threshold: float
    triage: bool
    attached: bool
    top: tuple[Mapping[str, object], ...]
    """The best guesses, each {label, confidence}, best first."""
    model_version: str

    def body(self) -> dict[str, object]:
        return {"source": self.source, "reference": self.reference, "text": self.text,
                "label": self.label, "code": self.code, "owner_team": self.owner_team,
                "confidence": self.confidence, "threshold": self.threshold,
                "triage": self.triage, "attached": self.attached,
                "top": [dict(guess) for guess in self.top],
                "reason": _reason(self), "rule_version": self.model_version}


def _reason(event: MessageClassified) -> str:
    verdict = "below the threshold: triage" if event.triage else f"case {event.code}"
    return (f"{event.source} message classified {event.label} at {event.confidence:.2f} "
            f"(threshold {event.threshold:.2f}): {verdict}")
