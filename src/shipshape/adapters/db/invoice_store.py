"""Invoices and credit notes (`invoices`, `invoice_lines`) and where their posting stands."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from shipshape.adapters.db import tables as t
from shipshape.domain.billing import Invoice, cents
from shipshape.domain.invoicing import InvoiceKind, InvoiceRecord, InvoiceStatus

iv = t.invoices.c
il = t.invoice_lines.c
_COLUMNS = (iv.id, iv.kind, iv.order_id, iv.shipment_id, iv.credits, iv.customer_id, iv.status,
            iv.currency, iv.total, iv.erp_ref, iv.reason, iv.paid)
INVOICE = select(*_COLUMNS).where(iv.id == bindparam("invoice_id"))
LOCKED_INVOICE = INVOICE.with_for_update()
PAID = select(iv.paid).where(iv.id == bindparam("invoice_id"))
INVOICES_OF_ORDER = (select(*_COLUMNS).where(iv.order_id == bindparam("order_id"))
                     .order_by(iv.created_at, iv.id))
LINE_NOS = (select(il.invoice_id, il.line_no)
            .where(il.invoice_id.in_(bindparam("ids", expanding=True))).order_by(il.line_no))
INSERT_INVOICE = t.invoices.insert()
INSERT_INVOICE_LINES = t.invoice_lines.insert()
UPDATE_INVOICE = update(t.invoices).where(iv.id == bindparam("k_id"))
"""The columns it sets are the parameters' other keys."""


class SqlInvoices:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._row_locks = conn.dialect.name == "postgresql"

    def add(self, invoice: Invoice, kind: InvoiceKind, credits: str | None,
            at: datetime) -> None:
        self._conn.execute(INSERT_INVOICE, {
            "id": invoice.number, "kind": kind.value, "order_id": invoice.order_id,
            "shipment_id": invoice.shipment_id, "credits": credits,
            "customer_id": invoice.customer_id, "status": InvoiceStatus.ISSUED.value,
            "currency": invoice.currency, "subtotal": invoice.subtotal,
            "freight": invoice.freight_amount, "tax": invoice.tax_amount,
            "total": invoice.total, "paid": Decimal("0"), "created_at": at, "updated_at": at})
        self._conn.execute(INSERT_INVOICE_LINES, [
            {"invoice_id": invoice.number, "line_no": ln.line_no, "sku": ln.sku,
             "quantity": ln.quantity, "unit_price": ln.unit_price, "amount": ln.amount}
            for ln in invoice.lines])

    def get(self, invoice_id: str, lock: bool = False) -> InvoiceRecord | None:
        query = LOCKED_INVOICE if lock and self._row_locks else INVOICE
        row = self._conn.execute(query, {"invoice_id": invoice_id}).first()
        return self._records([row])[0] if row else None

    def of_order(self, order_id: str) -> list[InvoiceRecord]:
        rows = self._conn.execute(INVOICES_OF_ORDER, {"order_id": order_id}).all()
        return self._records(rows)

    def set_status(self, invoice_id: str, status: InvoiceStatus, at: datetime,
                   erp_ref: str | None = None, reason: str | None = None) -> None:
        values: dict[str, object] = {"status": status.value, "updated_at": at}
        if erp_ref is not None:
            values["erp_ref"] = erp_ref
        if reason is not None:
            values["reason"] = reason
        self._conn.execute(UPDATE_INVOICE, {"k_id": invoice_id, **values})

    def record_payment(self, invoice_id: str, amount: Decimal, at: datetime) -> Decimal:
        """Add `amount` to what was paid of the invoice; returns the paid total."""
        row = self._conn.execute(PAID, {"invoice_id": invoice_id}).one()
        paid = cents(Decimal(row.paid) + amount)
        self._conn.execute(UPDATE_INVOICE, {"k_id": invoice_id, "paid": paid, "paid_at": at,
                                            "updated_at": at})
        return paid

    def _records(self, rows: Sequence[Row[Any]] | Sequence[Any]) -> list[InvoiceRecord]:
        ids = [row.id for row in rows]
        line_nos: dict[str, list[int]] = {}
        if ids:
            for invoice_id, line_no in self._conn.execute(LINE_NOS, {"ids": ids}):
                line_nos.setdefault(invoice_id, []).append(line_no)
        return [InvoiceRecord(
            id=row.id, kind=InvoiceKind(row.kind), order_id=row.order_id,
            shipment_id=row.shipment_id, credits=row.credits, customer_id=row.customer_id,
            status=InvoiceStatus(row.status), currency=row.currency,
            total=cents(Decimal(row.total)), erp_ref=row.erp_ref, reason=row.reason,
            paid=cents(Decimal(row.paid)),
            line_nos=tuple(line_nos.get(row.id, []))) for row in rows]

