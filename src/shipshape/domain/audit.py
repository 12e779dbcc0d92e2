"""The audit trail: each decision Shipshape makes or carries out, in an append-only chain where
every entry holds the hash of the one before it, so that a changed, deleted or inserted entry
breaks the chain at a place `first_break` names.

An entry is made from a decision's event (`AUDITED`): who (the actor the event names, else
Shipshape itself), what (the event type), about what (the case, else the order, else the
stream), why (its reason, code or findings), the state before and after, and the rule version
that decided.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from shipshape.domain.catalogue import (
    CarrierTendered,
    ControlsEvaluated,
    CreditNoteIssued,
    DuplicateOrderReceived,
    ExceptionActed,
    ExceptionAssigned,
    ExceptionEscalated,
    ExceptionOpened,
    ExceptionPaused,
    ExceptionRecurred,
    ExceptionResolved,
    ExceptionResumed,
    IntegrationFailed,
    InvoiceRejected,
    LotNonCompliant,
    OrderAccepted,
    OrderAmended,
    OrderCancelled,
    OrderHeld,
    OrderPulledFromWave,
    OrderStatusChanged,
    PromiseAtRisk,
    PromiseRecovered,
    ReconciliationFinding,
    RedeliveryRequested,
    ReturnAuthorised,
    ReturnDisputed,
    ShortPickBackordered,
    ShortPickResourced,
    SystemEventRefused,
    WaveReleased,
)
from shipshape.domain.catalogue.edi_acks import EdiDocumentResent
from shipshape.domain.catalogue.edi_changes import EdiOrderChangeReceived
from shipshape.domain.catalogue.recommend import RecommendationAccepted, RecommendationRejected
from shipshape.domain.catalogue.risk import OrderRiskScored
from shipshape.domain.catalogue.text import MessageClassified

GENESIS = "0" * 64
"""The `previous` hash of the first entry."""
SHIPSHAPE = "shipshape"
"""The actor of a decision no person or system is named for."""

AUDITED = frozenset(kind.TYPE for kind in (
    ControlsEvaluated, OrderAccepted, OrderHeld, DuplicateOrderReceived, ExceptionOpened,
    ExceptionRecurred, OrderStatusChanged, OrderCancelled, OrderAmended, OrderPulledFromWave,
    WaveReleased, ShortPickResourced, ShortPickBackordered, LotNonCompliant, CarrierTendered,
    InvoiceRejected, CreditNoteIssued, ReconciliationFinding, SystemEventRefused,
    IntegrationFailed, ExceptionAssigned, ExceptionPaused, ExceptionResumed, ExceptionEscalated,
    ExceptionActed, ExceptionResolved, PromiseAtRisk, PromiseRecovered,
    RedeliveryRequested, ReturnAuthorised, ReturnDisputed, OrderRiskScored,
    RecommendationAccepted, RecommendationRejected, MessageClassified, EdiDocumentResent,
    EdiOrderChangeReceived))
"""The event types that are decisions: an automated one, an override or an action taken."""

_BEFORE = {"from": "status", "value_before": "value"}
_AFTER = {"to": "status", "value_after": "value", "blocking": "blocking", "status": "status",
          "assignee": "assignee", "queue": "queue", "priority": "priority",
          "jeopardy": "jeopardy", "waiting_on": "waiting_on", "root_cause": "root_cause",
          "risk_stage": "risk_stage", "risk_status": "risk_status", "risk_score": "risk_score",
          "risk_model": "risk_model", "risk_reasons": "risk_reasons",
          "risk_decided": "risk_decided",
          "outcome": "outcome", "recommendation": "recommendation", "parameters": "parameters"}
_CAUSES = ("reason", "reason_code", "code", "error")
"""Where an event says why, in the order they are looked for; then its findings' codes, then
the codes that blocked it."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    cause: str
    before: Mapping[str, object]
    after: Mapping[str, object]
    rule_version: str
    event_id: str

    def stored(self) -> Stored:
        """The entry as the chain keeps and hashes it: text only (the time in ISO 8601, the
        states as canonical JSON), so that checking it needs no parsing."""
        return (self.at.isoformat(), self.actor, self.action, self.subject_type,
                self.subject_id, self.cause, _canonical(self.before), _canonical(self.after),
                self.rule_version, self.event_id)


