"""The missing-acknowledgement sweep: every outbound document still awaiting its 997, 999 or
CONTRL after the partner's window (`ack_window_hours`) opens `EDI_ACK_MISSING`, once per
document. Run by the worker beside each reconciliation run, and on demand (`shipshape partners
sweep-acks`, `POST /api/v1/edi/acknowledgements/sweep`); `now` is the clock to test with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shipshape.domain.edi_acks import missing_finding
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.edi_ack_intake import origin_of
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.edi_acks import SentDocument

PAGE = 200


@dataclass(frozen=True, slots=True)
class MissingAck:
    document_id: int
    partner_id: str
    doc_type: str
    control_number: str
    case_id: str

    def as_json(self) -> dict[str, object]:
        return {"document_id": self.document_id, "partner_id": self.partner_id,
                "doc_type": self.doc_type, "control_number": self.control_number,
                "case_id": self.case_id}


@dataclass(frozen=True, slots=True)
class AckSweepReport:
    at: datetime
    missing: tuple[MissingAck, ...]

    def as_json(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "missing": [m.as_json() for m in self.missing]}


def sweep_missing_acks(deps: Deps, now: datetime | None = None,
                       limit: int = PAGE) -> AckSweepReport:
    """Open `EDI_ACK_MISSING` for at most `limit` overdue documents, in one transaction."""
    moment = now or deps.clock.now()
    found: list[MissingAck] = []
    with deps.uow() as uow:
        for document in uow.edi.overdue_documents(moment, limit):
            found.append(_missing(deps, uow, document, moment))
        uow.commit()
    return AckSweepReport(moment, tuple(found))


def _missing(deps: Deps, uow: UnitOfWork, document: SentDocument, now: datetime) -> MissingAck:
    due = document.ack_due_at or now
    hours = round((due - document.created_at).total_seconds() / 3600, 4)
    finding = missing_finding(document.doc_type, document.partner_id, document.control_number,
                              document.created_at, hours)
    origin = origin_of(uow, uow.edi.partner_customer(document.partner_id), now)
    opened = open_case(deps, uow, finding, origin, details={"document_id": document.id})
    uow.edi.set_ack_case(document.id, opened.case.id)
    uow.events.append([opened.event])
    return MissingAck(document.id, document.partner_id, document.doc_type,
                      document.control_number, opened.case.id)
