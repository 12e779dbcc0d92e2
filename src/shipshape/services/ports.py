"""The ports the services need, as Protocols; adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

from shipshape.domain import consistency as cs
from shipshape.domain import reconciliation as rc
from shipshape.domain import stalls
from shipshape.domain.billing import Invoice
from shipshape.domain.carriers import Candidate, TenderAttempt
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.controls import LotStock
from shipshape.domain.events import Event
from shipshape.domain.findings import Finding
from shipshape.domain.inventory import Reservation, StockPosition
from shipshape.domain.invoicing import InvoiceKind, InvoiceRecord, InvoiceStatus
from shipshape.domain.masterdata import Carrier, ContractPrice, Customer, Item, Site
from shipshape.domain.orders import Order, OrderStatus
from shipshape.domain.partners import TradingPartner
from shipshape.domain.picking import OrderToPick, Pick
from shipshape.domain.shipments import ShipmentRecord
from shipshape.domain.waves import WaveCandidate
from shipshape.services.order_change_ports import OrderChangeStore


@dataclass(frozen=True, slots=True)
class StoredResponse:
    request_hash: str
    status_code: int
    body: dict[str, object]


class OrderStore(Protocol):
    def find_by_customer_po(
        self, customer_id: str, customer_po: str, release_number: str = ""
    ) -> str | None:
        """The order of this customer PO (and release against it; "" for none), if any."""
        ...
    def recent_po_with_lines(
        self, customer_id: str, signature: str, since: datetime
    ) -> str | None: ...
    def add(self, order: Order, created_at: datetime) -> None: ...
    def add_findings(self, order_id: str, findings: Sequence[Finding], at: datetime) -> None: ...
    def set_status(self, order_id: str, status: OrderStatus, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class MasterDataChange:
    """One change of a master-data record: who made it, the record before (None: it is new)
    and after, as JSON-ready data."""

    kind: str
    entity_id: str
    actor: str
    before: dict[str, object] | None
    after: dict[str, object]


class MasterDataStore(Protocol):
    def customer(self, customer_id: str) -> Customer | None: ...
    def customers(self, ids: Iterable[str]) -> dict[str, Customer]: ...
    def items(self, skus: Iterable[str]) -> dict[str, Item]: ...
    def prices(self, customer_id: str, skus: Iterable[str]) -> dict[str, ContractPrice]: ...
    def price_table(self, customer_ids: Iterable[str], skus: Iterable[str]
                    ) -> dict[str, dict[str, ContractPrice]]:
        """Contract prices of several customers: customer -> SKU -> price."""
        ...
    def carriers(self) -> dict[str, Carrier]: ...
    def sites(self) -> dict[str, Site]: ...
    def upsert_site(self, site: Site) -> None: ...
    def upsert_customer(self, customer: Customer) -> None: ...
    def upsert_item(self, item: Item) -> None: ...
    def upsert_price(self, price: ContractPrice) -> None: ...
    def upsert_carrier(self, carrier: Carrier) -> None: ...
    def record_change(self, change: MasterDataChange, at: datetime) -> None: ...


class InventoryStore(Protocol):
    def positions(self, skus: Iterable[str], lock: bool) -> list[StockPosition]: ...
    def lots(self, skus: Iterable[str]) -> dict[str, list[LotStock]]: ...
    def reserve(self, order_id: str, reservations: Sequence[Reservation], at: datetime) -> None: ...
    def receive(
        self, site: str, sku: str, quantity: int, lot: str | None, expiry: date | None,
        at: datetime,
    ) -> StockPosition: ...
    def adjust(
        self, site: str, sku: str, quantity: int, lot: str | None, reason: str, at: datetime
    ) -> StockPosition: ...
    def reservations_of(self, order_id: str) -> list[Reservation]:
        """The order's reservations, summed per line, site and SKU."""
        ...
    def unreserve(self, order_id: str, reservations: Sequence[Reservation],
                  at: datetime) -> None:
        """Give back part of the order's reservations (stock on hand stays); a quantity the
        order does not hold at that site raises ConcurrencyConflict."""
        ...
    def ship(self, order_id: str, shipped: Sequence[Reservation],
             lots: Sequence[tuple[str, str, str, int]], reference: str, at: datetime) -> None:
        """Shipped units leave reserved and on hand together (lots: site, sku, lot, quantity);
        a quantity the order does not hold raises ConcurrencyConflict."""
        ...


class PickStore(Protocol):
    """Pick confirmations (the `picks` rows) and the order as picking reads it."""

    def order(self, order_id: str, lock: bool) -> OrderToPick | None: ...
    def picks(self, order_id: str) -> list[Pick]: ...
    def add(self, order_id: str, picks: Sequence[Pick], source_event: str,
            at: datetime) -> None: ...


