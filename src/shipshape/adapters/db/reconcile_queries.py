"""The reconciliation's checks as named queries (`ReconciliationQueries`): shipped vs invoiced vs
what the ERP last said. Amounts are compared in Python: SQLite keeps them as text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, exists, func, literal, or_, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.wave_store import unreleased
from shipshape.domain import reconciliation as rc
from shipshape.domain import stalls
from shipshape.domain.billing import InvoiceLine
from shipshape.domain.catalogue import ReconciliationFinding
from shipshape.domain.invoicing import InvoiceKind, InvoiceStatus

iv, il = t.invoices.c, t.invoice_lines.c
sh, sl = t.shipments.c, t.shipment_lines.c
IN_FORCE = (InvoiceStatus.ISSUED.value, InvoiceStatus.POSTED.value)
INVOICE_STATE = "invoice"
OPEN_CASE = ("open", "assigned")


def shipped_units() -> Any:
    """Per shipment, the units it shipped."""
    return (select(sl.shipment_id, func.sum(sl.shipped).label("shipped"))
            .group_by(sl.shipment_id).subquery("shipped_units"))


def uncredited_invoice() -> Any:
    """Invoices of kind invoice that no credit note cancelled."""
    return and_(iv.kind == InvoiceKind.INVOICE.value, iv.status != InvoiceStatus.CREDITED.value)


def shipped_not_invoiced(conn: Connection) -> list[rc.UninvoicedShipment]:
    """Shipments that shipped something and have no invoice in force (issued or posted); with
    the invoice the ERP rejected, if there is one."""
    units = shipped_units()
    in_force = exists().where(iv.shipment_id == sh.id, iv.kind == InvoiceKind.INVOICE.value,
                              iv.status.in_(IN_FORCE))
    rejected = (select(func.max(iv.id)).where(iv.shipment_id == sh.id,
                                              iv.kind == InvoiceKind.INVOICE.value,
                                              iv.status == InvoiceStatus.REJECTED.value)
                .scalar_subquery())
    rows = conn.execute(select(sh.id, sh.order_id, sh.site, units.c.shipped, rejected)
                        .join(units, units.c.shipment_id == sh.id)
                        .where(units.c.shipped > 0, ~in_force).order_by(sh.created_at, sh.id))
    return [rc.UninvoicedShipment(row[0], row[1], row[2], int(row[3]), row[4]) for row in rows]


def unacknowledged_invoices(conn: Connection,
                            issued_before: datetime) -> list[rc.UnacknowledgedInvoice]:
    rows = conn.execute(select(iv.id, iv.order_id, iv.shipment_id, iv.created_at).where(
        iv.kind == InvoiceKind.INVOICE.value, iv.status == InvoiceStatus.ISSUED.value,
        iv.created_at < issued_before).order_by(iv.created_at, iv.id))
    return [rc.UnacknowledgedInvoice(*row) for row in rows]


def invoiced_not_shipped(conn: Connection) -> list[rc.UnshippedInvoice]:
    units = shipped_units()
    rows = conn.execute(
        select(iv.id, iv.order_id, iv.shipment_id, sh.id.is_not(None))
        .select_from(t.invoices)
        .outerjoin(t.shipments, sh.id == iv.shipment_id)
        .outerjoin(units, units.c.shipment_id == iv.shipment_id)
        .where(uncredited_invoice(),
               or_(sh.id.is_(None), func.coalesce(units.c.shipped, 0) == 0))
        .order_by(iv.created_at, iv.id))
    return [rc.UnshippedInvoice(row[0], row[1], row[2], bool(row[3])) for row in rows]


def invoiced_lines(conn: Connection) -> list[rc.InvoicedLine]:
    """Invoice lines beside their shipment line and contract price, then the shipped lines an
    invoice of the shipment leaves out."""
    price = t.prices.c
    on_invoice = conn.execute(
        select(il.invoice_id, iv.order_id, iv.shipment_id, il.line_no, il.sku, il.quantity,
               func.coalesce(sl.shipped, 0), il.unit_price, price.unit_price)
        .select_from(t.invoice_lines)
        .join(t.invoices, iv.id == il.invoice_id)
        .join(t.shipments, sh.id == iv.shipment_id)
        .outerjoin(t.shipment_lines, and_(sl.shipment_id == iv.shipment_id,
                                          sl.line_no == il.line_no))
        .outerjoin(t.prices, and_(price.customer_id == iv.customer_id, price.sku == il.sku))
        .where(uncredited_invoice()).order_by(il.invoice_id, il.line_no))
    left_out = conn.execute(
        select(iv.id, iv.order_id, iv.shipment_id, sl.line_no, sl.sku, literal(0), sl.shipped,
               literal(None), literal(None))
        .select_from(t.shipment_lines)
        .join(t.invoices, iv.shipment_id == sl.shipment_id)
        .where(uncredited_invoice(), sl.shipped > 0,
               ~exists().where(il.invoice_id == iv.id, il.line_no == sl.line_no))
        .order_by(iv.id, sl.line_no))
    return [rc.InvoicedLine(row[0], row[1], row[2], row[3], row[4], int(row[5]), int(row[6]),
                            _decimal(row[7]), _decimal(row[8]))
            for row in [*on_invoice, *left_out]]


def duplicate_invoices(conn: Connection) -> list[rc.DuplicateInvoices]:
    twice: Select[Any] = (select(iv.shipment_id).where(uncredited_invoice(),
                                                       iv.shipment_id.is_not(None))
                          .group_by(iv.shipment_id).having(func.count() > 1))
    rows = conn.execute(select(iv.shipment_id, iv.order_id, iv.id)
                        .where(uncredited_invoice(), iv.shipment_id.in_(twice))
                        .order_by(iv.shipment_id, iv.created_at, iv.id))
    found: dict[str, tuple[str, list[str]]] = {}
    for shipment_id, order_id, invoice_id in rows:
        found.setdefault(shipment_id, (order_id, []))[1].append(invoice_id)
    return [rc.DuplicateInvoices(shipment_id, order_id, tuple(ids))
            for shipment_id, (order_id, ids) in found.items()]


def erp_invoice_states(conn: Connection) -> list[rc.ErpInvoiceState]:
    """Invoices (kind invoice) the ERP has said something about, with what it last said."""
    ss = t.system_states.c
    rows = conn.execute(
        select(iv.id, iv.order_id, iv.shipment_id, iv.status, iv.total, ss.value)
        .join(t.system_states, and_(ss.entity == literal("invoice:").concat(iv.id),
                                    ss.state == INVOICE_STATE))
        .where(iv.kind == InvoiceKind.INVOICE.value).order_by(iv.created_at, iv.id))
    return [rc.ErpInvoiceState(row[0], row[1], row[2], InvoiceStatus(row[3]), Decimal(row[4]),
                               row[5] if isinstance(row[5], dict) else {}) for row in rows]


def repairs(conn: Connection, order_ids: Iterable[str]) -> dict[tuple[str, str], datetime]:
    """When each (code, subject) was repaired, from the runs' `ReconciliationFinding` events."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    e = t.order_events.c
    rows = conn.execute(select(e.payload, e.occurred_at).where(
        e.type == ReconciliationFinding.TYPE, e.order_id.in_(ids)).order_by(e.id))
    done: dict[tuple[str, str], datetime] = {}
    for payload, at in rows:
        if isinstance(payload, dict) and payload.get("action") == rc.Action.REPAIRED.value:
            done.setdefault((str(payload.get("code")), str(payload.get("subject"))), at)
    return done


