"""API tokens, stored as keyed hashes, with their scope; a revoked token is kept (for the
record) and never found again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.engine import WRITE
from shipshape.domain.access import Role
from shipshape.services.auth import Principal, TokenRecord

_t = t.api_tokens.c


class SqlTokenStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, name: str, role: Role, token_hash: str, at: datetime,
            customer_id: str | None = None, team: str | None = None) -> None:
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(t.api_tokens.insert().values(
                token_hash=token_hash, name=name, role=role.value, created_at=at,
                customer_id=customer_id, team=team))

    def find(self, token_hash: str) -> Principal | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(_t.name, _t.role, _t.customer_id, _t.team).where(
                _t.token_hash == token_hash, _t.revoked_at.is_(None))).first()
        return Principal(row.name, Role(row.role), row.customer_id, row.team) if row else None

    def records(self) -> list[TokenRecord]:
        """Every token, live and revoked, by name and creation time."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(
                _t.name, _t.role, _t.customer_id, _t.team, _t.created_at, _t.revoked_at,
            ).order_by(_t.name, _t.created_at, _t.token_hash)).all()
        return [TokenRecord(r.name, Role(r.role), r.customer_id, r.team, r.created_at,
                            r.revoked_at) for r in rows]

    def revoke(self, name: str, at: datetime) -> int:
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            done = conn.execute(t.api_tokens.update().where(
                _t.name == name, _t.revoked_at.is_(None)).values(revoked_at=at))
        return done.rowcount
