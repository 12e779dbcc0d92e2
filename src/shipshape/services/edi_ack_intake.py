"""A partner's 997, 999 or CONTRL, taken in the transaction that receives it: each report is
matched to the document of ours it names (`domain.edi_acks.ack_key`), whose acknowledgement
status it sets; a rejection opens `EDI_DOCUMENT_REJECTED` with the errors in plain words; a late
acknowledgement closes the document's `EDI_ACK_MISSING` case. A report naming nothing we sent is
recorded (`EdiAcknowledgementUnmatched`) and changes nothing else."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from shipshape.domain.cases import CaseOrigin, CaseStatus, ExceptionCase
from shipshape.domain.catalogue import DomainEvent, ExceptionResolved
from shipshape.domain.catalogue.edi_acks import (
    EdiAcknowledgementUnmatched,
    EdiDocumentAcknowledged,
)
from shipshape.domain.edi_acks import (
    MISSING_CASE,
    AckReport,
    AckStatus,
    document_status,
    rejected_finding,
)
from shipshape.domain.partners import TradingPartner
from shipshape.services.cases import OpenedCase, open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.desk import Closing
from shipshape.services.ports.edi_acks import SentDocument

log = logging.getLogger(__name__)
OPEN = (CaseStatus.OPEN, CaseStatus.ASSIGNED)


def take_acknowledgements(deps: Deps, uow: UnitOfWork, partner: TradingPartner,
                          reports: Sequence[AckReport], now: datetime) -> list[DomainEvent]:
    """Apply each report; the events are appended to the unit of work and returned."""
    events: list[DomainEvent] = []
    for report in reports:
        events += _take(deps, uow, partner, report, now)
    if events:
        uow.events.append(events)
    return events


def _take(deps: Deps, uow: UnitOfWork, partner: TradingPartner, report: AckReport,
          now: datetime) -> list[DomainEvent]:
    found = uow.edi.sent_by_ack_key(partner.id, report.key)
    if not found:
        log.warning("%s %s from %s names %s %s, which we never sent it", report.ack_type,
                    report.ack_control, partner.id, report.functional_id, report.reference)
        return [EdiAcknowledgementUnmatched(
            occurred_at=now, partner=partner.id, acknowledgement=report.ack_type,
            ack_control=report.ack_control, reference=report.reference,
            functional_id=report.functional_id, status=report.group_status.value)]
    document = found[0]  # the newest under the key: a counter that wrapped names the latest
    status = document_status(report)
    detail = {"acknowledgement": report.ack_type, "ack_control": report.ack_control,
              "errors": report.plain()}
    uow.edi.set_acknowledged(document.id, status.value, now, detail)
    events: list[DomainEvent] = []
    events += _close_missing(uow, document, report, now)
    case_id = None
    if status is AckStatus.REJECTED:
        opened = _open_rejected(deps, uow, partner, document, report, now)
        case_id = opened.case.id
        uow.edi.set_ack_case(document.id, case_id)
        events.append(opened.event)
    events.insert(0, EdiDocumentAcknowledged(
        occurred_at=now, partner=partner.id, document=document.doc_type,
        control_number=document.control_number, acknowledgement=report.ack_type,
        ack_control=report.ack_control, status=status.value,
        latency_s=max(0.0, (now - document.created_at).total_seconds()),
        errors=tuple(report.plain()) if status is not AckStatus.ACCEPTED else (),
        case_id=case_id))
    return events


def _open_rejected(deps: Deps, uow: UnitOfWork, partner: TradingPartner,
                   document: SentDocument, report: AckReport, now: datetime) -> OpenedCase:
    finding = rejected_finding(document.doc_type, partner.id, document.control_number, report)
    origin = origin_of(uow, partner.customer_id, now)
    return open_case(deps, uow, finding, origin, details={"document_id": document.id})


def origin_of(uow: UnitOfWork, customer_id: str | None, now: datetime) -> CaseOrigin:
    """A document's case belongs to no order: its customer is the partner's."""
    customer = uow.masterdata.customer(customer_id) if customer_id else None
    return CaseOrigin(None, customer, Decimal(0), None, now, source_system="edi")


def _close_missing(uow: UnitOfWork, document: SentDocument, report: AckReport,
                   now: datetime) -> list[DomainEvent]:
    """A late acknowledgement: the document's EDI_ACK_MISSING case closes itself."""
    if document.ack_case_id is None:
        return []
    case = uow.desk.get(document.ack_case_id, lock=True)
    if case is None or case.code != MISSING_CASE or case.status not in OPEN:
        return []
    closing = Closing(CaseStatus.AUTO_RESOLVED, "condition_cleared",
                      f"{report.ack_type} {report.ack_control} arrived", "shipshape", now)
    return [closed_event(case, closing)] if uow.desk.close(case.id, closing) else []


def closed_event(case: ExceptionCase, closing: Closing) -> ExceptionResolved:
    """`ExceptionResolved` for a case closed by Shipshape (nothing it cost)."""
    return ExceptionResolved(
        occurred_at=closing.at, order_id=case.order_id, case_id=case.id, actor=closing.actor,
        code=case.code, status=closing.status.value, action=closing.action,
        reason=closing.reason, root_cause=closing.root_cause, rework_minutes=0,
        expedited_freight="0", invoice_correction="0")
