"""How each shipment was packed (`domain.packing`): one row per line entry of a carton."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, String, Table

from shipshape.adapters.db.schema_base import Quantity, metadata
from shipshape.adapters.db.types import ExactDecimal

shipment_cartons = Table(
    "shipment_cartons", metadata,
    Column("shipment_id", String(60), primary_key=True),
    Column("carton_no", Integer, primary_key=True),
    Column("entry_no", Integer, primary_key=True),
    Column("carton_ref", String(60)),
    Column("sscc", String(18)),
    Column("weight_kg", ExactDecimal),
    Column("line_no", Integer, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("lot", String(60)),
    Column("expiry", Date),
)
