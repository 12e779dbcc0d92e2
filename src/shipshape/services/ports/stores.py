"""The stores of the business objects: orders, master data, stock, picks, tenders, shipments,
invoices, credit, cases and the event log."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from shipshape.domain.billing import Invoice
from shipshape.domain.carriers import TenderAttempt
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.catalogue import DomainEvent
from shipshape.domain.controls import LotStock
from shipshape.domain.findings import Finding
from shipshape.domain.inventory import Reservation, StockPosition
from shipshape.domain.invoicing import InvoiceKind, InvoiceRecord, InvoiceStatus
from shipshape.domain.masterdata import Carrier, ContractPrice, Customer, Item, Site
from shipshape.domain.orders import Order, OrderStatus
from shipshape.domain.picking import OrderToPick, Pick
from shipshape.domain.promise import Situation
from shipshape.domain.shipments import ShipmentRecord
from shipshape.domain.sla import CaseClock
from shipshape.services.outcomes import Outcome


@dataclass(frozen=True, slots=True)
class StoredResponse:
    request_hash: str
    outcome: Outcome
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
    def promised_date(self, order_id: str) -> date | None:
        """The delivery date the order was promised when it was accepted, if it was."""
        ...
    def promise(self, order_id: str, promised_date: date, transit_days: int) -> bool:
        """Set the order's promise unless it has one; whether it was set."""
        ...
    def promise_situations(self, order_ids: Sequence[str] | None) -> list[Situation]:
        """What the projection of each order looks at (None: every open order with a
        promise)."""
        ...
    def mark_at_risk(self, order_id: str, since: datetime | None, *, was_at_risk: bool) -> bool:
        """Flag (`since`) or clear (None) the order's promise at risk, if it was (not)
        flagged as `was_at_risk` says; whether it changed."""
        ...


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
    def prefetch(self, lines: Iterable[tuple[str, str]]) -> None:
        """Read the customers, items and contract prices of these (customer, SKU) pairs at
        once, for the transaction."""
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
    def position(self, site: str, sku: str) -> StockPosition: ...
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
    def open_like(self, code: str, subject: str) -> str | None:
        """The open or assigned case of `code` about `subject` (locked), if there is one."""
        ...
    def recur(self, case_id: str, at: datetime) -> int:
        """One more occurrence of the case; returns how many it has now."""
        ...
    def open_of_order(self, order_id: str, code: str) -> list[tuple[str, dict[str, object]]]:
        """(id, details) of the order's open or assigned cases with `code`, oldest first."""
        ...
    def released_by_desk(self, order_ids: Collection[str], code: str) -> set[str]:
        """The orders of `order_ids` whose case `code` the desk closed by releasing the hold."""
        ...
    def resolve(self, case_id: str, action: str, reason: str, actor: str, at: datetime,
                automatic: bool) -> bool:
        """Close an open or assigned case with its resolution; False when it was not open."""
        ...
    def clock(self, case_id: str, lock: bool) -> CaseClock | None:
        """What the case's SLA clock is made of (locked for the transaction when `lock`)."""
        ...
    def open_clocks(self, below_level: int) -> list[CaseClock]:
        """The clocks of the open and assigned cases escalated below `below_level`."""
        ...
    def pause(self, case_id: str, at: datetime, waiting_on: str) -> None:
        """Stop the case's clock at `at`: it waits on `waiting_on`."""
        ...
    def resume(self, case_id: str, paused_s: int, due_at: datetime) -> None:
        """Run the clock again; `paused_s` seconds not counted in all, due at `due_at`."""
        ...
    def set_sla(self, case_id: str, priority: str, budget_s: int | None,
                due_at: datetime) -> None:
        """A new priority and SLA budget; the time paused so far stays not counted."""
        ...
    def escalate(self, case_id: str, from_level: int, level: int, queue: str, priority: str,
                 unassign: bool) -> bool:
        """The case escalated from `from_level` to `level`, in `queue` at `priority`
        (`unassign`: to nobody, open again); False when it is no longer at `from_level`."""
        ...


class EventLog(Protocol):
    def append(self, events: Sequence[DomainEvent]) -> None: ...
