"""An order as its partner sent it by EDI (`InboundOrders`): the interchange the log says carried
it, its stored copy, and its lines as sent, read again from that copy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from shipshape.adapters.channels.sent_orders import sent_lines
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_store import SqlEdi
from shipshape.adapters.db.pick_store import SqlPicks
from shipshape.domain.orders import Channel
from shipshape.services.edi_later_responses import InboundOrder

o = t.orders.c
ix = t.edi_interchanges.c
doc = t.edi_documents.c


def inbound_order(conn: Connection, order_id: str) -> InboundOrder | None:
    """None for an order that came by no interchange of its customer's partners."""
    row = conn.execute(select(o.channel, o.external_id, o.release_number)
                       .where(o.id == order_id)).first()
    if row is None or row.channel != Channel.EDI.value:
        return None
    order = SqlPicks(conn).order(order_id, lock=False)
    if order is None:
        return None
    partners = {p.id: p for p in SqlEdi(conn).partners_of_customer(order.customer_id)}
    logged = conn.execute(
        select(ix.id, ix.partner_id, ix.standard, ix.control_number, ix.orders, ix.received_at)
        .where(ix.partner_id.in_(list(partners)),
               ix.control_number.in_(_control_numbers(row.external_id)))
        .order_by(ix.id)).all()
    carried = next((r for r in logged if order_id in (r.orders or ())), None)
    if carried is None:
        return None
    partner = partners[carried.partner_id]
    text = _stored_copy(conn, carried)
    sent = () if text is None else sent_lines(carried.standard, text, row.external_id,
                                               partner, carried.received_at.date()) or ()
    return InboundOrder(
        order_id=order.id, customer_id=order.customer_id, value=order.value,
        customer_po=order.customer_po, release_number=row.release_number or None,
        requested_ship_date=order.requested_ship_date, lines=order.lines, partner=partner,
        standard=carried.standard, external_id=row.external_id, interchange=text, sent=sent)


def _control_numbers(external_id: str) -> list[str]:
    """The interchange control numbers an order id may start with (`<control>-...`): every
    prefix before a hyphen, as an EDIFACT reference may hold hyphens of its own."""
    parts = external_id.split("-")
    return ["-".join(parts[:n]) for n in range(1, len(parts))]


def _stored_copy(conn: Connection, carried: Any) -> str | None:
    """The interchange's own copy, else the copy kept of the same bytes received before."""
    own = conn.execute(select(doc.content).where(
        doc.interchange_id == carried.id, doc.direction == "in")).scalar()
    if own is not None:
        return str(own)
    earlier = conn.execute(select(doc.content).where(
        doc.partner_id == carried.partner_id, doc.direction == "in",
        doc.doc_type == carried.standard,
        doc.control_number == carried.control_number).order_by(doc.id)).scalar()
    return None if earlier is None else str(earlier)
