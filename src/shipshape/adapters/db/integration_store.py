"""Dead letters, saga steps and the versions of externally owned state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shipshape.adapters.db import tables as t
from shipshape.services.ports import DeadLetter, NewDeadLetter, SagaStep

dl = t.dead_letters.c
OPEN, REPLAYED = "open", "replayed"
UNFINISHED = ("running", "compensating")


def _dialect(conn: Connection) -> Any:
    return postgresql if conn.dialect.name == "postgresql" else sqlite


def dead_letter_of(row: Row[Any]) -> DeadLetter:
    return DeadLetter(
        id=row.id, consumer=row.consumer, event_id=row.event_id, subject=row.subject,
        key=row.msg_key, payload=row.payload.encode(), headers=dict(row.headers or {}),
        system=row.system, operation=row.operation, error=row.error, attempts=row.attempts,
        case_id=row.case_id, status=row.status, created_at=row.created_at,
        replayed_at=row.replayed_at)


class SqlDeadLetters:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, letter: NewDeadLetter, at: datetime) -> int:
        values = {
            "consumer": letter.consumer, "event_id": letter.event_id,
            "subject": letter.subject, "msg_key": letter.key,
            "payload": letter.payload.decode("utf-8", "replace"),
            "headers": dict(letter.headers), "system": letter.system,
            "operation": letter.operation, "error": letter.error, "attempts": letter.attempts,
            "case_id": letter.case_id, "status": OPEN, "created_at": at}
        new_id = self._conn.execute(t.dead_letters.insert().values(values)
                                    .returning(dl.id)).scalar_one()
        return int(new_id)

    def get(self, letter_id: int) -> DeadLetter | None:
        row = self._conn.execute(select(t.dead_letters).where(dl.id == letter_id)).first()
        return dead_letter_of(row) if row else None

    def open(self, limit: int) -> list[DeadLetter]:
        rows = self._conn.execute(select(t.dead_letters).where(dl.status == OPEN)
                                  .order_by(dl.id).limit(limit)).all()
        return [dead_letter_of(row) for row in rows]

    def mark_replayed(self, letter_id: int, at: datetime) -> bool:
        done = self._conn.execute(
            update(t.dead_letters).where(dl.id == letter_id, dl.status == OPEN)
            .values(status=REPLAYED, replayed_at=at).returning(dl.id)).first()
        return done is not None


class SqlSagas:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def start(self, saga_id: str, kind: str, at: datetime) -> bool:
        stmt = _dialect(self._conn).insert(t.sagas).values(
            id=saga_id, kind=kind, status="running", error="", created_at=at, updated_at=at)
        inserted = self._conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"])
                                      .returning(t.sagas.c.id)).first()
        return inserted is not None

    def status(self, saga_id: str) -> str | None:
        value = self._conn.execute(select(t.sagas.c.status)
                                   .where(t.sagas.c.id == saga_id)).scalar()
        return str(value) if value is not None else None

    def set_status(self, saga_id: str, status: str, at: datetime, error: str = "") -> None:
        self._conn.execute(update(t.sagas).where(t.sagas.c.id == saga_id)
                           .values(status=status, error=error, updated_at=at))

    def steps(self, saga_id: str) -> list[SagaStep]:
        c = t.saga_steps.c
        rows = self._conn.execute(select(t.saga_steps).where(c.saga_id == saga_id)
                                  .order_by(c.step_no)).all()
        return [SagaStep(r.saga_id, r.step_no, r.name, r.status, dict(r.data)) for r in rows]

    def record_step(self, step: SagaStep, at: datetime) -> None:
        values = {"saga_id": step.saga_id, "step_no": step.step_no, "name": step.name,
                  "status": step.status, "data": dict(step.data), "updated_at": at}
        stmt = _dialect(self._conn).insert(t.saga_steps).values(values)
        self._conn.execute(stmt.on_conflict_do_update(
            index_elements=["saga_id", "step_no"],
            set_={"status": step.status, "data": dict(step.data), "updated_at": at}))

    def unfinished(self, kind: str) -> list[str]:
        c = t.sagas.c
        rows = self._conn.execute(select(c.id).where(c.kind == kind, c.status.in_(UNFINISHED))
                                  .order_by(c.created_at, c.id)).all()
        return [row.id for row in rows]


ss = t.system_states.c
STATE_VERSION = select(ss.version).where(ss.entity == bindparam("entity"),
                                         ss.state == bindparam("state"))
LOCKED_STATE_VERSION = STATE_VERSION.with_for_update()


def _put_state(dialect: Any) -> Any:
    stmt = dialect.insert(t.system_states)
    return stmt.on_conflict_do_update(
        index_elements=["entity", "state"],
        set_={name: stmt.excluded[name] for name in ("system", "version", "value", "updated_at")})


PUT_STATE = {"postgresql": _put_state(postgresql), "sqlite": _put_state(sqlite)}


class SqlSystemStates:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def version(self, entity: str, state: str, lock: bool) -> datetime | None:
        locks = lock and self._conn.dialect.name == "postgresql"
        value: datetime | None = self._conn.execute(
            LOCKED_STATE_VERSION if locks else STATE_VERSION,
            {"entity": entity, "state": state}).scalar()
        return value

    def put(self, entity: str, state: str, system: str, version: datetime,
            value: Mapping[str, object], at: datetime) -> None:
        self._conn.execute(PUT_STATE[self._conn.dialect.name], {
            "entity": entity, "state": state, "system": system, "version": version,
            "value": dict(value), "updated_at": at})
