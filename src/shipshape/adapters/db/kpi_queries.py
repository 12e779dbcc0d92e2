"""Named reads of the KPIs (`domain/kpis.py`): each measure counted in SQL for the whole period
and per group of each dimension asked for (`kpi_report`), and the orders delivered with their
perfect-order facts and the cases behind each failure (`order_kpis`).

Counts, sums of minutes and the perfect-order parts are aggregated by the database. Amounts are
grouped by value and counted there, then added up exactly here (SQLite keeps them as text, and
would add them as floats); durations come back one per closed case, for their p90.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, case, func

from shipshape.adapters.db.kpi_sources import (
    Source,
    Sources,
    Window,
    iv,
    o,
    p,
    seconds_between,
    sources,
    x,
)
from shipshape.adapters.db.perfect_order_failures import failures_in
from shipshape.adapters.money import minor_unit
from shipshape.domain import kpis as k
from shipshape.domain.kpis import Dimension, Measure

Key = str | None


class Counted(dict[Key, k.Figure]):
    """A measure's figure per group; a group without its records gets `absent`."""

    def __init__(self, found: Mapping[Key, k.Figure], absent: k.Figure) -> None:
        super().__init__(found)
        self.absent = absent

    def __missing__(self, key: Key) -> k.Figure:
        return self.absent


def kpi_report(engine: Engine, window: Window, by: Sequence[Dimension],
               currency: str) -> k.KpiReport:
    """Every KPI of the period, in all and per group of each dimension in `by`."""
    src = sources(engine.dialect.name)
    with engine.connect() as conn:
        totals = _totals(conn, src, window)
        breakdowns = tuple(_breakdown(conn, src, window, dimension) for dimension in by)
        failures = failures_in(conn, src, window)
    credit = totals.measures[Measure.CREDIT_NOTES]
    currencies = {currency, *(credit.amounts if isinstance(credit, k.CreditNotes) else ())}
    return k.KpiReport(window.start, window.end, currency, window.customer_id, totals,
                       failures, breakdowns, {c: minor_unit(c) for c in currencies})


def _totals(conn: Connection, src: Sources, window: Window) -> k.Figures:
    return k.Figures({m: count(conn, src, window, None)[None] for m, count in MEASURES.items()})


def _breakdown(conn: Connection, src: Sources, window: Window, by: Dimension) -> k.Breakdown:
    measured = {m: count(conn, src, window, by) for m, count in MEASURES.items()
                if k.not_applicable(m, by) is None}
    keys = sorted({key for found in measured.values() for key in found},
                  key=lambda key: (key is None, key or ""))
    groups = tuple(k.Group(key, k.Figures({
        m: measured[m][key] if m in measured else None for m in Measure}))
        for key in keys)
    return k.Breakdown(by, groups)


def _rows(conn: Connection, source: Source, window: Window, by: Dimension | None,
          *columns: Any, extra: Sequence[Any] = (), group: bool = True
          ) -> list[tuple[Key, tuple[Any, ...]]]:
    """(key, the other columns) per row; the key is None for every row without `by`. `extra`
    columns are grouped by too."""
    if by is not None and by in source.constants:
        return [(source.constants[by], row) for _, row in _rows(
            conn, source, window, None, *columns, extra=extra, group=group)]
    query = source.select(window, by, *columns, *extra, group=group)
    if extra:
        query = query.group_by(*extra)
    rows = conn.execute(query).all()
    if by is None:
        return [(None, tuple(row)) for row in rows]
    name = source.relabel.get(by, _text)
    return [(name(row[0]), tuple(row[1:])) for row in rows]


def _text(value: Any) -> Key:
    return None if value is None else str(value)


def _single(rows: list[tuple[Key, tuple[Any, ...]]]) -> dict[Key, int]:
    """One count per key (the counts of keys named alike added up)."""
    counted: dict[Key, int] = defaultdict(int)
    for key, row in rows:
        counted[key] += int(row[0] or 0)
    return dict(counted)


