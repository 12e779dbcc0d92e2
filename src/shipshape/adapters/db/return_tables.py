"""Returns (RMA): the authorisations, their lines with what came back, and the stock held back
from sale (quarantined, scrapped) by site and SKU."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from shipshape.adapters.db.schema_base import Key, Quantity, metadata
from shipshape.adapters.db.types import UtcDateTime

returns = Table(
    "returns", metadata,
    Column("id", String(40), primary_key=True),
    Column("order_id", String(40), nullable=False),
    Column("customer_id", Key, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason_code", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("source_event", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_returns_order_id", "order_id"),
)

return_lines = Table(
    "return_lines", metadata,
    Column("return_id", String(40), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("shipment_id", String(60), primary_key=True),
    Column("site", Key, nullable=False),
    Column("sku", String(60), nullable=False),
    Column("authorised", Quantity, nullable=False),
    Column("good", Quantity, nullable=False),
    Column("damaged", Quantity, nullable=False),
    Column("scrapped", Quantity, nullable=False),
    Column("accepted", Quantity, nullable=False),
    Column("credited", Quantity, nullable=False),
    Column("credit_note_id", String(40)),
    Column("settled", Quantity, nullable=False, server_default="0"),
    Column("settlement_note_id", String(40)),
)

held_stock = Table(
    "held_stock", metadata,
    Column("site", Key, primary_key=True),
    Column("sku", String(60), primary_key=True),
    Column("quarantined", Quantity, nullable=False),
    Column("scrapped", Quantity, nullable=False),
)
