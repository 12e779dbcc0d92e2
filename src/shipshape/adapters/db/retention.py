"""Retention: the named queries that count and delete what has outlived its use.

* `idempotency_keys`: stored answers older than the cutoff (a client retrying later than that
  is answered anew, and intake's duplicate check by customer PO still holds).
* `outbox`: rows delivered (`delivered_at` set: every consumer applied or dead-lettered the
  event) before the cutoff. A row published and not yet delivered is still owed and stays.
* `inbox`: rows applied before the cutoff whose event's outbox row is gone or delivered: an
  inbox row must outlive every possible redelivery of its event, or a late redelivery would be
  applied twice.
* `edi_documents`: documents received or sent before the cutoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, Table, delete, exists, func, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.engine import WRITE
from shipshape.adapters.db.errors import translated

KINDS = ("idempotency_keys", "inbox", "outbox", "edi_documents")
"""In the order they are purged: an inbox row goes before (or with) its outbox row."""


@dataclass(frozen=True, slots=True)
class _Rule:
    table: Table
    condition: ColumnElement[bool]


def _rules(cutoff: datetime) -> Mapping[str, _Rule]:
    ob, inbox = t.outbox.c, t.inbox.c
    still_owed = exists().where(ob.event_id == inbox.event_id, ob.delivered_at.is_(None))
    return {
        "idempotency_keys": _Rule(t.idempotency_keys,
                                  t.idempotency_keys.c.created_at < cutoff),
        "inbox": _Rule(t.inbox, (inbox.processed_at < cutoff) & ~still_owed),
        "outbox": _Rule(t.outbox, ob.delivered_at.is_not(None) & (ob.delivered_at < cutoff)),
        "edi_documents": _Rule(t.edi_documents, t.edi_documents.c.created_at < cutoff),
    }


class SqlRetention:
    """`services.retention.RetentionStore` over the store's engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def count_older(self, cutoff: datetime) -> dict[str, int]:
        """How many rows of each kind the purge at `cutoff` would remove."""
        rules = _rules(cutoff)
        with translated(), self._engine.connect() as conn:
            return {kind: int(conn.execute(select(func.count()).select_from(rule.table)
                                           .where(rule.condition)).scalar_one())
                    for kind, rule in rules.items()}

    def purge_older(self, cutoff: datetime) -> dict[str, int]:
        """Delete them, one transaction per kind; how many rows of each kind went."""
        removed: dict[str, int] = {}
        for kind, rule in _rules(cutoff).items():
            with translated(), self._engine.connect().execution_options(
                    **{WRITE: True}) as conn, conn.begin():
                removed[kind] = conn.execute(delete(rule.table).where(rule.condition)).rowcount
        return removed
