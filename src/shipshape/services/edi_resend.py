"""The desk's `resend` of an EDI document the partner rejected or never acknowledged, once the
cause is fixed: built again from the current data (`Deps.edi_rebuilder`), under the partner's
next control number, stored as a new outbound document linked to the old one (`resend_of`),
which awaits its own acknowledgement; `EdiDocumentResent` says so. The case then closes
(`resend` is a closing action). Data that still cannot make the document refuses the action,
and nothing changes."""

from __future__ import annotations

from shipshape.domain.cases import ExceptionCase
from shipshape.domain.catalogue import DomainEvent
from shipshape.domain.catalogue.edi_acks import EdiDocumentResent
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.partners import CONTROL_COUNTER, TradingPartner
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork


def resend_document(deps: Deps, uow: UnitOfWork, case: ExceptionCase, actor: str,
                    reason: str) -> tuple[dict[str, object], list[DomainEvent]]:
    document_id = case.details.get("document_id")
    if not isinstance(document_id, int):
        raise Conflict(f"case {case.id} names no EDI document to resend")
    document = uow.edi.sent_document(document_id, lock=True)
    if document is None:
        raise Conflict(f"case {case.id}: EDI document {document_id} is not stored")
    partner = _partner(uow, document.partner_id, document.doc_type)
    if deps.edi_rebuilder is None:
        raise InvalidInput("this process cannot build EDI documents (no rebuilder configured)")
    now = deps.clock.now()
    deps.edi_rebuilder.rebuild(document, partner, 1, now)  # refuses bad data before numbering
    control = uow.edi.next_control_number(partner.id, CONTROL_COUNTER)
    text = deps.edi_rebuilder.rebuild(document, partner, control, now)
    new_id = uow.edi.store_resend(document, str(control), text, now)
    uow.edi.set_ack_case(document.id, case.id,
                         "superseded" if document.ack_status == "awaiting" else None)
    event = EdiDocumentResent(
        occurred_at=now, partner=partner.id, document=document.doc_type,
        control_number=str(control), previous_control=document.control_number,
        document_id=new_id, resend_of=document.id, actor=actor, reason=reason,
        case_id=case.id)
    body: dict[str, object] = {"document_id": new_id, "resend_of": document.id,
                               "doc_type": document.doc_type, "control_number": str(control),
                               "previous_control": document.control_number}
    return body, [event]


def _partner(uow: UnitOfWork, partner_id: str, doc_type: str) -> TradingPartner:
    found = uow.edi.partner(partner_id)
    if found is None:
        raise Conflict(f"partner {partner_id} of the {doc_type} is no longer configured")
    return found
