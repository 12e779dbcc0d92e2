"""Named reads of the orders delivered, each with its perfect-order facts and, for each part it
failed, the case (or credit note) behind it (`domain/perfect_order_causes.py`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, or_, select

from shipshape.adapters.db.kpi_sources import Sources, Window, iv, o, p, sources, x
from shipshape.adapters.db.paging import Page
from shipshape.domain import perfect_order_causes as pc
from shipshape.domain.invoicing import InvoiceKind
from shipshape.domain.kpis import FailureCount

Row = dict[str, Any]
_PARTS = (p.on_time, p.in_full, p.damage_free, p.invoiced_accurately)


def _delivered(src: Sources, window: Window, perfect: bool | None, *columns: Any
               ) -> Select[Any]:
    query = src.delivered.select(window, None, *columns)
    return query if perfect is None else query.where(p.perfect.is_(perfect))


def failures_in(conn: Connection, src: Sources, window: Window) -> tuple[FailureCount, ...]:
    """The orders delivered in `window` that were not perfect, counted per part they failed
    and its first cause."""
    rows = conn.execute(_delivered(src, window, False, p.order_id, *_PARTS)).all()
    ids = _delivered(src, window, False, p.order_id)
    cases, notes = _cases_of(conn, ids), _credit_notes_of(conn, ids)
    failures = [failure for row in rows for failure in pc.failures_of(
        pc.OrderParts(*row[1:]), cases.get(row[0], ()), notes.get(row[0], ()))]
    return pc.failure_counts(failures)


def order_kpis(engine: Engine, window: Window, perfect: bool | None, limit: int,
               offset: int) -> Page:
    """The orders delivered in `window` (all, or only the perfect or imperfect ones), oldest
    delivery first: their facts, each failure with its cause, and their credit notes."""
    src = sources(engine.dialect.name)
    query = _delivered(src, window, perfect, p.order_id, p.customer_id, o.channel,
                       p.promised_by, p.delivered_at, *_PARTS, p.perfect) \
        .order_by(p.delivered_at, p.order_id)
    counted = select(func.count()).select_from(
        _delivered(src, window, perfect, p.order_id).subquery())
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
        total = int(conn.execute(counted).scalar_one())
        ids = [row["order_id"] for row in rows]
        cases, notes = _cases_of(conn, ids), _credit_notes_of(conn, ids)
    return Page([_order_row(row, cases.get(row["order_id"], ()),
                            notes.get(row["order_id"], ())) for row in rows],
                total, limit, offset)


def _order_row(row: Any, cases: Sequence[pc.OrderCase], notes: Sequence[str]) -> Row:
    parts = pc.OrderParts(row["on_time"], row["in_full"], row["damage_free"],
                          row["invoiced_accurately"])
    return {"order_id": row["order_id"], "customer_id": row["customer_id"],
            "channel": row["channel"], "promised_by": row["promised_by"].isoformat(),
            "delivered_at": row["delivered_at"].isoformat(),
            "on_time": row["on_time"], "in_full": row["in_full"],
            "damage_free": row["damage_free"],
            "invoiced_accurately": row["invoiced_accurately"], "perfect": row["perfect"],
            "failures": [f.as_json() for f in pc.failures_of(parts, cases, notes)],
            "credit_notes": list(notes)}


Ids = Select[Any] | list[str]
"""Orders named, or selected by a statement of their ids."""


def _cases_of(conn: Connection, ids: Ids) -> dict[str, list[pc.OrderCase]]:
    """The cases of the orders `ids` that may cause a failure."""
    query = (select(x.order_id, x.id, x.code, x.opened_at, x.resolution_action)
             .where(x.order_id.in_(ids),
                    or_(x.code.in_(sorted(pc.EVERY_CAUSE_CODE)),
                        x.resolution_action.in_(sorted(pc.CORRECTING_ACTIONS))))
             .order_by(x.order_id, x.opened_at, x.id))
    found: dict[str, list[pc.OrderCase]] = defaultdict(list)
    for order_id, case_id, code, opened_at, action in conn.execute(query):
        found[order_id].append(pc.OrderCase(case_id, code, opened_at, action))
    return found


def _credit_notes_of(conn: Connection, ids: Ids) -> dict[str, list[str]]:
    query = (select(iv.order_id, iv.id)
             .where(iv.order_id.in_(ids),
                    iv.kind == InvoiceKind.CREDIT_NOTE.value)
             .order_by(iv.order_id, iv.created_at, iv.id))
    found: dict[str, list[str]] = defaultdict(list)
    for order_id, note_id in conn.execute(query):
        found[order_id].append(note_id)
    return found
