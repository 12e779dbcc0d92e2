"""Events of order changes a trading partner sends (X12 860, 850 cancel/replace, ORDCHG)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    CASE,
    INTERCHANGE,
    LINE,
    ORDER,
    DomainEvent,
    ObjectRef,
    ident,
    lines_of,
    order_ref,
    ref,
    unique,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EdiOrderChangeReceived(DomainEvent):
    """A partner's change or cancellation and what became of it (`outcome`: applied,
    partly_applied, held_for_desk, refused), on the order's timeline; a request that matched no
    order has a timeline of its own (`<partner>:<interchange>:<reference>`). `lines` are the
    per-line verdicts; `case_id` the case it opened, if any."""

    TYPE = "EdiOrderChangeReceived"
    OBJECT_TYPES = (ORDER, LINE, CASE, INTERCHANGE)

    order_id: str | None = None  # overrides the base class's read-only property
    partner: str
    control_number: str
    document: str
    reference: str
    purpose: str
    po_number: str
    release: str | None
    outcome: str
    reason: str
    lines: tuple[Mapping[str, object], ...] = ()
    case_id: str | None = None

    @property
    def stream(self) -> str:
        return self.order_id or f"{self.partner}:{self.control_number}:{self.reference}"

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {
            "partner": self.partner, "control_number": self.control_number,
            "document": self.document, "reference": self.reference, "purpose": self.purpose,
            "po_number": self.po_number, "release": self.release, "outcome": self.outcome,
            "reason": self.reason, "lines": [dict(line) for line in self.lines]}
        if self.order_id is not None:
            body["order_id"] = self.order_id
        if self.case_id is not None:
            body["case_id"] = self.case_id
        return body

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        order = ident(data.get("order_id"))
        partner, number = ident(data.get("partner")), ident(data.get("control_number"))
        interchange = ref(INTERCHANGE, f"{partner}:{number}", "received in") \
            if partner and number else None
        lines = lines_of(order, data.get("lines")) if order else []
        return unique(order_ref(order) if order else None, *lines,
                      ref(CASE, data.get("case_id")), interchange)
