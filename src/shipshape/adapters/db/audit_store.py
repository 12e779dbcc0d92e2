"""The audit chain in the store (`audit_log`): appended with the events it records, read in id
order to verify, and by subject.

Entries are appended in `SqlEventLog.flush`, after the outbox lock (`lock_outbox`), so on
PostgreSQL one transaction at a time reads the last entry and chains onto it, and on SQLite
the single writer does the same. Ids are given here, the last id plus one, never by a sequence:
a sequence skips the numbers of a rolled-back transaction, and a gap must mean a deletion.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.bulk import Bulk
from shipshape.adapters.db.paging import Page, page_of
from shipshape.domain.audit import GENESIS, AuditEntry, ChainedEntry, chained

au = t.audit_log.c
ENTRY_COLUMNS = ("at", "actor", "action", "subject_type", "subject_id", "cause", "before",
                 "after", "rule_version", "event_id")
LAST = select(au.id, au.hash).order_by(au.id.desc()).limit(1)
INSERT = Bulk(t.audit_log.insert(), ("id", *ENTRY_COLUMNS, "previous", "hash"))
"""Every column is text but the id: what is stored is what was hashed."""
PAGE_OF_CHAIN = (select(au.id, *(au[name] for name in ENTRY_COLUMNS), au.previous, au.hash)
                 .where(au.id > bindparam("after")).order_by(au.id).limit(bindparam("size")))
VERIFY_PAGE = 10_000


def append_audit(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    """Chain `entries` onto the last entry; call it holding the outbox lock."""
    if not entries:
        return
    last = conn.execute(LAST).first()
    last_id, last_hash = (int(last.id), str(last.hash)) if last else (0, GENESIS)
    INSERT.execute(conn, [
        (last_id + n, *stored, previous, digest)
        for n, (stored, previous, digest) in enumerate(chained(last_hash, entries), start=1)])


def audit_chain(engine: Engine, page: int = VERIFY_PAGE) -> Iterator[ChainedEntry]:
    """Every entry in id order, read a page at a time."""
    after = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(PAGE_OF_CHAIN, {"after": after, "size": page}).all()
        for row in rows:
            yield ChainedEntry(row[0], row[1:11], row[11], row[12])
        if len(rows) < page:
            return
        after = rows[-1].id


def audit_of(engine: Engine, subject_id: str, subject_type: str | None, limit: int,
             offset: int) -> Page:
    """The entries about one subject (a case, an order, a wave), oldest first."""
    query = select(t.audit_log).where(au.subject_id == subject_id)
    if subject_type:
        query = query.where(au.subject_type == subject_type)
    return page_of(engine, query.order_by(au.id), limit, offset, _shape)


def _shape(row: Any) -> dict[str, Any]:
    return {**row, "before": json.loads(row["before"]), "after": json.loads(row["after"])}
