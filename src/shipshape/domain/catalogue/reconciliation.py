"""Events of reconciliation: a run over the whole store, and what it found on an order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue.base import (
    CASE,
    INVOICE,
    ORDER,
    RECONCILIATION_RUN,
    SHIPMENT,
    DomainEvent,
    ObjectRef,
    OrderEvent,
    order_ref,
    ref,
    unique,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationRun(DomainEvent):
    """On the run's own timeline (its stream is the run id): `findings` counts what it found,
    `totals` per code, `actions` per action taken."""

    TYPE = "ReconciliationRun"
    OBJECT_TYPES = (RECONCILIATION_RUN,)

    run_id: str
    repair: bool
    ack_timeout_s: float
    findings: int
    totals: Mapping[str, int]
    actions: Mapping[str, int]

    @property
    def stream(self) -> str:
        return self.run_id

    def payload(self) -> dict[str, object]:
        return {"run_id": self.run_id, "repair": self.repair,
                "ack_timeout_s": self.ack_timeout_s, "findings": self.findings,
                "totals": dict(self.totals), "actions": dict(self.actions)}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(ref(RECONCILIATION_RUN, data.get("run_id") or stream))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationFinding(OrderEvent):
    """A discrepancy a run repaired or opened a case for (`action`)."""

    TYPE = "ReconciliationFinding"
    OBJECT_TYPES = (ORDER, RECONCILIATION_RUN, SHIPMENT, INVOICE, CASE)

    run_id: str
    code: str
    subject: str
    shipment_id: str | None
    invoice_id: str | None
    message: str
    action: str
    case_id: str | None

    def payload(self) -> dict[str, object]:
        return {"run_id": self.run_id, "code": self.code, "subject": self.subject,
                "shipment_id": self.shipment_id, "invoice_id": self.invoice_id,
                "message": self.message, "action": str(self.action), "case_id": self.case_id}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(order_ref(stream), ref(RECONCILIATION_RUN, data.get("run_id"), "found by"),
                      ref(SHIPMENT, data.get("shipment_id")), ref(INVOICE, data.get("invoice_id")),
                      ref(CASE, data.get("case_id")))
