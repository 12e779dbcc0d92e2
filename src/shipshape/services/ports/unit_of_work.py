"""The unit of work over every store, its factory, the rules, the clock, the id factory, and the
queries of reconciliation and the consistency check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from shipshape.domain import consistency as cs
from shipshape.domain import reconciliation as rc
from shipshape.domain import stalls
from shipshape.domain.carriers import Candidate
from shipshape.domain.findings import Finding
from shipshape.services.ports.delivery import (
    DeadLetterStore,
    IdempotencyStore,
    Inbox,
    Outbox,
    SagaStore,
    SystemStateStore,
)
from shipshape.services.ports.desk import CaseDeskStore
from shipshape.services.ports.edi_waves import EdiStore, WaveStore
from shipshape.services.ports.order_changes import OrderChangeStore
from shipshape.services.ports.stores import (
    CaseStore,
    CreditStore,
    EventLog,
    InventoryStore,
    InvoiceStore,
    MasterDataStore,
    OrderStore,
    PickStore,
    ShipmentStore,
    TenderStore,
)


class UnitOfWork(Protocol):
    @property
    def orders(self) -> OrderStore: ...
    @property
    def masterdata(self) -> MasterDataStore: ...
    @property
    def inventory(self) -> InventoryStore: ...
    @property
    def credit(self) -> CreditStore: ...
    @property
    def cases(self) -> CaseStore: ...
    @property
    def desk(self) -> CaseDeskStore: ...
    @property
    def events(self) -> EventLog: ...
    @property
    def idempotency(self) -> IdempotencyStore: ...
    @property
    def edi(self) -> EdiStore: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def inbox(self) -> Inbox: ...
    @property
    def dead_letters(self) -> DeadLetterStore: ...
    @property
    def sagas(self) -> SagaStore: ...
    @property
    def system_states(self) -> SystemStateStore: ...
    @property
    def picks(self) -> PickStore: ...
    @property
    def waves(self) -> WaveStore: ...
    @property
    def tenders(self) -> TenderStore: ...
    @property
    def changes(self) -> OrderChangeStore: ...
    @property
    def shipments(self) -> ShipmentStore: ...
    @property
    def invoices(self) -> InvoiceStore: ...
    @property
    def reconciliation(self) -> ReconciliationQueries: ...
    @property
    def consistency(self) -> ConsistencyQueries: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...

    def await_events(self, timeout_s: float) -> bool:
        """Wait until a unit of work of this factory commits events (True), at most
        `timeout_s` (False); each commit wakes one call. The relay's wake-up: another process's
        commits it still finds by polling."""
        ...

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads: it waits for no writer (on SQLite, it never takes
        the writer lock) and cannot commit."""
        ...


class PolicyRules(Protocol):
    """Custom policies (decision tables); `version` names the exact rule files used."""

    @property
    def version(self) -> str: ...
    def evaluate(self, facts: Mapping[str, object]) -> list[Finding]: ...


class CarrierRules(Protocol):
    """Carrier selection (a decision table): the candidate services for a shipment's facts."""

    @property
    def version(self) -> str: ...
    def candidates(self, facts: Mapping[str, object]) -> list[Candidate]: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdFactory(Protocol):
    def __call__(self, prefix: str) -> str: ...


class ReconciliationQueries(Protocol):
    """The reconciliation's checks (`domain/reconciliation.py`), each one query over the store."""

    def shipped_not_invoiced(self) -> list[rc.UninvoicedShipment]: ...
    def unacknowledged_invoices(self, issued_before: datetime
                                ) -> list[rc.UnacknowledgedInvoice]: ...
    def invoiced_not_shipped(self) -> list[rc.UnshippedInvoice]: ...
    def invoiced_lines(self) -> list[rc.InvoicedLine]:
        """Every line of the invoices (kind invoice, not credited) of existing shipments, and
        every shipped line such an invoice leaves out (invoiced 0)."""
        ...
    def duplicate_invoices(self) -> list[rc.DuplicateInvoices]: ...
    def erp_invoice_states(self) -> list[rc.ErpInvoiceState]: ...
    def repairs(self, order_ids: Iterable[str]) -> dict[tuple[str, str], datetime]:
        """(code, subject) -> when a run repaired it, for the repairs recorded on the orders."""
        ...
    def stored_invoice(self, invoice_id: str) -> rc.StoredInvoice | None: ...
    def waiting_orders(self, changed_before: datetime) -> list[stalls.WaitingOrder]:
        """Orders another system owes the next step, unchanged since before `changed_before`,
        with no open blocking case."""
        ...


class ConsistencyQueries(Protocol):
    """The tallies the consistency conditions (`domain/consistency.py`) compare."""

    def order_tallies(self) -> list[cs.OrderTally]: ...
    def line_tallies(self) -> list[cs.LineTally]: ...
    def shipment_invoices(self) -> list[cs.ShipmentInvoices]: ...
    def stock_tallies(self) -> list[cs.StockTally]: ...
    def order_sites(self) -> list[cs.OrderSites]: ...
