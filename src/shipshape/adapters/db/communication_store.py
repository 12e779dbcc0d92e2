"""Customer communication in the store: the contacts (`SqlContacts`, in a unit of work), what a
notice is made of (`SqlNoticeSource`, committed facts read outside any transaction) and the named
reads of the API and the CLI (`contact_of`, `notifications_of_order`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.upsert import upsert_row
from shipshape.domain.communication import Channel, Contact
from shipshape.services.ports.notices import HoldFacts, NoticeFacts

cc = t.customer_contacts.c
ev = t.order_events.c
o = t.orders.c
SHORTAGE = "PARTIAL_AVAILABILITY"


def _contact(row: Any) -> Contact:
    return Contact(row.customer_id, Channel(row.channel), tuple(row.emails or ()),
                   row.webhook_url, row.webhook_secret, row.language,
                   frozenset(row.opted_out or ()))


CONTACT = select(t.customer_contacts).where(cc.customer_id == bindparam("customer_id"))
ORDER_FACTS = (select(o.customer_id, o.customer_po, o.external_id, o.requested_ship_date,
                      t.customers.c.name)
               .join(t.customers, t.customers.c.id == o.customer_id, isouter=True)
               .where(o.id == bindparam("order_id")))
LAST_CONTROLS = (select(ev.payload).where(ev.stream == bindparam("order_id"),
                                          ev.type == "ControlsEvaluated")
                 .order_by(ev.id.desc()).limit(1))
NOTIFICATIONS = (select(ev.event_id, ev.payload, ev.occurred_at)
                 .where(ev.stream == bindparam("order_id"), ev.type == "CustomerNotified")
                 .order_by(ev.id))


class SqlContacts:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, customer_id: str) -> Contact | None:
        row = self._conn.execute(CONTACT, {"customer_id": customer_id}).first()
        return None if row is None else _contact(row)

    def put(self, contact: Contact, at: datetime, by: str) -> None:
        upsert_row(self._conn, t.customer_contacts, {
            "customer_id": contact.customer_id, "channel": contact.channel.value,
            "emails": list(contact.emails), "webhook_url": contact.webhook_url,
            "webhook_secret": contact.webhook_secret, "language": contact.language,
            "opted_out": sorted(contact.opted_out), "updated_at": at, "updated_by": by})


class SqlNoticeSource:
    """Each read on its own connection: a notice is made of committed facts."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def facts(self, order_id: str) -> NoticeFacts | None:
        with self._engine.connect() as conn:
            order = conn.execute(ORDER_FACTS, {"order_id": order_id}).first()
            if order is None:
                return None
            contact = conn.execute(CONTACT, {"customer_id": order.customer_id}).first()
            controls = conn.execute(LAST_CONTROLS, {"order_id": order_id}).scalar()
        return NoticeFacts(
            order_id=order_id, customer_id=order.customer_id,
            customer_name=order.name or order.customer_id, customer_po=order.customer_po,
            external_id=order.external_id, requested_ship_date=order.requested_ship_date,
            contact=None if contact is None else _contact(contact),
            hold=_hold(controls))


def _hold(controls: object) -> HoldFacts | None:
    """What the last controls found short: availability per line and the options."""
    if not isinstance(controls, Mapping):
        return None
    for finding in controls.get("findings") or ():
        if isinstance(finding, Mapping) and finding.get("code") == SHORTAGE:
            details = finding.get("details") or {}
            return HoldFacts(str(finding.get("message") or ""),
                             tuple(details.get("availability") or ()),
                             tuple(details.get("options") or ()))
    return None


def contact_of(engine: Engine, customer_id: str) -> dict[str, Any] | None:
    """The customer's contact as the API shows it: the webhook secret is never shown, only
    whether one is set."""
    with engine.connect() as conn:
        row = conn.execute(CONTACT, {"customer_id": customer_id}).first()
    if row is None:
        return None
    return {"customer_id": row.customer_id, "channel": row.channel,
            "emails": list(row.emails or ()), "webhook_url": row.webhook_url,
            "webhook_secret_set": bool(row.webhook_secret), "language": row.language,
            "opted_out": sorted(row.opted_out or ()),
            "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by}


def customer_exists(engine: Engine, customer_id: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(t.customers.c.id).where(
            t.customers.c.id == customer_id)).first() is not None


def notifications_of_order(engine: Engine, order_id: str) -> list[dict[str, Any]]:
    """The order's `CustomerNotified` events, oldest first: what the customer was told (or
    not, and why)."""
    with engine.connect() as conn:
        rows = conn.execute(NOTIFICATIONS, {"order_id": order_id}).all()
    return [{"event_id": row.event_id, "occurred_at": row.occurred_at.isoformat(),
             **{key: row.payload.get(key) for key in NOTICE_FIELDS}} for row in rows]


NOTICE_FIELDS = ("kind", "status", "channel", "recipient", "message_id", "source_event",
                 "source_type", "language", "reason")