def _exceptions(conn: Connection, src: Sources, window: Window, by: Dimension | None) -> Counted:
    cases = _single(_rows(conn, src.opened, window, by, func.count()))
    if by in k.PER_ORDER_TOTAL:  # an order has no stage (...): its cases count against all
        every = _single(_rows(conn, src.orders, window, None, func.count())).get(None, 0)
        return Counted({key: k.Exceptions(n, every) for key, n in cases.items()},
                       k.Exceptions(0, every))
    orders = _single(_rows(conn, src.orders, window, by, func.count(func.distinct(o.id))))
    return Counted({key: k.Exceptions(cases.get(key, 0), orders.get(key, 0),
                                      rated=by is None or key is not None)
                    for key in {*orders, *cases}}, k.Exceptions())


def _yes(column: Any) -> Any:
    return func.sum(case((column.is_(True), 1), else_=0))


def _perfect_orders(conn: Connection, src: Sources, window: Window,
                    by: Dimension | None) -> Counted:
    rows = _rows(conn, src.delivered, window, by, func.count(), _yes(p.perfect),
                 _yes(p.on_time), _yes(p.in_full), _yes(p.damage_free),
                 _yes(p.invoiced_accurately))
    return Counted({key: k.PerfectOrders(*(int(v or 0) for v in row)) for key, row in rows},
                   k.PerfectOrders())


def _case_work(conn: Connection, src: Sources, window: Window, by: Dimension | None) -> Counted:
    costs = _rows(conn, src.closed, window, by, func.count(), func.sum(x.cost_rework_minutes),
                  extra=(x.cost_expedited_freight, x.cost_invoice_correction))
    closed: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    freight: dict[Key, list[tuple[Decimal, int]]] = defaultdict(list)
    correction: dict[Key, list[tuple[Decimal, int]]] = defaultdict(list)
    for key, (n, minutes, expedited, corrected) in costs:
        closed[key][0] += int(n)
        closed[key][1] += int(minutes or 0)
        freight[key].append((Decimal(expedited), int(n)))
        correction[key].append((Decimal(corrected), int(n)))
    took: dict[Key, list[float]] = defaultdict(list)
    duration = seconds_between(x.opened_at, x.resolved_at, conn.dialect.name)
    for key, (seconds,) in _rows(conn, src.closed, window, by, duration, group=False):
        took[key].append(float(round(float(seconds))))
    return Counted({key: k.CaseWork(n, minutes, k.total(freight[key]), k.total(correction[key]),
                                    tuple(took[key])) for key, (n, minutes) in closed.items()},
                   k.CaseWork())


def _credit_notes(conn: Connection, src: Sources, window: Window,
                  by: Dimension | None) -> Counted:
    rows = _rows(conn, src.credit_notes, window, by, func.count(),
                 extra=(iv.currency, iv.total))
    count: dict[Key, int] = defaultdict(int)
    amounts: dict[Key, dict[str, list[tuple[Decimal, int]]]] = defaultdict(
        lambda: defaultdict(list))
    for key, (n, currency, amount) in rows:
        count[key] += int(n)
        amounts[key][str(currency)].append((Decimal(amount), int(n)))
    return Counted({key: k.CreditNotes(n, {c: k.total(a) for c, a in amounts[key].items()})
                    for key, n in count.items()}, k.CreditNotes())


def _integration(conn: Connection, src: Sources, window: Window,
                 by: Dimension | None) -> Counted:
    calls = _single(_rows(conn, src.calls, window, by, func.count()))
    for key, n in _single(_rows(conn, src.tenders, window, by, func.count())).items():
        calls[key] = calls.get(key, 0) + n
    letters = _single(_rows(conn, src.dead_letters, window, by, func.count()))
    return Counted({key: k.Integration(calls.get(key, 0), letters.get(key, 0))
                    for key in {*calls, *letters}}, k.Integration())


Count = Callable[[Connection, Sources, Window, Dimension | None], Counted]
MEASURES: Mapping[Measure, Count] = {
    Measure.EXCEPTIONS: _exceptions, Measure.PERFECT_ORDER: _perfect_orders,
    Measure.CASE_WORK: _case_work, Measure.CREDIT_NOTES: _credit_notes,
    Measure.INTEGRATION: _integration}
