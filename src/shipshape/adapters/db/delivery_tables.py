"""Tables of delivery: each shipment's delivery state as the TMS reports it, damaged or short
quantities per shipment line, and each order's perfect-order facts."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Integer, String, Table

from shipshape.adapters.db.schema_base import Quantity, metadata
from shipshape.adapters.db.types import UtcDateTime

shipment_deliveries = Table(
    "shipment_deliveries", metadata,
    Column("shipment_id", String(60), primary_key=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("state", String(20), nullable=False),
    Column("delivered_at", UtcDateTime),
    Column("pod_reference", String(200)),
    Column("signee", String(200)),
    Column("failure_reason", String(500)),
    Column("attempts", Integer, nullable=False),
    Column("source_event", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

delivery_discrepancies = Table(
    "delivery_discrepancies", metadata,
    Column("shipment_id", String(60), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("damaged", Quantity, nullable=False),
    Column("short", Quantity, nullable=False),
    Column("source_event", String(200), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

perfect_orders = Table(
    "perfect_orders", metadata,
    Column("order_id", String(40), primary_key=True),
    Column("customer_id", String(60), nullable=False, index=True),
    Column("promised_by", Date, nullable=False),
    Column("delivered", Boolean, nullable=False),
    Column("delivered_at", UtcDateTime),
    Column("on_time", Boolean),
    Column("in_full", Boolean, nullable=False),
    Column("damage_free", Boolean, nullable=False),
    Column("invoiced_accurately", Boolean, nullable=False),
    Column("perfect", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