def stored_invoice(conn: Connection, invoice_id: str) -> rc.StoredInvoice | None:
    head = conn.execute(select(iv.id, iv.order_id, iv.shipment_id, iv.customer_id, iv.currency,
                               iv.freight, iv.tax, iv.created_at)
                        .where(iv.id == invoice_id)).first()
    if head is None:
        return None
    lines = conn.execute(select(il.line_no, il.sku, il.quantity, il.unit_price)
                         .where(il.invoice_id == invoice_id).order_by(il.line_no))
    return rc.StoredInvoice(head[0], head[1], head[2], head[3], head[4], Decimal(head[5]),
                            Decimal(head[6]), head[7].date(),
                            tuple(InvoiceLine(*line) for line in lines))


def due_in_a_wave() -> Any:
    """The order holds stock at a site that no wave there released yet: it waits for our own
    next wave there, not for another system."""
    o, res = t.orders.c, t.reservations.alias("due_res").c
    return and_(o.status.in_(stalls.WAVE_DUE),
                exists().where(res.order_id == o.id, unreleased(res)))


def waiting_orders(conn: Connection, changed_before: datetime) -> list[stalls.WaitingOrder]:
    """Orders released or picked, unchanged since before `changed_before`, with no open
    blocking case; whether a carrier accepted a tender for each."""
    o, case, tender = t.orders.c, t.exception_cases.c, t.tenders.c
    owned = exists().where(case.order_id == o.id, case.blocking.is_(True),
                           case.status.in_(OPEN_CASE))
    tendered = exists().where(tender.order_id == o.id, tender.outcome == "accepted")
    rows = conn.execute(select(o.id, o.status, o.updated_at, tendered)
                        .where(o.status.in_(stalls.WAITING), o.updated_at < changed_before,
                               ~owned, ~due_in_a_wave()).order_by(o.updated_at, o.id))
    return [stalls.WaitingOrder(row[0], row[1], row[2], bool(row[3])) for row in rows]


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class SqlReconciliation:
    """The checks bound to the unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def shipped_not_invoiced(self) -> list[rc.UninvoicedShipment]:
        return shipped_not_invoiced(self._conn)

    def unacknowledged_invoices(self, issued_before: datetime
                                ) -> list[rc.UnacknowledgedInvoice]:
        return unacknowledged_invoices(self._conn, issued_before)

    def invoiced_not_shipped(self) -> list[rc.UnshippedInvoice]:
        return invoiced_not_shipped(self._conn)

    def invoiced_lines(self) -> list[rc.InvoicedLine]:
        return invoiced_lines(self._conn)

    def duplicate_invoices(self) -> list[rc.DuplicateInvoices]:
        return duplicate_invoices(self._conn)

    def erp_invoice_states(self) -> list[rc.ErpInvoiceState]:
        return erp_invoice_states(self._conn)

    def repairs(self, order_ids: Iterable[str]) -> dict[tuple[str, str], datetime]:
        return repairs(self._conn, order_ids)

    def stored_invoice(self, invoice_id: str) -> rc.StoredInvoice | None:
        return stored_invoice(self._conn, invoice_id)

    def waiting_orders(self, changed_before: datetime) -> list[stalls.WaitingOrder]:
        return waiting_orders(self._conn, changed_before)


def wave_journeys(engine: Engine, wave_ids: Sequence[str]) -> list[stalls.Journey]:
    """Named query: where each order the waves released stands now."""
    o, wo, case = t.orders.c, t.wave_orders.c, t.exception_cases.c
    open_case = exists().where(case.order_id == o.id, case.blocking.is_(True),
                               case.status.in_(OPEN_CASE))
    with engine.connect() as conn:
        rows = conn.execute(select(o.id, o.status, open_case, due_in_a_wave()).distinct()
                            .join(t.wave_orders, wo.order_id == o.id)
                            .where(wo.outcome == "released", wo.wave_id.in_(list(wave_ids)))
                            .order_by(o.id)).all()
    return [stalls.Journey(row[0], row[1], bool(row[2]), bool(row[3])) for row in rows]
