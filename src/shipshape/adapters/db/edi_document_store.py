"""What outbound EDI documents are made of (`EdiDocumentSource`), read from committed rows; and
the stored documents of a partner, for people to read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, bindparam, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_inbound_orders import inbound_order
from shipshape.adapters.db.edi_store import SqlEdi
from shipshape.adapters.db.masterdata_store import SqlMasterData
from shipshape.adapters.db.pick_store import SqlPicks
from shipshape.adapters.db.shipment_store import SqlShipments
from shipshape.domain.edi_outbound import BilledLine, InvoiceFacts, ShipmentFacts
from shipshape.domain.partners import TradingPartner
from shipshape.domain.picking import OrderToPick
from shipshape.services.edi_later_responses import InboundOrder

sh = t.shipments.c
iv = t.invoices.c
il = t.invoice_lines.c
doc = t.edi_documents.c


class SqlEdiDocumentSource:
    """Each read on its own connection: the facts are committed and no longer change."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def partners_of_order(self, order_id: str) -> list[TradingPartner]:
        with self._engine.connect() as conn:
            customer_id = conn.execute(CUSTOMER_OF_ORDER, {"order_id": order_id}).scalar()
            return [] if customer_id is None else SqlEdi(conn).partners_of_customer(customer_id)

    def inbound_order(self, order_id: str) -> InboundOrder | None:
        with self._engine.connect() as conn:
            return inbound_order(conn, order_id)

    def shipment(self, shipment_id: str) -> ShipmentFacts | None:
        with self._engine.connect() as conn:
            order_id = conn.execute(select(sh.order_id).where(sh.id == shipment_id)).scalar()
            order = _order(conn, order_id)
            if order is None:
                return None
            record = next(s for s in SqlShipments(conn).of_order(order.id)
                          if s.id == shipment_id)
            masterdata = SqlMasterData(conn)
            expiry = {(p.line_no, p.lot): p.expiry for p in SqlPicks(conn).picks(order.id)
                      if p.lot and p.expiry and p.site == record.site}
            return ShipmentFacts(record, order, masterdata.customer(order.customer_id),
                                 masterdata.sites().get(record.site),
                                 masterdata.items({line.sku for line in record.lines}), expiry)

    def invoice(self, invoice_id: str) -> InvoiceFacts | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(t.invoices).where(iv.id == invoice_id)).first()
            order = _order(conn, row.order_id if row else None)
            if row is None or order is None:
                return None
            lines = tuple(BilledLine(ln.line_no, ln.sku, ln.quantity, Decimal(ln.unit_price))
                          for ln in conn.execute(select(il.line_no, il.sku, il.quantity,
                                                        il.unit_price)
                                                 .where(il.invoice_id == invoice_id)
                                                 .order_by(il.line_no)))
            masterdata = SqlMasterData(conn)
            return InvoiceFacts(
                number=row.id, order=order, customer=masterdata.customer(row.customer_id),
                shipment_id=row.shipment_id, invoice_date=row.created_at.date(),
                currency=row.currency, freight=Decimal(row.freight), tax=Decimal(row.tax),
                total=Decimal(row.total), lines=lines,
                items=masterdata.items({line.sku for line in lines}))


CUSTOMER_OF_ORDER = select(t.orders.c.customer_id).where(t.orders.c.id == bindparam("order_id"))


def _order(conn: Connection, order_id: str | None) -> OrderToPick | None:
    return None if order_id is None else SqlPicks(conn).order(order_id, lock=False)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: int
    partner_id: str
    direction: str
    doc_type: str
    control_number: str
    created_at: datetime
    content: str


def edi_documents(engine: Engine, partner_id: str, doc_type: str | None = None,
                  direction: str | None = None, limit: int = 50) -> list[StoredDocument]:
    """A partner's stored documents, newest first."""
    query = select(doc.id, doc.partner_id, doc.direction, doc.doc_type, doc.control_number,
                   doc.created_at, doc.content).where(doc.partner_id == partner_id)
    if doc_type:
        query = query.where(doc.doc_type == doc_type)
    if direction:
        query = query.where(doc.direction == direction)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(doc.id.desc()).limit(limit)).all()
    return [StoredDocument(*row) for row in rows]
