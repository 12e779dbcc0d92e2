"""Cases from free-text messages: where a message comes from, the triage queue, and the finding
a classified message opens a case with."""

from __future__ import annotations

from enum import StrEnum

from shipshape.domain.findings import Finding, Kind, Severity, Team

TEXT_TRIAGE = "TEXT_TRIAGE"
"""The code of a case opened for a message the model was not confident about: a person of
customer service reads it and classifies it."""
TRIAGE_TEAM = Team.CUSTOMER_SERVICE.value
MAX_TEXT = 10_000
"""The longest message taken, in characters."""


class MessageSource(StrEnum):
    EMAIL = "email"
    AGENT_NOTE = "agent_note"
    CARRIER = "carrier"
    EDI_ACK = "edi_ack"
    OTHER = "other"


def finding_of(source: str, label: str, code: str, team: str, confidence: float,
               triage: bool) -> Finding:
    """The finding of a classified message: its label's code and team, or the triage queue's."""
    if triage:
        return Finding(TEXT_TRIAGE, Severity.WARN, Kind.BUSINESS,
                       f"{source} message needs triage: best guess {label} "
                       f"({confidence:.0%})", TRIAGE_TEAM, rule="text")
    return Finding(code, Severity.WARN, Kind.BUSINESS,
                   f"{source} message classified {label} ({confidence:.0%})", team, rule="text")
