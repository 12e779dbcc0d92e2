"""Named reads of the figures the digital twin compares with its own: cases opened per stage,
units shipped per order, the perfect-order rate (the KPI's definition, `kpi_sources`), expedited
tenders, invoice corrections and whether each promised order arrived on time.

Each reads the store as it stands; none writes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, case, exists, func, select, union

from shipshape.adapters.db import return_tables as rtt
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.kpi_sources import Window, sources
from shipshape.domain.carriers import EXPEDITED
from shipshape.domain.catalogue import CarrierTenderRequested
from shipshape.domain.invoicing import InvoiceKind, InvoiceStatus
from shipshape.domain.orders import OrderStatus

x, sh, sl, td, ev = (t.exception_cases.c, t.shipments.c, t.shipment_lines.c, t.tenders.c,
                     t.order_events.c)
o, p, iv, rl = t.orders.c, t.perfect_orders.c, t.invoices.c, rtt.return_lines.c
ACCEPTED = "accepted"
"""A tender attempt the carrier took (`domain.carriers.TenderAttempt.accepted`)."""

CASES_BY_STAGE = select(x.stage, func.count()).group_by(x.stage)
SHIPPED_UNITS = (select(sh.order_id, func.coalesce(func.sum(sl.shipped), 0))
                 .select_from(t.shipments.outerjoin(t.shipment_lines, sl.shipment_id == sh.id))
                 .group_by(sh.order_id))

_LEVEL_ASKED = (select(ev.payload["service_level"].as_string())
                .where(ev.order_id == td.order_id, ev.type == CarrierTenderRequested.TYPE,
                       ev.occurred_at <= td.at)
                .order_by(ev.id.desc()).limit(1).scalar_subquery())
"""The service level of the tender request an attempt answered: the order's last
`CarrierTenderRequested` at or before the attempt (a desk re-tender asks again)."""
EXPEDITED_TENDERS = select(func.count()).select_from(t.tenders).where(
    td.outcome == ACCEPTED, _LEVEL_ASKED == EXPEDITED)

_RETURN_NOTES = union(select(rl.credit_note_id).where(rl.credit_note_id.is_not(None)),
                      select(rl.settlement_note_id).where(rl.settlement_note_id.is_not(None)))
"""Credit notes a customer's return asked for: no correction of an invoice (`domain/delivery`)."""
CORRECTING_CREDIT_NOTES = select(func.count()).where(
    iv.kind == InvoiceKind.CREDIT_NOTE.value, iv.id.not_in(_RETURN_NOTES))
_later = t.invoices.alias("later")
REBILLED_INVOICES = select(func.count()).where(
    iv.kind == InvoiceKind.INVOICE.value, iv.status == InvoiceStatus.CREDITED.value,
    iv.shipment_id.is_not(None),
    exists().where(_later.c.kind == InvoiceKind.INVOICE.value,
                   _later.c.shipment_id == iv.shipment_id, _later.c.id != iv.id,
                   _later.c.created_at >= iv.created_at))
"""Invoices cancelled by a full credit whose shipment was invoiced again (`crediting`)."""

PROMISES = (select(o.id, func.coalesce(p.promised_by, o.promised_date), p.delivered, p.on_time)
            .select_from(t.orders.outerjoin(t.perfect_orders, p.order_id == o.id))
            .where(o.status != OrderStatus.CANCELLED.value,
                   func.coalesce(p.promised_by, o.promised_date).is_not(None)))
"""Every order with a promise but the cancelled (a cancelled order closes its promise): the
date promised (the perfect-order facts' once shipped, `domain.delivery.promised_by`), whether
every shipment was delivered and whether on time."""


def cases_opened_by_stage(engine: Engine) -> dict[str, int]:
    """Exception cases ever opened (open or closed: every `exception_cases` row), per stage."""
    with engine.connect() as conn:
        return {str(stage): int(n) for stage, n in conn.execute(CASES_BY_STAGE)}


def shipped_units_by_order(engine: Engine) -> dict[str, int]:
    """Per order with a shipment: the units its shipments shipped (`shipment_lines.shipped`),
    over all of its shipments and sites."""
    with engine.connect() as conn:
        return {str(order_id): int(n) for order_id, n in conn.execute(SHIPPED_UNITS)}


def perfect_order_rate(engine: Engine) -> tuple[int, int]:
    """(perfect, counted) over the orders the perfect-order KPI counts: every shipment
    delivered (`perfect_orders`, the KPI's `delivered` records, of all time)."""
    perfect = func.sum(case((p.perfect.is_(True), 1), else_=0))
    query = sources(engine.dialect.name).delivered.select(Window(), None, perfect, func.count())
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return int(row[0] or 0), int(row[1] or 0)


def expedited_tenders(engine: Engine) -> int:
    """Tender attempts a carrier accepted (`tenders.outcome`) for a request at the expedited
    service level (`CarrierTenderRequested.service_level`, `domain.carriers.service_level`)."""
    with engine.connect() as conn:
        return int(conn.execute(EXPEDITED_TENDERS).scalar_one())


def invoice_corrections(engine: Engine) -> int:
    """Credit notes but those a return asked for, plus the invoices credited in full and issued
    again for their shipment (a full credit counts twice: its note and its re-issue)."""
    with engine.connect() as conn:
        notes = int(conn.execute(CORRECTING_CREDIT_NOTES).scalar_one())
        rebilled = int(conn.execute(REBILLED_INVOICES).scalar_one())
    return notes + rebilled


def on_time_by_order(engine: Engine, as_of: datetime) -> dict[str, bool | None]:
    """Per order with a promise (not cancelled): True delivered by the promised date, False
    delivered later or undelivered after it (at `as_of`), None undelivered and still due."""
    today = _utc_day(as_of)
    with engine.connect() as conn:
        return {str(order_id): _on_time(promised, delivered, on_time, today)
                for order_id, promised, delivered, on_time in conn.execute(PROMISES)}


def _on_time(promised: Any, delivered: bool | None, on_time: bool | None,
             today: date) -> bool | None:
    if delivered and on_time is not None:
        return bool(on_time)
    return False if _day(promised) < today else None


def _day(value: Any) -> date:
    """A date column as a date (SQLite may hand back the ISO text of a coalesced date)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _utc_day(moment: datetime) -> date:
    return (moment if moment.tzinfo is None else moment.astimezone(UTC)).date()



_PERFECT_BY_ORDER = select(p.order_id, p.perfect).where(p.delivered.is_(True))


def perfect_by_order(engine: Engine) -> dict[str, bool]:
    """Per order every shipment of which was delivered: whether the perfect-order facts call
    it perfect."""
    with engine.connect() as conn:
        return {str(order_id): bool(perfect)
                for order_id, perfect in conn.execute(_PERFECT_BY_ORDER)}
