"""The relay's side of the outbox, the consumers' inbox, and the outbox lag query.

**Commit order.** `SqlEventLog` (order_store.py) writes the outbox rows of a transaction just
before it commits, after `lock_outbox`. On PostgreSQL that takes one transaction-level advisory
lock (`pg_advisory_xact_lock(OUTBOX_LOCK)`), held until the transaction ends, so that outbox
inserts are serialised: a transaction gets its ids only after every transaction that inserted
before it has committed or rolled back, and ids are therefore in commit order. A row the relay
sees therefore has no lower id still to come; the relay reads *unsent* rows (not "rows after a
cursor"), so even a row that appeared late could not be skipped, only published late. SQLite
serialises writers already (`BEGIN IMMEDIATE`, and one writer lock per process), so no lock is
taken there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shipshape.adapters.db import tables as t
from shipshape.adapters.messaging import event_subject
from shipshape.services.ports import OutboxLag, OutboxMessage, OwedEvent, OwedEvents

OUTBOX_LOCK = 0x5348_4950_4F42_5831
"""The advisory lock key that serialises outbox inserts on PostgreSQL ("SHIPOBX1")."""
TOPIC_PREFIX = "order."
IN_LIST = 500
"""Ids per `IN (...)` list: SQLite allows 999 bound parameters in a statement by default."""

ob = t.outbox.c
UNSENT = ob.published_at.is_(None)
OWED = ob.published_at.is_not(None) & ob.delivered_at.is_(None)
LAG = select(func.count(), func.min(ob.created_at)).select_from(t.outbox).where(UNSENT)
OWED_LAG = select(func.count(), func.min(ob.created_at)).select_from(t.outbox).where(OWED)


def lock_outbox(conn: Connection) -> None:
    """Serialise outbox inserts until this transaction ends (PostgreSQL; SQLite already is)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(OUTBOX_LOCK)))


def topic_of(event_type: str) -> str:
    return TOPIC_PREFIX + event_type


class SqlOutbox:
    """Unsent rows in id order, each with the subject it is published on."""

    def __init__(self, conn: Connection, subject_prefix: str = "shipshape",
                 partitions: int = 1) -> None:
        self._conn = conn
        self._prefix = subject_prefix
        self._partitions = partitions

    def unsent(self, limit: int) -> list[OutboxMessage]:
        out = []
        for row in self._conn.execute(UNSENT_PAGE, {"limit": limit}):
            event_type = row.topic.removeprefix(TOPIC_PREFIX)
            out.append(OutboxMessage(row.id, row.event_id, event_type, row.stream,
                                     self._subject(event_type, row.stream), row.payload,
                                     row.created_at))
        return out

    def mark_published(self, positions: Sequence[int], at: datetime) -> None:
        if positions:
            self._conn.execute(MARK_PUBLISHED, {"ids": list(positions), "at": at})

    def lag(self) -> OutboxLag:
        return _lag(self._conn)

    def owed(self, limit: int, after: int = 0) -> list[OwedEvent]:
        out = []
        for row in self._conn.execute(OWED_PAGE, {"after": after, "limit": limit}):
            event_type = row.topic.removeprefix(TOPIC_PREFIX)
            out.append(OwedEvent(row.id, row.event_id, event_type, row.stream,
                                 self._subject(event_type, row.stream), row.created_at))
        return out

    def owed_lag(self) -> OwedEvents:
        count, oldest = self._conn.execute(OWED_LAG).one()
        return OwedEvents(int(count or 0), oldest)

    def mark_delivered(self, positions: Sequence[int], at: datetime) -> None:
        if positions:
            self._conn.execute(update(t.outbox).where(ob.id.in_(list(positions)), OWED)
                               .values(delivered_at=at))

    def rewind_owed(self) -> int:
        """Make every owed row unsent again, so that the relay publishes it once more."""
        return self._conn.execute(update(t.outbox).where(OWED).values(published_at=None)
                                  ).rowcount or 0

    def _subject(self, event_type: str, stream: str) -> str:
        return event_subject(event_type, stream, self._prefix, self._partitions)


APPLIED = select(t.inbox.c.event_id).where(
    t.inbox.c.consumer == bindparam("consumer"),
    t.inbox.c.event_id.in_(bindparam("ids", expanding=True)))
UNSENT_PAGE = (select(ob.id, ob.event_id, ob.topic, ob.stream, ob.payload, ob.created_at)
               .where(UNSENT).order_by(ob.id).limit(bindparam("limit")))
OWED_PAGE = (select(ob.id, ob.event_id, ob.topic, ob.stream, ob.created_at)
             .where(OWED, ob.id > bindparam("after")).order_by(ob.id).limit(bindparam("limit")))
MARK_PUBLISHED = (update(t.outbox).where(ob.id.in_(bindparam("ids", expanding=True)), UNSENT)
                  .values(published_at=bindparam("at")))


def _record_in_inbox(dialect: Any) -> Any:
    # RETURNING, not rowcount: psycopg 3 reports -1 for an INSERT ... ON CONFLICT DO NOTHING.
    return (dialect.insert(t.inbox).on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(t.inbox.c.event_id))


RECORD_IN_INBOX = {"postgresql": _record_in_inbox(postgresql), "sqlite": _record_in_inbox(sqlite)}


class SqlInbox:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, consumer: str, event_id: str, at: datetime) -> bool:
        """Insert-or-nothing. On PostgreSQL a concurrent insert of the same pair makes this wait
        for that transaction: it returns False if that one commits, True if it rolls back."""
        inserted = self._conn.execute(RECORD_IN_INBOX[self._conn.dialect.name], {
            "consumer": consumer, "event_id": event_id, "processed_at": at}).first()
        return inserted is not None

    def seen(self, consumer: str, event_id: str) -> bool:
        ib = t.inbox.c
        found = self._conn.execute(select(ib.event_id).where(
            ib.consumer == consumer, ib.event_id == event_id)).first()
        return found is not None

    def applied(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(event_ids), IN_LIST):
            chunk = list(event_ids[start:start + IN_LIST])
            found.update(self._conn.execute(APPLIED, {"consumer": consumer, "ids": chunk})
                         .scalars())
        return found


def _lag(conn: Connection) -> OutboxLag:
    count, oldest = conn.execute(LAG).one()
    return OutboxLag(int(count or 0), oldest)


def outbox_lag(engine: Engine) -> OutboxLag:
    """Named query: how many outbox rows wait to be published, and since when the oldest."""
    with engine.connect() as conn:
        return _lag(conn)
