"""Events of acknowledgements of what we send: a 997, 999 or CONTRL matched to our document, one
that matches nothing, and a document sent again from the desk. Each is on the timeline of the
document's interchange (`edi:<partner>:<control number>`) and links to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    CASE,
    INTERCHANGE,
    DomainEvent,
    ObjectRef,
    ref,
    unique,
)


def _interchange(partner: object, number: object, qualifier: str) -> ObjectRef | None:
    return ref(INTERCHANGE, f"{partner}:{number}", qualifier) if partner and number else None


@dataclass(frozen=True, slots=True, kw_only=True)
class EdiDocumentAcknowledged(DomainEvent):
    """The partner's `acknowledgement` (997, 999, CONTRL; its own control `ack_control`) of
    our `document` sent under `control_number`: `status` accepted, accepted_with_errors or
    rejected, `errors` in plain words; `case_id` the EDI_DOCUMENT_REJECTED case it opened."""

    TYPE = "EdiDocumentAcknowledged"
    OBJECT_TYPES = (INTERCHANGE, CASE)

    partner: str
    document: str
    control_number: str
    acknowledgement: str
    ack_control: str
    status: str
    latency_s: float
    errors: tuple[str, ...] = ()
    case_id: str | None = None

    @property
    def stream(self) -> str:
        return f"edi:{self.partner}:{self.control_number}"

    def payload(self) -> dict[str, object]:
        return {"partner": self.partner, "document": self.document,
                "control_number": self.control_number, "acknowledgement": self.acknowledgement,
                "ack_control": self.ack_control, "status": self.status,
                "latency_s": self.latency_s, "errors": list(self.errors),
                "case_id": self.case_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(_interchange(data.get("partner"), data.get("control_number"), "sent in"),
                      _interchange(data.get("partner"), data.get("ack_control"),
                                   "acknowledged in"),
                      ref(CASE, data.get("case_id")))


@dataclass(frozen=True, slots=True, kw_only=True)
class EdiAcknowledgementUnmatched(DomainEvent):
    """An acknowledgement naming a `reference` (GS06 or UNB reference) of which we sent the
    partner nothing: recorded, nothing else changes."""

    TYPE = "EdiAcknowledgementUnmatched"
    OBJECT_TYPES = (INTERCHANGE,)

    partner: str
    acknowledgement: str
    ack_control: str
    reference: str
    functional_id: str
    status: str

    @property
    def stream(self) -> str:
        return f"edi:{self.partner}:{self.ack_control}"

    def payload(self) -> dict[str, object]:
        return {"partner": self.partner, "acknowledgement": self.acknowledgement,
                "ack_control": self.ack_control, "reference": self.reference,
                "functional_id": self.functional_id, "status": self.status}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(_interchange(data.get("partner"), data.get("ack_control"), "received"))


@dataclass(frozen=True, slots=True, kw_only=True)
class EdiDocumentResent(DomainEvent):
    """Our `document` sent again from the desk (`actor`) under the new `control_number`,
    rebuilt from the current data, replacing the one sent under `previous_control`."""

    TYPE = "EdiDocumentResent"
    OBJECT_TYPES = (INTERCHANGE, CASE)

    partner: str
    document: str
    control_number: str
    previous_control: str
    document_id: int
    resend_of: int
    actor: str
    reason: str
    case_id: str | None = None

    @property
    def stream(self) -> str:
        return f"edi:{self.partner}:{self.previous_control}"

    def payload(self) -> dict[str, object]:
        return {"partner": self.partner, "document": self.document,
                "control_number": self.control_number,
                "previous_control": self.previous_control, "document_id": self.document_id,
                "resend_of": self.resend_of, "actor": self.actor, "reason": self.reason,
                "case_id": self.case_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(_interchange(data.get("partner"), data.get("control_number"), "sent in"),
                      _interchange(data.get("partner"), data.get("previous_control"),
                                   "replaces"),
                      ref(CASE, data.get("case_id")))
