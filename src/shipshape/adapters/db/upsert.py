"""INSERT ... ON CONFLICT DO UPDATE for both dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Executable, Table, update
from sqlalchemy.dialects import postgresql, sqlite


def upsert_row(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """Insert `values` as a row of `table`, or update the row with the same primary key.

    The statement is built once for each table and set of columns: its values are bound at
    execution, so running it again costs neither a new statement nor a new cache key."""
    shape = (conn.dialect.name, table, tuple(values))
    stmt = _UPSERTS.get(shape)
    if stmt is None:
        stmt = _UPSERTS[shape] = _upsert(conn.dialect.name, table, shape[2])
    conn.execute(stmt, values)


_UPSERTS: dict[tuple[str, Table, tuple[str, ...]], Executable] = {}


def _upsert(dialect_name: str, table: Table, names: tuple[str, ...]) -> Executable:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    keys = [c.name for c in table.primary_key.columns]
    stmt: Any = dialect.insert(table)
    changes = {name: stmt.excluded[name] for name in names if name not in keys}
    upsert: Executable = (stmt.on_conflict_do_update(index_elements=keys, set_=changes)
                          if changes else stmt.on_conflict_do_nothing(index_elements=keys))
    return upsert


def add_stock(conn: Connection, table: Table, site: str, sku: str, delta: int) -> None:
    """Atomically add `delta` to on hand, creating the row when it is the first movement."""
    if delta < 0:
        # An insert would be checked against the constraint before the conflict is seen.
        conn.execute(update(table).where(table.c.site == site, table.c.sku == sku)
                     .values(on_hand=table.c.on_hand + delta))
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(site=site, sku=sku, on_hand=delta, reserved=0)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["site", "sku"], set_={"on_hand": table.c.on_hand + stmt.excluded.on_hand}))

