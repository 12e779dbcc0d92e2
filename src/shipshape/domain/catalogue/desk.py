"""Events of the exception desk: a case routed to an owner, its clock paused and resumed,
escalated when its SLA runs short, and closed by an action or by its condition clearing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    CASE,
    ORDER,
    DomainEvent,
    ObjectRef,
    order_ref,
    ref,
    unique,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseEvent(DomainEvent):
    """An event about one case: on its order's timeline, or on its own when it has no order."""

    OBJECT_TYPES = (CASE, ORDER)

    order_id: str | None = None  # overrides the base class's read-only property
    case_id: str
    actor: str

    @property
    def stream(self) -> str:
        return self.order_id or self.case_id

    def payload(self) -> dict[str, object]:
        return {"case_id": self.case_id, "actor": self.actor, **self.body()}

    def body(self) -> dict[str, object]:
        return {}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        case = ref(CASE, data.get("case_id"))
        order = order_ref(stream) if case is None or stream != case.id else None
        return unique(case, order)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionAssigned(CaseEvent):
    """A case given to a queue, a team and (or no longer) a person."""

    TYPE = "ExceptionAssigned"

    owner_team: str
    queue: str
    assignee: str | None
    reason: str

    def body(self) -> dict[str, object]:
        return {"owner_team": self.owner_team, "queue": self.queue, "assignee": self.assignee,
                "reason": self.reason}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionPaused(CaseEvent):
    """A case's SLA clock stopped: the case waits on the customer or on another system."""

    TYPE = "ExceptionPaused"

    waiting_on: str
    reason: str

    def body(self) -> dict[str, object]:
        return {"waiting_on": self.waiting_on, "reason": self.reason}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionResumed(CaseEvent):
    """A case's SLA clock running again; `paused_s` business seconds were not counted."""

    TYPE = "ExceptionResumed"

    paused_s: int

    def body(self) -> dict[str, object]:
        return {"paused_s": self.paused_s}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionEscalated(CaseEvent):
    """A case's SLA ran short (`at_risk`) or out (`breached`): an escalation step was taken."""

    TYPE = "ExceptionEscalated"

    level: int
    step: str
    jeopardy: str
    owner_team: str
    queue: str
    priority: str

    def body(self) -> dict[str, object]:
        return {"level": self.level, "step": self.step, "jeopardy": self.jeopardy,
                "owner_team": self.owner_team, "queue": self.queue, "priority": self.priority}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionActed(CaseEvent):
    """A governed action taken on a case (an approved split, a substitute, a release...), with
    its reason code and what it cost."""

    TYPE = "ExceptionActed"

    action: str
    reason_code: str
    details: Mapping[str, object]

    def body(self) -> dict[str, object]:
        return {"action": self.action, "reason_code": self.reason_code,
                "details": dict(self.details)}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionResolved(CaseEvent):
    """A case closed: resolved or rejected by someone, or by its condition clearing."""

    TYPE = "ExceptionResolved"

    code: str
    status: str
    action: str
    reason: str
    root_cause: str | None = None
    rework_minutes: int = 0
    expedited_freight: str = "0"
    invoice_correction: str = "0"

    def body(self) -> dict[str, object]:
        return {"code": self.code, "status": self.status, "action": self.action,
                "reason": self.reason, "root_cause": self.root_cause,
                "rework_minutes": self.rework_minutes,
                "expedited_freight": self.expedited_freight,
                "invoice_correction": self.invoice_correction}
