"""AS2 messages in and out (`as2_messages`), each write in its own short transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.as2_tables import as2_messages
from shipshape.adapters.db.edi_store import _partner
from shipshape.domain.partners import TradingPartner
from shipshape.services.as2 import (
    AWAITING_RECEIPT,
    As2Backlog,
    As2Record,
    AwaitedReceipt,
    OutboundDocument,
    StoredReceipt,
)

m = as2_messages.c
d = t.edi_documents.c
SENDING = "sending"
AWAITED = (select(d.id, d.partner_id, d.doc_type, d.control_number, m.message_id, m.mic)
           .select_from(as2_messages.join(t.edi_documents, d.id == m.document_id))
           .where(m.direction == "out", m.status == AWAITING_RECEIPT))


class SqlAs2:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def partner_by_as2_id(self, as2_id: str) -> TradingPartner | None:
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.trading_partners)).mappings()
            for row in rows:
                partner = _partner(row)
                if partner is not None and partner.as2_id and partner.as2_id == as2_id:
                    return partner
        return None

    def as2_partners(self) -> list[TradingPartner]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.trading_partners).order_by(t.trading_partners.c.id))
            return [p for row in rows.mappings() if (p := _partner(row)) and p.as2_url]

    def receipt_of(self, partner_id: str, message_id: str) -> StoredReceipt | None:
        query = select(m.status, m.mdn_type, m.mdn).where(
            m.direction == "in", m.partner_id == partner_id, m.message_id == message_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else StoredReceipt(row.status, row.mdn_type or "",
                                                      (row.mdn or "").encode("latin-1"))

    def record(self, record: As2Record, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(as2_messages.insert(), _row(record, at))

    def unsent(self, partners: list[TradingPartner], stale_before: datetime,
               limit: int = 100) -> list[OutboundDocument]:
        query = (select(d.id, d.partner_id, d.doc_type, d.control_number, d.content)
                 .where(*_due(partners, stale_before)).order_by(d.id).limit(limit))
        with self._engine.connect() as conn:
            return [OutboundDocument(*row) for row in conn.execute(query)]

    def backlog(self, partners: list[TradingPartner], stale_before: datetime) -> As2Backlog:
        due = select(func.count(), func.min(d.created_at)).where(*_due(partners, stale_before))
        awaiting = select(func.count()).select_from(as2_messages).where(
            m.direction == "out", m.status == AWAITING_RECEIPT)
        with self._engine.connect() as conn:
            unsent, oldest = conn.execute(due).one() if partners else (0, None)
            return As2Backlog(int(unsent), oldest, int(conn.execute(awaiting).scalar_one()))

    def claim(self, document: OutboundDocument, message_id: str, at: datetime,
              stale_before: datetime) -> str | None:
        with self._engine.begin() as conn:
            row = conn.execute(update(as2_messages).where(
                m.direction == "out", m.document_id == document.id, m.status == SENDING,
                m.updated_at < stale_before).values(updated_at=at)
                .returning(m.message_id)).first()
            if row is not None:
                return str(row.message_id)
        try:
            with self._engine.begin() as conn:
                conn.execute(as2_messages.insert(), _row(
                    As2Record("out", document.partner_id, message_id, SENDING, document.id), at))
        except IntegrityError:
            return None
        return message_id

    def settle(self, record: As2Record, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(as2_messages).where(
                m.direction == "out", m.document_id == record.document_id).values(
                status=record.status, mic=record.mic, disposition=record.disposition,
                detail=record.detail, attempts=record.attempts, updated_at=at))

    def awaited(self, partner_id: str, message_id: str) -> AwaitedReceipt | None:
        with self._engine.connect() as conn:
            row = conn.execute(AWAITED.where(m.partner_id == partner_id,
                                             m.message_id == message_id)).first()
        return None if row is None else _awaited(row)

    def overdue_receipts(self, sent_before: datetime) -> list[AwaitedReceipt]:
        with self._engine.connect() as conn:
            rows = conn.execute(AWAITED.where(m.updated_at < sent_before).order_by(m.id))
            return [_awaited(row) for row in rows]

    def transmissions(self, document_id: int) -> list[As2Record]:
        query = select(as2_messages).where(m.direction == "out", m.document_id == document_id)
        with self._engine.connect() as conn:
            return [As2Record(row.direction, row.partner_id, row.message_id, row.status,
                              row.document_id, row.mic, row.disposition, row.detail,
                              row.attempts) for row in conn.execute(query)]


def _due(partners: list[TradingPartner], stale_before: datetime) -> list[ColumnElement[bool]]:
    """Outbound documents of `partners` stored since each was given its AS2 endpoint, with no
    transmission or a claim last renewed before `stale_before`."""
    taken = select(m.document_id).where(
        m.direction == "out", m.document_id.is_not(None),
        or_(m.status != SENDING, m.updated_at >= stale_before))
    theirs = or_(*(and_(d.partner_id == p.id, *_since(p)) for p in partners))
    return [d.direction == "out", theirs, d.id.not_in(taken)]


def _since(partner: TradingPartner) -> list[ColumnElement[bool]]:
    return [] if partner.as2_since is None else [d.created_at >= partner.as2_since]


def _row(record: As2Record, at: datetime) -> dict[str, Any]:
    return {"direction": record.direction, "partner_id": record.partner_id,
            "message_id": record.message_id, "document_id": record.document_id,
            "status": record.status, "mic": record.mic, "disposition": record.disposition,
            "detail": record.detail, "attempts": record.attempts,
            "mdn_type": record.mdn_type, "mdn": record.mdn.decode("latin-1"),
            "created_at": at, "updated_at": at}


def _awaited(row: Any) -> AwaitedReceipt:
    document = OutboundDocument(row.id, row.partner_id, row.doc_type, row.control_number, "")
    return AwaitedReceipt(document, row.message_id, row.mic or "")
