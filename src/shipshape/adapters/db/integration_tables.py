"""Tables of integration and delivery: dead letters, sagas, the other systems' states, exception
cases, idempotency keys, master-data changes, API tokens and EDI (partners, interchanges,
counters, documents)."""


from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from shipshape.adapters.db.schema_base import Id, Key, metadata
from shipshape.adapters.db.types import ExactDecimal, UtcDateTime

dead_letters = Table(
    "dead_letters", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("msg_key", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("system", String(20)),
    Column("operation", String(60)),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("case_id", String(40)),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("replayed_at", UtcDateTime),
    Index("ix_dead_letters_status", "status", "id"),
)

sagas = Table(
    "sagas", metadata,
    Column("id", String(120), primary_key=True),
    Column("kind", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Column("error", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_sagas_kind_status", "kind", "status"),
)

saga_steps = Table(
    "saga_steps", metadata,
    Column("saga_id", String(120), primary_key=True),
    Column("step_no", Integer, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

system_states = Table(
    "system_states", metadata,
    Column("entity", String(120), primary_key=True),
    Column("state", String(40), primary_key=True),
    Column("system", String(20), nullable=False),
    Column("version", UtcDateTime, nullable=False),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

exception_cases = Table(
    "exception_cases", metadata,
    Column("id", String(40), primary_key=True),
    Column("code", String(60), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("source_system", String(40), nullable=False),
    Column("order_id", String(40)),
    Column("line_nos", JSON, nullable=False),
    Column("site_id", Key),
    Column("customer_id", Key),
    Column("customer_segment", String(40)),
    Column("severity", String(10), nullable=False),
    Column("blocking", Boolean, nullable=False),
    Column("owner_team", String(40), nullable=False),
    Column("sla_due_at", UtcDateTime, nullable=False),
    Column("escalation_level", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("assignee", String(100)),
    Column("resolution_action", String(60)),
    Column("resolution_reason", String(200)),
    Column("resolved_by", String(100)),
    Column("resolved_at", UtcDateTime),
    Column("cost_rework_minutes", Integer, nullable=False),
    Column("cost_expedited_freight", ExactDecimal, nullable=False),
    Column("cost_invoice_correction", ExactDecimal, nullable=False),
    Column("root_cause", String(200)),
    Column("rule_version", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("subject", String(200)),
    Column("occurrences", Integer, nullable=False, server_default="1"),
    Column("last_seen_at", UtcDateTime),
    Column("queue", String(60), nullable=False, server_default=""),
    Column("priority", String(20), nullable=False, server_default="standard"),
    Column("sla_budget_s", Integer),
    Column("paused_at", UtcDateTime),
    Column("paused_s", Integer, nullable=False, server_default="0"),
    Column("waiting_on", String(60)),
    Index("ix_exception_cases_order", "order_id"),
    Index("ix_exception_cases_status_due", "status", "sla_due_at"),
    Index("ix_exception_cases_status_code", "status", "code"),
    Index("ix_exception_cases_code_subject", "code", "subject"),
)
"""A case is opened once per code and subject while it is open: the same exception seen again
counts an occurrence (`occurrences`, `last_seen_at`) instead of opening another case."""

idempotency_keys = Table(
    "idempotency_keys", metadata,
    # Whose key it is: `token:<name>`, `channel:<channel>`, `webhook:<system>`; no caller can
    # use a key of another's scope.
    Column("scope", String(120), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

masterdata_changes = Table(
    "masterdata_changes", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entity_kind", String(20), nullable=False),
    Column("entity_id", String(130), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("before", JSON),
    Column("after", JSON, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_masterdata_changes_entity", "entity_kind", "entity_id", "id"),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("customer_id", Key),
    Column("team", String(40)),
    Column("revoked_at", UtcDateTime),
)

trading_partners = Table(
    "trading_partners", metadata,
    Column("id", Key, primary_key=True),
    Column("customer_id", Key, nullable=False),
    Column("isa_qualifier", String(2), nullable=False),
    Column("isa_id", String(15), nullable=False),
    Column("gs_code", String(15), nullable=False),
    Column("edifact_id", String(35), nullable=False),
    Column("profile", JSON, nullable=False),
    Index("ix_trading_partners_isa", "isa_qualifier", "isa_id"),
    Index("ix_trading_partners_edifact", "edifact_id"),
)

edi_interchanges = Table(
    "edi_interchanges", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", Key, nullable=False),
    Column("standard", String(10), nullable=False),
    Column("control_number", String(20), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("orders", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_edi_interchanges_control", "partner_id", "standard", "control_number",
          "received_at"),
)

edi_counters = Table(
    "edi_counters", metadata,
    Column("partner_id", Key, primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

edi_documents = Table(
    "edi_documents", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_id", Key, nullable=False),
    Column("direction", String(10), nullable=False),
    Column("doc_type", String(20), nullable=False),
    Column("control_number", String(20), nullable=False),
    Column("interchange_id", BigInteger),
    Column("content", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # acknowledgement of an outbound document (migration 0021, domain/edi_acks.py)
    Column("ack_key", String(60)),
    Column("ack_status", String(24)),
    Column("ack_due_at", UtcDateTime),
    Column("acknowledged_at", UtcDateTime),
    Column("ack_detail", JSON),
    Column("ack_case_id", String(40)),
    Column("resend_of", BigInteger),
    Index("ix_edi_documents_partner", "partner_id", "doc_type", "created_at"),
    Index("ix_edi_documents_ack_key", "partner_id", "ack_key"),
    Index("ix_edi_documents_ack_due", "ack_status", "ack_due_at"),
)
