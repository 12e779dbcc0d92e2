"""Returns (RMA) in SQL: the authorisations and their lines, the stock they move back (on hand
with a `return` movement; quarantined or scrapped in `held_stock`, a movement each)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.upsert import add_stock
from shipshape.domain.invoicing import InvoiceKind, InvoiceStatus
from shipshape.domain.returns import (
    HELD_KINDS,
    LIVE,
    InvoicedLine,
    ReturnLine,
    ReturnRecord,
    ReturnStatus,
)

rt, rl = t.returns.c, t.return_lines.c
RETURN = select(t.returns).where(rt.id == bindparam("return_id"))
LOCKED_RETURN = RETURN.with_for_update()
RETURNS_OF_ORDER = (select(t.returns).where(rt.order_id == bindparam("order_id"))
                    .order_by(rt.created_at, rt.id))
LINES = (select(t.return_lines).where(rl.return_id.in_(bindparam("ids", expanding=True)))
         .order_by(rl.return_id, rl.line_no, rl.shipment_id))
COVERED = (select(rl.line_no, rl.shipment_id, func.sum(rl.authorised))
           .join(t.returns, rt.id == rl.return_id)
           .where(rt.order_id == bindparam("order_id"),
                  rt.status.in_([s.value for s in LIVE]))
           .group_by(rl.line_no, rl.shipment_id))
RECEIPT = (update(t.return_lines)
           .where(rl.return_id == bindparam("k_return"), rl.line_no == bindparam("k_line"),
                  rl.shipment_id == bindparam("k_shipment"))
           .values(good=bindparam("good"), damaged=bindparam("damaged"),
                   scrapped=bindparam("scrapped"), accepted=bindparam("accepted")))
CREDIT = (update(t.return_lines)
          .where(rl.return_id == bindparam("k_return"), rl.line_no == bindparam("k_line"),
                 rl.shipment_id == bindparam("k_shipment"))
          .values(credited=bindparam("credited"), credit_note_id=bindparam("note")))
SETTLEMENT = (update(t.return_lines)
              .where(rl.return_id == bindparam("k_return"), rl.line_no == bindparam("k_line"),
                     rl.shipment_id == bindparam("k_shipment"))
              .values(settled=bindparam("settled"), settlement_note_id=bindparam("note")))
MOVEMENT = t.stock_movements.insert()


def _invoiced_query() -> object:
    iv, il = t.invoices.c, t.invoice_lines.c
    notes = t.invoices.alias("notes")
    note_lines = t.invoice_lines.alias("note_lines")
    credited = (select(func.coalesce(func.sum(note_lines.c.quantity), 0))
                .join(notes, notes.c.id == note_lines.c.invoice_id)
                .where(notes.c.credits == iv.id, notes.c.kind == InvoiceKind.CREDIT_NOTE.value,
                       note_lines.c.line_no == il.line_no)
                .scalar_subquery())
    return (select(iv.id, iv.shipment_id, il.line_no, il.sku, il.quantity, il.unit_price,
                   credited)
            .join(t.invoice_lines, il.invoice_id == iv.id)
            .where(iv.shipment_id.in_(bindparam("shipments", expanding=True)),
                   iv.kind == InvoiceKind.INVOICE.value,
                   iv.status != InvoiceStatus.CREDITED.value)
            .order_by(iv.id, il.line_no))


INVOICED = _invoiced_query()


class SqlReturns:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._row_locks = conn.dialect.name == "postgresql"

    def add(self, record: ReturnRecord, at: datetime) -> None:
        self._conn.execute(t.returns.insert(), {
            "id": record.id, "order_id": record.order_id, "customer_id": record.customer_id,
            "status": record.status.value, "reason_code": record.reason, "actor": record.actor,
            "source_event": None, "created_at": at, "updated_at": at})
        self._conn.execute(t.return_lines.insert(), [
            {"return_id": record.id, "line_no": ln.line_no, "shipment_id": ln.shipment_id,
             "site": ln.site, "sku": ln.sku, "authorised": ln.authorised, "good": 0,
             "damaged": 0, "scrapped": 0, "accepted": 0, "credited": 0,
             "credit_note_id": None, "settled": 0, "settlement_note_id": None}
            for ln in record.lines])

    def get(self, return_id: str, lock: bool = False) -> ReturnRecord | None:
        query = LOCKED_RETURN if lock and self._row_locks else RETURN
        row = self._conn.execute(query, {"return_id": return_id}).first()
        return self._records([row])[0] if row else None

    def of_order(self, order_id: str) -> list[ReturnRecord]:
        return self._records(self._conn.execute(RETURNS_OF_ORDER,
                                                {"order_id": order_id}).all())

    def _records(self, rows: Sequence[object]) -> list[ReturnRecord]:
        return records(self._conn, rows)

    def covered(self, order_id: str) -> dict[tuple[int, str], int]:
        return {(line_no, shipment): int(n or 0) for line_no, shipment, n
                in self._conn.execute(COVERED, {"order_id": order_id})}

    def record_receipt(self, return_id: str, lines: Sequence[ReturnLine], status: ReturnStatus,
                       source_event: str, at: datetime) -> None:
        for ln in lines:
            self._conn.execute(RECEIPT, {
                "k_return": return_id, "k_line": ln.line_no, "k_shipment": ln.shipment_id,
                "good": ln.good, "damaged": ln.damaged, "scrapped": ln.scrapped,
                "accepted": ln.accepted})
        self._conn.execute(update(t.returns).where(rt.id == return_id).values(
            status=status.value, source_event=source_event, updated_at=at))

    def record_credit(self, return_id: str, line: ReturnLine, credit_note_id: str) -> None:
        self._conn.execute(CREDIT, {"k_return": return_id, "k_line": line.line_no,
                                    "k_shipment": line.shipment_id, "credited": line.accepted,
                                    "note": credit_note_id})

    def record_settlement(self, return_id: str, line: ReturnLine, units: int,
                          credit_note_id: str) -> None:
        self._conn.execute(SETTLEMENT, {"k_return": return_id, "k_line": line.line_no,
                                        "k_shipment": line.shipment_id, "settled": units,
                                        "note": credit_note_id})

    def set_status(self, return_id: str, status: ReturnStatus, at: datetime) -> None:
        self._conn.execute(update(t.returns).where(rt.id == return_id).values(
            status=status.value, updated_at=at))

    def invoiced(self, shipment_ids: Iterable[str]) -> list[InvoicedLine]:
        ids = sorted(set(shipment_ids))
        if not ids:
            return []
        rows = self._conn.execute(INVOICED, {"shipments": ids})  # type: ignore[call-overload]
        return [InvoicedLine(invoice_id, shipment_id, line_no, sku, int(qty), price,
                             int(credited or 0))
                for invoice_id, shipment_id, line_no, sku, qty, price, credited in rows]

    def restock(self, site: str, sku: str, quantity: int, reference: str,
                at: datetime) -> None:
        if quantity <= 0:
            return
        add_stock(self._conn, t.inventory, site, sku, quantity)
        self._movement(site, sku, "return", quantity, reference, at)

    def hold(self, site: str, sku: str, kind: str, quantity: int, reference: str,
             at: datetime) -> None:
        if quantity <= 0:
            return
        if kind not in HELD_KINDS:
            raise ValueError(f"stock is held as {' or '.join(HELD_KINDS)}, not {kind}")
        column = "quarantined" if kind == "quarantine" else "scrapped"
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        values = {"site": site, "sku": sku, "quarantined": 0, "scrapped": 0, column: quantity}
        stmt = dialect.insert(t.held_stock).values(**values)
        self._conn.execute(stmt.on_conflict_do_update(
            index_elements=["site", "sku"],
            set_={column: t.held_stock.c[column] + stmt.excluded[column]}))
        self._movement(site, sku, kind, quantity, reference, at)

    def _movement(self, site: str, sku: str, kind: str, quantity: int, reference: str,
                  at: datetime) -> None:
        self._conn.execute(MOVEMENT, {"site": site, "sku": sku, "kind": kind,
                                      "quantity": quantity, "lot": None, "reason": reference,
                                      "at": at})


def records(conn: Connection, rows: Sequence[object]) -> list[ReturnRecord]:
    """The returns of `rows` (rows of `returns`) with their lines."""
    found = [row for row in rows if row is not None]
    if not found:
        return []
    lines: dict[str, list[ReturnLine]] = {}
    for ln in conn.execute(LINES, {"ids": [r.id for r in found]}):  # type: ignore[attr-defined]
        lines.setdefault(ln.return_id, []).append(ReturnLine(
            ln.line_no, ln.shipment_id, ln.site, ln.sku, int(ln.authorised), int(ln.good),
            int(ln.damaged), int(ln.scrapped), int(ln.accepted), int(ln.credited),
            ln.credit_note_id, int(ln.settled), ln.settlement_note_id))
    return [ReturnRecord(r.id, r.order_id, r.customer_id,  # type: ignore[attr-defined]
                         ReturnStatus(r.status), r.reason_code,  # type: ignore[attr-defined]
                         r.actor, tuple(lines.get(r.id, ())))  # type: ignore[attr-defined]
            for r in found]
