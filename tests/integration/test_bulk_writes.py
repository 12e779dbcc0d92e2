"""Many-row writes on both stores (`adapters/db/bulk.Bulk`, and an order's reservations, which
PostgreSQL takes in one `UPDATE ... FROM unnest(...)`): every row lands as given, in the given
order, bound through its column's type; a value that does not fit fails the write instead of
being cut short; no rows write nothing; reservations never take more than is free, however
their lines repeat a SKU."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.bulk import Bulk
from shipshape.bootstrap import Container
from shipshape.domain.errors import ConcurrencyConflict
from shipshape.domain.inventory import Reservation
from tests.conftest import BACKENDS

both_stores = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

COLUMNS = ["event_id", "order_id", "stream", "type", "payload", "occurred_at", "request_id"]
INSERT = Bulk(t.order_events.insert(), COLUMNS)
AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def row(n: int, **change: object) -> tuple[object, ...]:
    values = {"event_id": f"evt-{n:04d}", "order_id": "ORD-1", "stream": "ORD-1",
              "type": "Noted", "payload": {"n": n, "text": "ä \u2028 \"quoted\"", "none": None},
              "occurred_at": AT, "request_id": None, **change}
    return tuple(values[name] for name in COLUMNS)


def stored(container: Container) -> list[tuple[object, ...]]:
    e = t.order_events.c
    with container.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(e.event_id, e.payload, e.occurred_at, e.request_id).order_by(e.id))]


@both_stores
def test_many_rows_land_as_given_and_in_their_order(container: Container) -> None:
    rows = [row(n) for n in reversed(range(500))]
    with container.engine.begin() as conn:
        assert INSERT.execute(conn, rows) == 500
    found = stored(container)
    assert [r[0] for r in found] == [f"evt-{n:04d}" for n in reversed(range(500))]
    assert found[0][1:] == ({"n": 499, "text": "ä \u2028 \"quoted\"", "none": None}, AT, None)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_value_too_long_for_its_column_fails_the_write_and_is_not_cut_short(
        container: Container) -> None:
    """PostgreSQL only: SQLite does not hold a VARCHAR to its length."""
    with pytest.raises(DBAPIError), container.engine.begin() as conn:
        INSERT.execute(conn, [row(1), row(2, order_id="O" * 41)])
    assert stored(container) == []


@both_stores
def test_no_rows_write_nothing(container: Container) -> None:
    with container.engine.begin() as conn:
        INSERT.execute(conn, [])
    assert stored(container) == []


def reserve(container: Container, *lines: tuple[str, str, int]) -> None:
    with container.deps.uow() as uow:
        uow.inventory.reserve("ORD-1", [Reservation(n, site, sku, quantity)
                                        for n, (site, sku, quantity) in enumerate(lines, 1)], AT)
        uow.commit()


def stock(container: Container) -> dict[tuple[str, str], tuple[int, int]]:
    with container.deps.uow.reading() as uow:
        return {(p.site, p.sku): (p.on_hand, p.reserved)
                for p in uow.inventory.positions({"SKU1", "SKU2"}, lock=False)}


@both_stores
def test_lines_of_one_sku_reserve_their_sum_and_never_more_than_is_free(
        container: Container) -> None:
    with container.deps.uow() as uow:
        for site, sku in (("DAL", "SKU1"), ("DAL", "SKU2"), ("RNO", "SKU1")):
            uow.inventory.receive(site, sku, 10, None, None, AT)
        uow.commit()
    reserve(container, ("DAL", "SKU1", 6), ("RNO", "SKU1", 3), ("DAL", "SKU1", 4),
            ("DAL", "SKU2", 2))
    assert stock(container) == {("DAL", "SKU1"): (10, 10), ("DAL", "SKU2"): (10, 2),
                                ("RNO", "SKU1"): (10, 3)}
    with pytest.raises(ConcurrencyConflict):  # 4 + 5 of SKU2 at DAL: 8 are free
        reserve(container, ("DAL", "SKU2", 4), ("RNO", "SKU1", 1), ("DAL", "SKU2", 5))
    assert stock(container)[("DAL", "SKU2")] == (10, 2)
    with container.deps.uow.reading() as uow:
        assert uow.inventory.reservations_of("ORD-1") == [
            Reservation(1, "DAL", "SKU1", 6), Reservation(2, "RNO", "SKU1", 3),
            Reservation(3, "DAL", "SKU1", 4), Reservation(4, "DAL", "SKU2", 2)]
