"""API tokens, stored as keyed hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.engine import WRITE
from shipshape.domain.access import Role
from shipshape.services.auth import Principal


class SqlTokenStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, name: str, role: Role, token_hash: str, at: datetime) -> None:
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(t.api_tokens.insert().values(
                token_hash=token_hash, name=name, role=role.value, created_at=at))

    def find(self, token_hash: str) -> Principal | None:
        c = t.api_tokens.c
        with self._engine.connect() as conn:
            row = conn.execute(select(c.name, c.role).where(c.token_hash == token_hash)).first()
        return Principal(row.name, Role(row.role)) if row else None