Stored = tuple[str, str, str, str, str, str, str, str, str, str]
"""`AuditEntry.stored()`: at, actor, action, subject type, subject id, cause, before, after,
rule version, event id."""


@dataclass(frozen=True, slots=True)
class ChainedEntry:
    """An entry as the chain keeps it: its position, its text, the hash before it and its
    own."""

    id: int
    stored: Stored
    previous: str
    hash: str


@dataclass(frozen=True, slots=True)
class Break:
    id: int
    reason: str

    def __str__(self) -> str:
        return f"audit entry {self.id}: {self.reason}"


def entry_of(event_id: str, event_type: str, order_id: str | None, stream: str,
             payload: Mapping[str, object], occurred_at: datetime) -> AuditEntry:
    """The audit entry of a decision's event (`order_id`: the order whose timeline it is on)."""
    subject_type, subject_id = _subject(order_id, stream, payload)
    return AuditEntry(
        at=occurred_at.astimezone(UTC), actor=str(payload.get("actor") or SHIPSHAPE),
        action=event_type, subject_type=subject_type, subject_id=subject_id,
        cause=_cause(payload), before=_picked(payload, _BEFORE),
        after=_picked(payload, _AFTER),
        rule_version=str(payload.get("rule_version") or ""), event_id=event_id)


def entry_hash(previous: str, stored: Stored) -> str:
    """SHA-256 of the hash before and the entry's text, as one JSON array (so no field's
    content can pass for a boundary between fields)."""
    body = json.dumps([previous, *stored], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def chained(last: str, entries: Iterable[AuditEntry]) -> list[tuple[Stored, str, str]]:
    """Each entry's text with the hash before it and its own, following `last`."""
    out = []
    for entry in entries:
        stored = entry.stored()
        digest = entry_hash(last, stored)
        out.append((stored, last, digest))
        last = digest
    return out


def first_break(chain: Iterable[ChainedEntry]) -> Break | None:
    """The first entry, in id order, where the chain does not hold: its content changed (its
    hash is not its content's), an entry before it is gone or one was put in (its previous
    hash is not the hash of the entry before it), or ids skip (one was deleted)."""
    last, last_id = GENESIS, 0
    for kept in chain:
        if kept.id != last_id + 1:
            return Break(kept.id, f"entry {last_id + 1} is missing (deleted)")
        if kept.previous != last:
            return Break(kept.id, "the hash before it is not that of the entry before it "
                                  "(an entry was deleted or inserted)")
        if entry_hash(kept.previous, kept.stored) != kept.hash:
            return Break(kept.id, "its content does not match its hash (it was changed)")
        last, last_id = kept.hash, kept.id
    return None


def _subject(order_id: str | None, stream: str,
             payload: Mapping[str, object]) -> tuple[str, str]:
    case_id, wave_id = payload.get("case_id"), payload.get("wave_id")
    if isinstance(case_id, str) and case_id:
        return "case", case_id
    if order_id:
        return "order", order_id
    if isinstance(wave_id, str) and wave_id:
        return "wave", wave_id
    return "stream", stream


def _cause(payload: Mapping[str, object]) -> str:
    for name in _CAUSES:
        value = payload.get(name)
        if value:
            return str(value)
    findings, blocking = payload.get("findings"), payload.get("blocking")
    if isinstance(findings, list):
        return ", ".join(str(f.get("code")) for f in findings if isinstance(f, dict))
    if isinstance(blocking, list):
        return ", ".join(map(str, blocking))
    return ""


def _picked(payload: Mapping[str, object], names: Mapping[str, str]) -> dict[str, object]:
    """The values of `names` the payload has, under their labels; a status only when it is one
    (a short pick's `to` lists sites, not a status)."""
    return {label: payload[name] for name, label in names.items()
            if name in payload and (label != "status" or isinstance(payload[name], str))}


def _canonical(values: Mapping[str, object]) -> str:
    """The states as stored and hashed: sorted keys, no spaces, a decimal or a time as its
    text."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
