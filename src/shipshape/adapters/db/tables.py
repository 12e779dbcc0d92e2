"""The schema, in SQLAlchemy Core; Alembic migrations are generated from it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from shipshape.adapters.db.as2_tables import as2_messages
from shipshape.adapters.db.communication_tables import customer_contacts
from shipshape.adapters.db.delivery_tables import (
    delivery_discrepancies,
    perfect_orders,
    shipment_deliveries,
)
from shipshape.adapters.db.integration_tables import (
    api_tokens,
    dead_letters,
    edi_counters,
    edi_documents,
    edi_interchanges,
    exception_cases,
    idempotency_keys,
    masterdata_changes,
    saga_steps,
    sagas,
    system_states,
    trading_partners,
)
from shipshape.adapters.db.outbox_notify import notifying
from shipshape.adapters.db.packing_tables import shipment_cartons
from shipshape.adapters.db.return_tables import held_stock, return_lines, returns
from shipshape.adapters.db.schema_base import Id, Key, Quantity, metadata
from shipshape.adapters.db.types import ExactDecimal, UtcDateTime

sites = Table(
    "sites", metadata,
    Column("id", Key, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("line1", String(200)),
    Column("city", String(100)),
    Column("region", String(60)),
)

customers = Table(
    "customers", metadata,
    Column("id", Key, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("segment", String(40), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("credit_limit", ExactDecimal, nullable=False),
    Column("credit_hold", Boolean, nullable=False),
    Column("payment_terms", String(40), nullable=False),
    Column("allow_split", Boolean, nullable=False),
    Column("allow_substitutes", Boolean, nullable=False),
    Column("preferred_site", Key),
    Column("min_remaining_shelf_life_days", Integer, nullable=False),
)

items = Table(
    "items", metadata,
    Column("sku", String(60), primary_key=True),
    Column("description", String(400), nullable=False),
    Column("gtin", String(14)),
    Column("active", Boolean, nullable=False),
    Column("uom", String(10), nullable=False),
    Column("weight_kg", ExactDecimal, nullable=False),
    Column("hazmat", Boolean, nullable=False),
    Column("lot_controlled", Boolean, nullable=False),
    Column("substitutes", JSON, nullable=False),
)

prices = Table(
    "prices", metadata,
    Column("customer_id", Key, primary_key=True),
    Column("sku", String(60), primary_key=True),
    Column("unit_price", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("tolerance_pct", ExactDecimal, nullable=False),
)

carriers = Table(
    "carriers", metadata,
    Column("code", Key, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("services", JSON, nullable=False),
)

inventory = Table(
    "inventory", metadata,
    Column("site", Key, primary_key=True),
    Column("sku", String(60), primary_key=True),
    Column("on_hand", Quantity, nullable=False),
    Column("reserved", Quantity, nullable=False),
    CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="not_oversold"),
    Index("ix_inventory_sku", "sku"),
)

lots = Table(
    "lots", metadata,
    Column("site", Key, primary_key=True),
    Column("sku", String(60), primary_key=True),
    Column("lot", String(60), primary_key=True),
    Column("expiry", Date),
    Column("quantity", Quantity, nullable=False),
)

stock_movements = Table(
    "stock_movements", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("site", Key, nullable=False),
    Column("sku", String(60), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("lot", String(60)),
    Column("reason", String(200)),
    Column("at", UtcDateTime, nullable=False),
)

orders = Table(
    "orders", metadata,
    Column("id", String(40), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("customer_id", Key, nullable=False),
    Column("customer_po", String(100)),
    Column("release_number", String(35), nullable=False, server_default=""),
    Column("requested_ship_date", Date),
    Column("ship_to", JSON, nullable=False),
    Column("carrier_service", String(60)),
    Column("status", String(20), nullable=False),
    Column("value", ExactDecimal, nullable=False),
    Column("line_signature", String(32), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("rule_version", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("promised_date", Date),
    Column("promise_transit_days", Integer),
    Column("promise_at_risk_since", UtcDateTime),
    UniqueConstraint("customer_id", "customer_po", "release_number",
                     name="uq_orders_customer_po_release"),
    Index("ix_orders_recent_lines", "customer_id", "line_signature", "created_at"),
    Index("ix_orders_status", "status"),
    Index("ix_orders_promise_at_risk", "promise_at_risk_since"),
)

order_lines = Table(
    "order_lines", metadata,
    Column("order_id", String(40), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(60), nullable=False),
    Column("quantity", Quantity),
    Column("unit_price", ExactDecimal),
    Column("uom", String(10)),
)

order_findings = Table(
    "order_findings", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("stage", String(20), nullable=False),
    Column("code", String(60), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("owner_team", String(40), nullable=False),
    Column("rule", String(200), nullable=False),
    Column("line_nos", JSON, nullable=False),
    Column("message", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_order_findings_code", "code", "stage"),
)

reservations = Table(
    "reservations", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("site", Key, nullable=False),
    Column("sku", String(60), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

credit_exposure = Table(
    "credit_exposure", metadata,
    Column("customer_id", Key, primary_key=True),
    Column("open_value", ExactDecimal, nullable=False),
)

order_events = Table(
    "order_events", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("order_id", String(40)),
    Column("stream", String(60), nullable=False),
    Column("type", String(60), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("request_id", String(64)),
    Index("ix_order_events_order", "order_id", "id"),
    Index("ix_order_events_stream", "stream", "id"),
)
"""`order_id` only for an event of an order's timeline; `stream` is the key events keep their
order by (the order's id, else the id of the wave or run the event is about)."""

event_objects = Table(
    "event_objects", metadata,
    Column("event_id", String(40), primary_key=True),
    Column("object_type", String(30), primary_key=True),
    Column("object_id", String(200), primary_key=True),
    Column("qualifier", String(40), nullable=False),
    Index("ix_event_objects_object", "object_type", "object_id"),
)
"""Every object each stored event touches (OCEL 2.0's event-to-object relation)."""

outbox = notifying(Table(
    "outbox", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("topic", String(120), nullable=False),
    Column("stream", String(60), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
    Column("delivered_at", UtcDateTime),
    # What the relay reads: the unsent rows in id (= commit) order, without scanning sent ones.
    Index("ix_outbox_unsent", "id", postgresql_where=text("published_at IS NULL"),
          sqlite_where=text("published_at IS NULL")),
    # What delivery accounting reads: the rows published and still owed to a consumer.
    Index("ix_outbox_owed", "id",
          postgresql_where=text("published_at IS NOT NULL AND delivered_at IS NULL"),
          sqlite_where=text("published_at IS NOT NULL AND delivered_at IS NULL")),
))

inbox = Table(
    "inbox", metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)

waves = Table(
    "waves", metadata,
    Column("id", String(40), primary_key=True),
    Column("site", Key, nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("released", Integer, nullable=False),
    Column("pulled", Integer, nullable=False),
    Column("check_ms", Float, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_waves_site_created", "site", "created_at"),
)

wave_orders = Table(
    "wave_orders", metadata,
    Column("wave_id", String(40), primary_key=True),
    Column("order_id", String(40), primary_key=True),
    Column("outcome", String(20), nullable=False),
    Column("reasons", JSON, nullable=False),
    Index("ix_wave_orders_order", "order_id"),
)

picks = Table(
    "picks", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("site", Key, nullable=False),
    Column("sku", String(60), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("lot", String(60)),
    Column("expiry", Date),
    Column("source_event", String(200), nullable=False),
    Column("picked_at", UtcDateTime, nullable=False),
)

tenders = Table(
    "tenders", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("carrier_service", String(60), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("tracking_number", String(100)),
    Column("label_ref", String(200)),
    Column("error", Text),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_tenders_carrier_service", "carrier_service", "at"),
)

shipments = Table(
    "shipments", metadata,
    Column("id", String(60), primary_key=True),
    Column("order_id", String(40), nullable=False),
    Column("site", Key, nullable=False),
    Column("ship_date", Date, nullable=False),
    Column("carrier_service", String(60), nullable=False),
    Column("tracking_number", String(100)),
    Column("label_ref", String(200)),
    Column("source_event", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("order_id", "site", name="uq_shipments_order_site"),
)

shipment_lines = Table(
    "shipment_lines", metadata,
    Column("shipment_id", String(60), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(60), nullable=False),
    Column("picked", Quantity, nullable=False),
    Column("shipped", Quantity, nullable=False),
    CheckConstraint("shipped >= 0 AND shipped <= picked", name="shipped_le_picked"),
)

invoices = Table(
    "invoices", metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("order_id", String(40), nullable=False, index=True),
    Column("shipment_id", String(60), index=True),
    Column("credits", String(40)),
    Column("customer_id", Key, nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal", ExactDecimal, nullable=False),
    Column("freight", ExactDecimal, nullable=False),
    Column("tax", ExactDecimal, nullable=False),
    Column("total", ExactDecimal, nullable=False),
    Column("erp_ref", String(100)),
    Column("reason", Text),
    Column("paid", ExactDecimal, nullable=False),
    Column("paid_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_invoices_status", "status"),
)

invoice_lines = Table(
    "invoice_lines", metadata,
    Column("invoice_id", String(40), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(60), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
)

__all__ = [
    "Id",
    "Key",
    "Quantity",
    "api_tokens",
    "as2_messages",
    "customer_contacts",
    "dead_letters",
    "delivery_discrepancies",
    "edi_counters",
    "edi_documents",
    "edi_interchanges",
    "exception_cases",
    "held_stock",
    "idempotency_keys",
    "masterdata_changes",
    "metadata",
    "perfect_orders",
    "return_lines",
    "returns",
    "saga_steps",
    "sagas",
    "shipment_cartons",
    "shipment_deliveries",
    "system_states",
    "trading_partners",
]

audit_log = Table(
    "audit_log", metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(60), nullable=False),
    Column("subject_type", String(30), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("cause", Text, nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("rule_version", String(200), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("previous", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_subject", "subject_id", "subject_type", "id"),
)
"""The audit trail (`domain/audit.py`): append-only, each row chained to the one before by
`previous` and `hash`; ids are the last id plus one (`audit_store.append_audit`). Every column
but the id is the text that was hashed: `at` in ISO 8601 (UTC), `before` and `after` canonical
JSON."""
