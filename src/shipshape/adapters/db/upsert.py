"""INSERT ... ON CONFLICT DO UPDATE for both dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, update
from sqlalchemy.dialects import postgresql, sqlite


def upsert_row(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    keys = [c.name for c in table.primary_key.columns]
    stmt = dialect.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys}
    if changes:
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))
    else:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=keys))


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

