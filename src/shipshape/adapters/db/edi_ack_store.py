"""Outbound EDI documents and their acknowledgements: the key a 997/999/CONTRL finds a document
by, its status and due time (set as it is stored), matching, the overdue ones, resends."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from shipshape.adapters.channels import edifact, x12
from shipshape.adapters.db import tables as t
from shipshape.domain.edi_acks import ACK_TYPES, AckStatus, ack_key, due_at
from shipshape.domain.errors import InvalidInput
from shipshape.services.ports.edi_acks import SentDocument

d = t.edi_documents.c
SENT_COLUMNS = (d.id, d.partner_id, d.doc_type, d.control_number, d.content, d.created_at,
                d.ack_key, d.ack_status, d.ack_due_at, d.acknowledged_at, d.ack_case_id,
                d.resend_of)


def key_of(content: str) -> str | None:
    """The acknowledgement key of a document we send: its first group's functional id and
    control number (X12), or its interchange reference (EDIFACT); None when unreadable."""
    head = content.lstrip()[:3]
    try:
        if head == "ISA":
            group = x12.parse(content)[0].groups[0]
            return ack_key("x12", group.control_number, group.functional_id)
        if head in ("UNA", "UNB"):
            return ack_key("edifact", edifact.parse_interchange(content).control_reference)
    except (InvalidInput, IndexError, ValueError):
        return None
    return None


def ack_columns(conn: Connection, partner_id: str, direction: str, doc_type: str,
                content: str, at: datetime) -> dict[str, Any]:
    """The acknowledgement columns of a document as it is stored: only what we send, and no
    acknowledgement; awaiting until the partner's window passes, or not expected at all."""
    if direction != "out" or doc_type in ACK_TYPES:
        return {}
    profile = conn.execute(select(t.trading_partners.c.profile)
                           .where(t.trading_partners.c.id == partner_id)).scalar()
    hours = float((profile or {}).get("ack_window_hours", 24))
    due = due_at(at, hours)
    status = AckStatus.AWAITING if due else AckStatus.NOT_EXPECTED
    return {"ack_key": key_of(content), "ack_status": status.value, "ack_due_at": due}


class SqlEdiAcks:
    """Mixed into `SqlEdi`: the `EdiAckStore` port."""

    _conn: Connection

    def sent_by_ack_key(self, partner_id: str, ack_key: str) -> list[SentDocument]:
        query = (select(*SENT_COLUMNS)
                 .where(d.partner_id == partner_id, d.direction == "out", d.ack_key == ack_key)
                 .order_by(d.id.desc()))
        return [_sent(row) for row in self._conn.execute(query)]

    def partner_customer(self, partner_id: str) -> str | None:
        p = t.trading_partners.c
        found = self._conn.execute(select(p.customer_id).where(p.id == partner_id)).scalar()
        return None if found is None else str(found)

    def sent_document(self, document_id: int, lock: bool = False) -> SentDocument | None:
        query = select(*SENT_COLUMNS).where(d.id == document_id, d.direction == "out")
        if lock and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _sent(row) if row else None

    def overdue_documents(self, now: datetime, limit: int) -> list[SentDocument]:
        query = (select(*SENT_COLUMNS)
                 .where(d.ack_status == AckStatus.AWAITING.value, d.ack_due_at < now,
                        d.ack_case_id.is_(None))
                 .order_by(d.ack_due_at, d.id).limit(limit))
        return [_sent(row) for row in self._conn.execute(query)]

    def set_acknowledged(self, document_id: int, status: str, at: datetime,
                         detail: Mapping[str, object]) -> None:
        self._conn.execute(update(t.edi_documents).where(d.id == document_id).values(
            ack_status=status, acknowledged_at=at, ack_detail=dict(detail)))

    def set_ack_case(self, document_id: int, case_id: str, status: str | None = None) -> None:
        values: dict[str, Any] = {"ack_case_id": case_id}
        if status is not None:
            values["ack_status"] = status
        self._conn.execute(update(t.edi_documents).where(d.id == document_id).values(values))

    def store_resend(self, original: SentDocument, control_number: str, content: str,
                     at: datetime) -> int:
        row = {"partner_id": original.partner_id, "direction": "out",
               "doc_type": original.doc_type, "control_number": control_number,
               "interchange_id": None, "content": content, "created_at": at,
               "resend_of": original.id,
               **ack_columns(self._conn, original.partner_id, "out", original.doc_type,
                             content, at)}
        result = self._conn.execute(t.edi_documents.insert().returning(d.id), row)
        return int(result.scalar_one())


def _sent(row: Any) -> SentDocument:
    return SentDocument(**row._mapping)
