"""Trading partners for people to read (`GET /partners`, `GET /partners/{id}/documents`, the
console's Partners pages): every partner with its EDI figures, and a partner's stored documents
with where their acknowledgement stands and the case about them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Engine, Select, and_, or_, select
from sqlalchemy.engine import RowMapping

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_ack_queries import partner_figures, read_figure_rows
from shipshape.adapters.db.paging import Page, order_by, page_of
from shipshape.adapters.db.queries import matching
from shipshape.domain.edi_acks import AckStatus

d = t.edi_documents.c
x = t.exception_cases.c
p = t.trading_partners.c
AckState = Literal["awaiting", "missing", "accepted", "accepted_with_errors", "rejected",
                   "not_expected", "superseded"]
"""Where a document's acknowledgement stands: its stored status, but `missing` for one still
awaiting after its window closed."""
MISSING = "missing"
DOCUMENT_SORTS: dict[str, ColumnElement[Any]] = {"created_at": d.created_at,
                                                  "document_id": d.id}


def list_partners(engine: Engine, now: datetime, limit: int = 100, offset: int = 0) -> Page:
    """The partners by id, each with its figures (`edi_ack_queries.partner_figures`)."""
    page = page_of(engine, select(p.id, p.customer_id).order_by(p.id), limit, offset, dict)
    with engine.connect() as conn:
        rows = read_figure_rows(conn, [row["id"] for row in page.rows])
    return Page([{**partner_figures(row["id"], rows, now), "customer_id": row["customer_id"]}
                 for row in page.rows], page.total, limit, offset)


def partner_documents(engine: Engine, partner_id: str, now: datetime, *,
                      ack_state: AckState | None = None, direction: str | None = None,
                      doc_type: str | None = None, sort: str = "-created_at",
                      limit: int = 100, offset: int = 0) -> Page:
    """The partner's stored documents (without their text), each with its acknowledgement
    state as of `now`, its age then, and the case its acknowledgement opened."""
    columns = (d.id, d.direction, d.doc_type, d.control_number, d.created_at, d.ack_status,
               d.ack_due_at, d.acknowledged_at, d.resend_of, d.ack_case_id,
               x.code.label("case_code"), x.status.label("case_status"))
    query: Select[Any] = (
        select(*columns)
        .select_from(t.edi_documents.outerjoin(t.exception_cases, x.id == d.ack_case_id))
        .where(d.partner_id == partner_id))
    query = matching(query, {d.direction: direction, d.doc_type: doc_type})
    if ack_state is not None:
        query = query.where(_in_state(ack_state, now))
    return page_of(engine, query.order_by(*order_by(DOCUMENT_SORTS, sort, [d.id])), limit,
                   offset, lambda row: _document(row, now))


def _in_state(state: AckState, now: datetime) -> ColumnElement[bool]:
    awaiting = d.ack_status == AckStatus.AWAITING.value
    if state == MISSING:
        return and_(awaiting, d.ack_due_at < now)
    if state == AckStatus.AWAITING.value:
        return and_(awaiting, or_(d.ack_due_at.is_(None), d.ack_due_at >= now))
    return d.ack_status == state


def ack_state(status: str | None, due: datetime | None, now: datetime) -> str | None:
    if status == AckStatus.AWAITING.value and due is not None and due < now:
        return MISSING
    return status


def _document(row: RowMapping, now: datetime) -> dict[str, Any]:
    created: datetime = row["created_at"]
    return {
        "document_id": row["id"], "direction": row["direction"], "doc_type": row["doc_type"],
        "control_number": row["control_number"], "created_at": created.isoformat(),
        "age_s": round(max(0.0, (now - created).total_seconds()), 3),
        "ack_state": ack_state(row["ack_status"], row["ack_due_at"], now),
        "ack_due_at": _iso(row["ack_due_at"]), "acknowledged_at": _iso(row["acknowledged_at"]),
        "resend_of": row["resend_of"], "case_id": row["ack_case_id"],
        "case_code": row["case_code"], "case_status": row["case_status"]}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