class TenderStore(Protocol):
    """Carrier tenders (`tenders` rows): every attempt, accepted or not."""

    def add(self, order_id: str, attempts: Sequence[TenderAttempt], at: datetime) -> None: ...
    def attempts(self, order_id: str) -> list[TenderAttempt]: ...


class ShipmentStore(Protocol):
    """Shipments (what left each site for an order) and their lines."""

    def add(self, shipment: ShipmentRecord, source_event: str, at: datetime) -> None: ...
    def of_order(self, order_id: str) -> list[ShipmentRecord]: ...
    def exists(self, shipment_id: str) -> bool: ...


class InvoiceStore(Protocol):
    """Invoices and credit notes, with where their posting to the ERP stands."""

    def add(self, invoice: Invoice, kind: InvoiceKind, credits: str | None,
            at: datetime) -> None: ...
    def get(self, invoice_id: str, lock: bool = False) -> InvoiceRecord | None: ...
    def of_order(self, order_id: str) -> list[InvoiceRecord]: ...
    def set_status(self, invoice_id: str, status: InvoiceStatus, at: datetime,
                   erp_ref: str | None = None, reason: str | None = None) -> None: ...
    def record_payment(self, invoice_id: str, amount: Decimal, at: datetime) -> Decimal:
        """Add `amount` to what was paid of the invoice; returns the paid total."""
        ...


class CreditStore(Protocol):
    def open_exposure(self, customer_id: str, lock: bool) -> Decimal: ...
    def add_exposure(self, customer_id: str, amount: Decimal) -> None: ...


class CaseStore(Protocol):
    def add(self, case: ExceptionCase) -> None: ...
    def open_of_order(self, order_id: str, code: str) -> list[tuple[str, dict[str, object]]]:
        """(id, details) of the order's open or assigned cases with `code`, oldest first."""
        ...
    def resolve(self, case_id: str, action: str, reason: str, actor: str, at: datetime,
                automatic: bool) -> bool:
        """Close an open or assigned case with its resolution; False when it was not open."""
        ...


class EventLog(Protocol):
    def append(self, events: Sequence[Event]) -> None: ...


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One unsent outbox row as the relay publishes it; `position` is its place in commit order."""

    position: int
    event_id: str
    event_type: str
    order_id: str
    subject: str
    payload: Mapping[str, object]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxLag:
    """How far the relay is behind: unsent rows and when the oldest of them was written."""

    unsent: int
    oldest_created_at: datetime | None

    def age_s(self, now: datetime) -> float:
        """Seconds the oldest unsent row has waited; 0 when nothing waits."""
        if self.oldest_created_at is None:
            return 0.0
        return max((now - self.oldest_created_at).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True)
class OwedEvents:
    """Events published and not yet marked delivered: how many, and the oldest one's age."""

    count: int
    oldest_created_at: datetime | None

    def age_s(self, now: datetime) -> float:
        return OutboxLag(self.count, self.oldest_created_at).age_s(now)


class Outbox(Protocol):
    """The relay's side of the outbox: rows written by `EventLog.append`, read in commit order."""

    def unsent(self, limit: int) -> list[OutboxMessage]: ...
    def mark_published(self, positions: Sequence[int], at: datetime) -> None: ...
    def lag(self) -> OutboxLag: ...

    def owed(self, limit: int, after: int = 0) -> list[OutboxMessage]:
        """Published rows not yet marked delivered, in id order, from after position `after`."""
        ...

    def owed_lag(self) -> OwedEvents:
        """How many rows are published and not yet delivered, and since when the oldest."""
        ...

    def mark_delivered(self, positions: Sequence[int], at: datetime) -> None: ...

    def rewind_owed(self) -> int:
        """Mark every owed row unsent, so that it is published again; returns how many."""
        ...


