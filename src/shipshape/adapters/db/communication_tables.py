"""The tables of customer communication: each customer's contact for notices. The notices sent
are events (`CustomerNotified`) on the orders' timelines, so they have no table of their own."""

from __future__ import annotations

from sqlalchemy import JSON, Column, String, Table, Text

from shipshape.adapters.db.schema_base import Key, metadata
from shipshape.adapters.db.types import UtcDateTime

customer_contacts = Table(
    "customer_contacts", metadata,
    Column("customer_id", Key, primary_key=True),
    Column("channel", String(10), nullable=False),
    Column("emails", JSON, nullable=False),
    Column("webhook_url", Text),
    Column("webhook_secret", Text),
    Column("language", String(20), nullable=False),
    Column("opted_out", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)
"""How each customer is told of its orders (`domain/communication.Contact`); a customer without
a row is told nothing (EDI partners get their EDI documents instead)."""
