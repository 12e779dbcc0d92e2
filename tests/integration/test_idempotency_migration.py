"""Migration 0009: keys stored before idempotency scopes existed keep answering where their
scope can be told from the key, and the downgrade gives them back their old form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, column, insert, inspect, select, table, text

from shipshape.adapters.db import migrate
from shipshape.adapters.db.engine import make_engine
from tests.conftest import BACKENDS
from tests.worlds.migrations import downgrade

pytestmark = [pytest.mark.parametrize("database_url", BACKENDS, indirect=True),
              pytest.mark.empty_store]
AT = datetime(2026, 11, 1, tzinfo=UTC)
OLD_KEYS = ["webhook:erp:msg-1", "web:W-1", "x12:P1:850-7", "field_sales:F-1", "client-chosen"]


def keys(engine: Engine) -> set[tuple[str, ...]]:
    with engine.connect() as conn:
        columns = "scope, key" if "scope" in _columns(engine) else "key"
        return {tuple(row) for row in conn.execute(text(f"SELECT {columns} FROM idempotency_keys"))}


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("idempotency_keys")}


def test_keys_move_into_their_scopes_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0008")
        with engine.begin() as conn:
            old = table("idempotency_keys", *(column(name) for name in (
                "key", "request_hash", "status_code", "body", "created_at")))
            conn.execute(insert(old), [
                {"key": key, "request_hash": "h", "status_code": 200, "body": "{}",
                 "created_at": AT} for key in OLD_KEYS])

        assert migrate.upgrade(engine) == migrate.head_revision()
        assert keys(engine) == {("webhook:erp", "msg-1"), ("channel:web", "web:W-1"),
                                ("channel:edi", "x12:P1:850-7"),
                                ("channel:field_sales", "field_sales:F-1"),
                                ("legacy", "client-chosen")}
        with engine.connect() as conn:
            assert conn.execute(select(text("count(*)")).select_from(
                text("masterdata_changes"))).scalar_one() == 0

        downgrade(engine, "0008")
        assert keys(engine) == {(key,) for key in OLD_KEYS}
    finally:
        engine.dispose()
