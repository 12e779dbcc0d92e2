"""The unit of work: one connection, one transaction, every store bound to it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine

from shipshape.adapters.db.commit_wake import wake_of
from shipshape.adapters.db.communication_store import SqlContacts
from shipshape.adapters.db.consistency_queries import SqlConsistency
from shipshape.adapters.db.delivery_store import SqlDeliveries
from shipshape.adapters.db.desk_store import SqlCaseDesk
from shipshape.adapters.db.edi_store import SqlEdi
from shipshape.adapters.db.engine import WRITE, is_sqlite
from shipshape.adapters.db.errors import translate_error, translated
from shipshape.adapters.db.integration_store import SqlDeadLetters, SqlSagas, SqlSystemStates
from shipshape.adapters.db.inventory_store import SqlInventory
from shipshape.adapters.db.invoice_store import SqlInvoices
from shipshape.adapters.db.masterdata_store import SqlMasterData
from shipshape.adapters.db.order_change_store import SqlOrderChanges
from shipshape.adapters.db.order_store import (
    SqlCases,
    SqlCredit,
    SqlEventLog,
    SqlIdempotency,
    SqlOrders,
)
from shipshape.adapters.db.outbox_store import SqlInbox, SqlOutbox
from shipshape.adapters.db.pick_store import SqlPicks
from shipshape.adapters.db.reconcile_queries import SqlReconciliation
from shipshape.adapters.db.return_store import SqlReturns
from shipshape.adapters.db.risk_queries import SqlRiskHistory
from shipshape.adapters.db.shipment_store import SqlShipments
from shipshape.adapters.db.tender_store import SqlTenders
from shipshape.adapters.db.wave_store import SqlWaves
from shipshape.adapters.db.writer_lock import writer_lock_of


class SqlUnitOfWork:
    orders: SqlOrders
    masterdata: SqlMasterData
    inventory: SqlInventory
    credit: SqlCredit
    cases: SqlCases
    desk: SqlCaseDesk
    events: SqlEventLog
    idempotency: SqlIdempotency
    edi: SqlEdi
    outbox: SqlOutbox
    inbox: SqlInbox
    dead_letters: SqlDeadLetters
    sagas: SqlSagas
    system_states: SqlSystemStates
    picks: SqlPicks
    waves: SqlWaves
    tenders: SqlTenders
    changes: SqlOrderChanges
    shipments: SqlShipments
    deliveries: SqlDeliveries
    invoices: SqlInvoices
    reconciliation: SqlReconciliation
    consistency: SqlConsistency
    returns: SqlReturns
    risk_history: SqlRiskHistory

    def __init__(self, engine: Engine, writer_lock: AbstractContextManager[Any],
                 subject_prefix: str = "shipshape", partitions: int = 1,
                 writes: bool = True, on_events: Callable[[], None] = lambda: None) -> None:
        self._engine = engine
        self._on_events = on_events
        self._writer_lock = writer_lock
        self._writes = writes
        self._subject_prefix = subject_prefix
        self._partitions = partitions
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        self._writer_lock.__enter__()
        try:
            with translated():
                conn = self._engine.connect().execution_options(**{WRITE: self._writes})
                conn.begin()
        except BaseException:
            self._writer_lock.__exit__(None, None, None)
            raise
        self._conn = conn
        self.orders = SqlOrders(conn)
        self.masterdata = SqlMasterData(conn)
        self.inventory = SqlInventory(conn)
        self.credit = SqlCredit(conn)
        self.cases = SqlCases(conn)
        self.desk = SqlCaseDesk(conn)
        self.events = SqlEventLog(conn)
        self.idempotency = SqlIdempotency(conn)
        self.edi = SqlEdi(conn)
        self.outbox = SqlOutbox(conn, self._subject_prefix, self._partitions)
        self.inbox = SqlInbox(conn)
        self.dead_letters = SqlDeadLetters(conn)
        self.sagas = SqlSagas(conn)
        self.system_states = SqlSystemStates(conn)
        self.picks = SqlPicks(conn)
        self.waves = SqlWaves(conn)
        self.tenders = SqlTenders(conn)
        self.changes = SqlOrderChanges(conn)
        self.shipments = SqlShipments(conn)
        self.deliveries = SqlDeliveries(conn)
        self.invoices = SqlInvoices(conn)
        self.reconciliation = SqlReconciliation(conn)
        self.consistency = SqlConsistency(conn)
        self.returns = SqlReturns(conn)
        self.contacts = SqlContacts(conn)
        self.risk_history = SqlRiskHistory(conn)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.rollback()
            if self._conn is not None:
                self._conn.close()
        finally:
            self._conn = None
            self._writer_lock.__exit__(None, None, None)
        mapped = translate_error(exc) if exc is not None else None
        if mapped is not None:
            raise mapped from exc

    def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit outside the unit of work")
        if not self._writes:
            raise RuntimeError("a unit of work for reading cannot commit")
        with translated():
            wrote_events = self.events.flush()
            self._conn.commit()
        if wrote_events:
            self._on_events()

    def savepoint(self) -> AbstractContextManager[object]:
        """A SAVEPOINT: work inside it that raises is undone, the transaction goes on. Append
        events after it: their outbox rows wait for the commit."""
        if self._conn is None:
            raise RuntimeError("a savepoint outside the unit of work")
        return self._conn.begin_nested()

    def rollback(self) -> None:
        if self._conn is not None:
            self.events.discard()
            if self._conn.in_transaction():
                self._conn.rollback()


class SqlUnitOfWorkFactory:
    """On SQLite, writers queue on `writer_lock.WriterLock` instead of SQLite's sleeping
    busy-wait. A commit with events wakes a waiting relay, in this process or, once it
    `listen_for_commits`, in another (`commit_wake`)."""

    def __init__(self, engine: Engine, subject_prefix: str = "shipshape",
                 partitions: int = 1) -> None:
        self.engine = engine
        self.subject_prefix = subject_prefix
        self.partitions = partitions
        self._writer_lock: AbstractContextManager[Any] = (
            writer_lock_of(engine) if is_sqlite(engine) else nullcontext())
        self._events_written = threading.Event()
        self._wake = wake_of(engine)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self._writer_lock, self.subject_prefix,
                             self.partitions, on_events=self._committed)

    def _committed(self) -> None:
        self._events_written.set()
        self._wake.notify()

    def listen_for_commits(self) -> bool:
        return self._wake.listen(self._events_written.set)

    def close(self) -> None:
        self._wake.close()

    def await_events(self, timeout_s: float) -> bool:
        woken = self._events_written.wait(timeout_s)
        if woken:
            self._events_written.clear()
        return woken

    def reading(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, nullcontext(), self.subject_prefix, self.partitions,
                             writes=False)

