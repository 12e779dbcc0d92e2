"""Trading partners, the interchange log, control-number counters and stored EDI documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_ack_store import SqlEdiAcks, ack_columns
from shipshape.adapters.db.upsert import upsert_row
from shipshape.domain.partners import TradingPartner
from shipshape.services.ports import InterchangeRecord

p = t.trading_partners.c
i = t.edi_interchanges.c
d = t.edi_documents.c
PARTNERS_OF_CUSTOMER = (select(t.trading_partners).where(p.customer_id == bindparam("customer_id"))
                        .order_by(p.id))
PROFILE_FIELDS = ("x12_version", "acknowledgements", "item_id_preference", "item_xref",
                  "duplicate_window_days", "element_separator", "segment_terminator",
                  "component_separator", "ack_window_hours", "as2_id", "as2_url",
                  "as2_certificate", "as2_mdn", "as2_encrypt", "as2_sign", "as2_since")


class SqlEdi(SqlEdiAcks):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def lock_partner(self, partner_id: str) -> None:
        """A row lock on PostgreSQL; SQLite writers already hold the database's write lock."""
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(select(p.id).where(p.id == partner_id).with_for_update())

    def partner_by_x12(self, qualifier: str, isa_id: str) -> TradingPartner | None:
        query = select(t.trading_partners).where(p.isa_qualifier == qualifier.strip(),
                                                 p.isa_id == isa_id.strip())
        return _partner(self._conn.execute(query).mappings().first())

    def partner_by_edifact(self, edifact_id: str) -> TradingPartner | None:
        query = select(t.trading_partners).where(p.edifact_id == edifact_id.strip())
        return _partner(self._conn.execute(query).mappings().first())

    def partner(self, partner_id: str) -> TradingPartner | None:
        query = select(t.trading_partners).where(p.id == partner_id)
        return _partner(self._conn.execute(query).mappings().first())

    def partners_of_customer(self, customer_id: str) -> list[TradingPartner]:
        rows = self._conn.execute(PARTNERS_OF_CUSTOMER, {"customer_id": customer_id}).mappings()
        return [partner for row in rows
                if (partner := _partner(row)) is not None]

    def upsert_partner(self, partner: TradingPartner) -> None:
        profile = {name: getattr(partner, name) for name in PROFILE_FIELDS}
        profile["acknowledgements"] = sorted(partner.acknowledgements)
        profile["item_id_preference"] = list(partner.item_id_preference)
        profile["item_xref"] = dict(partner.item_xref)
        profile["as2_since"] = partner.as2_since.isoformat() if partner.as2_since else None
        upsert_row(self._conn, t.trading_partners, {
            "id": partner.id, "customer_id": partner.customer_id,
            "isa_qualifier": partner.isa_qualifier, "isa_id": partner.isa_id,
            "gs_code": partner.gs_code, "edifact_id": partner.edifact_id, "profile": profile})

    def seen_interchange(self, partner_id: str, standard: str, control_number: str,
                         since: datetime) -> bool:
        query = select(i.id).where(i.partner_id == partner_id, i.standard == standard,
                                   i.control_number == control_number, i.received_at >= since,
                                   i.status == "accepted").limit(1)
        return self._conn.execute(query).first() is not None

    def holds_copy(self, partner_id: str, standard: str, control_number: str,
                   content_hash: str) -> bool:
        query = (select(d.id).join(t.edi_interchanges, d.interchange_id == i.id)
                 .where(i.partner_id == partner_id, i.standard == standard,
                        i.control_number == control_number, i.content_hash == content_hash,
                        d.direction == "in").limit(1))
        return self._conn.execute(query).first() is not None

    def record_interchange(self, record: InterchangeRecord) -> int:
        result = self._conn.execute(t.edi_interchanges.insert().returning(i.id), {
            "partner_id": record.partner_id, "standard": record.standard,
            "control_number": record.control_number, "content_hash": record.content_hash,
            "status": record.status, "orders": list(record.order_ids),
            "received_at": record.received_at})
        return int(result.scalar_one())

    def next_control_number(self, partner_id: str, kind: str) -> int:
        c = t.edi_counters.c
        bump = (update(t.edi_counters)
                .where(c.partner_id == bindparam("k_partner"), c.kind == bindparam("k_kind"))
                .values(value=c.value + 1).returning(c.value))
        value = self._conn.execute(bump, {"k_partner": partner_id, "k_kind": kind}).scalar()
        if value is None:
            self._conn.execute(t.edi_counters.insert(),
                               {"partner_id": partner_id, "kind": kind, "value": 1})
            value = 1
        return int(value)

    def store_document(self, partner_id: str, direction: str, doc_type: str,
                       control_number: str, interchange_id: int | None, content: str,
                       at: datetime) -> None:
        self._conn.execute(t.edi_documents.insert(), {
            "partner_id": partner_id, "direction": direction, "doc_type": doc_type,
            "control_number": control_number, "interchange_id": interchange_id,
            "content": content, "created_at": at,
            **ack_columns(self._conn, partner_id, direction, doc_type, content, at)})


def _partner(row: Any) -> TradingPartner | None:
    if row is None:
        return None
    profile = dict(row["profile"])
    profile["acknowledgements"] = frozenset(profile.get("acknowledgements", ()))
    profile["item_id_preference"] = tuple(profile.get("item_id_preference", ()))
    since = profile.get("as2_since")
    profile["as2_since"] = datetime.fromisoformat(since) if since else None
    return TradingPartner(id=row["id"], customer_id=row["customer_id"],
                          isa_qualifier=row["isa_qualifier"], isa_id=row["isa_id"],
                          gs_code=row["gs_code"], edifact_id=row["edifact_id"], **profile)
