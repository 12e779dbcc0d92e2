"""Named reads of returns (RMA) for the API and the CLI."""

from __future__ import annotations

from sqlalchemy import Engine

from shipshape.adapters.db.return_store import RETURN, RETURNS_OF_ORDER, records
from shipshape.domain.returns import ReturnRecord


def get_return(engine: Engine, return_id: str) -> ReturnRecord | None:
    with engine.connect() as conn:
        row = conn.execute(RETURN, {"return_id": return_id}).first()
        found = records(conn, [row]) if row is not None else []
    return found[0] if found else None


def returns_of_order(engine: Engine, order_id: str) -> list[ReturnRecord]:
    with engine.connect() as conn:
        return records(conn, conn.execute(RETURNS_OF_ORDER, {"order_id": order_id}).all())
