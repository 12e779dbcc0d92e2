"""AS2 messages, both ways: what came in (one row per partner and Message-ID, with the MDN we
answered) and each stored outbound document's transmission (attempts, MIC, the MDN's outcome)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from shipshape.adapters.db.schema_base import Id, Key, metadata
from shipshape.adapters.db.types import UtcDateTime

as2_messages = Table(
    "as2_messages", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("direction", String(3), nullable=False),
    Column("partner_id", Key, nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("document_id", Id),
    Column("status", String(20), nullable=False),
    Column("mic", String(200)),
    Column("disposition", Text),
    Column("detail", Text),
    Column("attempts", Integer, nullable=False),
    Column("mdn_type", Text),
    Column("mdn", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("direction", "partner_id", "message_id", name="uq_as2_messages_message"),
    Index("ix_as2_messages_document", "document_id"),
    Index("uq_as2_messages_document", "direction", "document_id", unique=True),
)
"""`status`: in: processed | error; out: sending (claimed by a sender) | delivered | failed."""