class Inbox(Protocol):
    """Which events each consumer has applied, written in the transaction of the effects."""

    def record(self, consumer: str, event_id: str, at: datetime) -> bool:
        """Record the event as applied by `consumer`; False when it already was (no change)."""
        ...

    def seen(self, consumer: str, event_id: str) -> bool:
        """Whether `consumer` has applied the event (a read; `record` decides under races)."""
        ...

    def applied(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Which of `event_ids` `consumer` has applied (or dead-lettered)."""
        ...


@dataclass(frozen=True, slots=True)
class NewDeadLetter:
    """An event a consumer could not apply: the original message, the error and the attempts.
    `system`/`operation` name the connector call that failed (None: the handler itself)."""

    consumer: str
    event_id: str
    subject: str
    key: str
    payload: bytes
    headers: Mapping[str, str]
    system: str | None
    operation: str | None
    error: str
    attempts: int
    case_id: str | None


@dataclass(frozen=True, slots=True)
class DeadLetter(NewDeadLetter):
    """A stored dead letter; `status` is open or replayed."""

    id: int
    status: str
    created_at: datetime
    replayed_at: datetime | None = None


class DeadLetterStore(Protocol):
    def add(self, letter: NewDeadLetter, at: datetime) -> int: ...
    def get(self, letter_id: int) -> DeadLetter | None: ...
    def open(self, limit: int) -> list[DeadLetter]: ...
    def mark_replayed(self, letter_id: int, at: datetime) -> bool:
        """Open -> replayed; False when it was not open (replayed already, by someone else)."""
        ...


@dataclass(frozen=True, slots=True)
class SagaStep:
    saga_id: str
    step_no: int
    name: str
    status: str
    """done, compensating or compensated"""
    data: Mapping[str, object]


class SagaStore(Protocol):
    def start(self, saga_id: str, kind: str, at: datetime) -> bool:
        """Record a new saga; False when it exists already."""
        ...
    def status(self, saga_id: str) -> str | None: ...
    def set_status(self, saga_id: str, status: str, at: datetime, error: str = "") -> None: ...
    def steps(self, saga_id: str) -> list[SagaStep]: ...
    def record_step(self, step: SagaStep, at: datetime) -> None:
        """Insert or update the step's row (by saga id and step number)."""
        ...
    def unfinished(self, kind: str) -> list[str]:
        """Sagas of `kind` still running or compensating (what a restarted worker resumes)."""
        ...


class SystemStateStore(Protocol):
    """The last applied version of each (entity, state) updated by an external system, so that an
    update arriving out of order is recognised as stale."""

    def version(self, entity: str, state: str, lock: bool) -> datetime | None: ...
    def put(self, entity: str, state: str, system: str, version: datetime,
            value: Mapping[str, object], at: datetime) -> None: ...


class IdempotencyStore(Protocol):
    """Stored answers by (scope, key): a scope names whose keys they are (`token:<name>`,
    `channel:<channel>`, `webhook:<system>`), so no caller can use another's key."""

    def get(self, scope: str, key: str) -> StoredResponse | None: ...
    def put(self, scope: str, key: str, response: StoredResponse, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class InterchangeRecord:
    partner_id: str
    standard: str
    control_number: str
    content_hash: str
    status: str
    order_ids: tuple[str, ...]
    received_at: datetime


class EdiStore(Protocol):
    def lock_partner(self, partner_id: str) -> None:
        """Serialise this partner's interchanges until the transaction ends."""
        ...
    def partner_by_x12(self, qualifier: str, isa_id: str) -> TradingPartner | None: ...
    def partner_by_edifact(self, edifact_id: str) -> TradingPartner | None: ...
    def upsert_partner(self, partner: TradingPartner) -> None: ...
    def seen_interchange(
        self, partner_id: str, standard: str, control_number: str, since: datetime
    ) -> bool: ...
    def holds_copy(
        self, partner_id: str, standard: str, control_number: str, content_hash: str
    ) -> bool:
        """Whether the bytes of this interchange (by content hash) are stored already."""
        ...
    def record_interchange(self, record: InterchangeRecord) -> int: ...
    def next_control_number(self, partner_id: str, kind: str) -> int: ...
    def store_document(
        self, partner_id: str, direction: str, doc_type: str, control_number: str,
        interchange_id: int | None, content: str, at: datetime,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class WaveEntry:
    """One order of a wave: `outcome` released or pulled, `reasons` its findings as JSON."""

    order_id: str
    outcome: str
    reasons: list[dict[str, object]]


@dataclass(frozen=True, slots=True)
class WaveRecord:
    id: str
    site: str
    trigger: str
    status: str
    check_ms: float
    created_at: datetime
    entries: tuple[WaveEntry, ...]


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order of a customer that is not yet shipped, with the sites of its reservations."""

    id: str
    status: OrderStatus
    value: Decimal
    requested_ship_date: date | None
    sites: tuple[str, ...]


class WaveStore(Protocol):
    """Waves and what releasing them reads and writes, batched for a whole wave."""

    def lock_due(self, site: str, limit: int) -> list[str]:
        """Ids of up to `limit` orders due at `site`, best first (`domain/waves.py`), locked
        until the transaction ends; rows another transaction has locked are skipped."""
        ...
    def candidates(self, site: str, order_ids: Sequence[str]) -> list[WaveCandidate]:
        """Those of `order_ids` still due at `site`, as stored now, with their reservations
        at `site`."""
        ...
    def stock(self, site: str, skus: Iterable[str]
              ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """(on hand, reserved by orders still holding stock), per (site, sku)."""
        ...
    def exposures(self, customer_ids: Iterable[str]) -> dict[str, Decimal]: ...
    def add(self, wave: WaveRecord) -> None: ...
    def set_status(self, order_ids: Sequence[str], status: OrderStatus, at: datetime) -> None: ...
    def add_findings(self, findings: Mapping[str, Sequence[Finding]], stage: str,
                     at: datetime) -> None: ...
    def open_orders_of(self, customer_id: str) -> list[OpenOrder]:
        """The customer's accepted, released and picked orders, locked until the transaction
        ends (a wave holding one of them is waited for)."""
        ...


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
