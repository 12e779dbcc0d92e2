"""Reconciliation: shipped vs invoiced vs the ERP's state, as pure decisions.

The store's checks return rows (the dataclasses below); each row becomes a `Discrepancy` with
a code, the order and the shipment or invoice it is about (its *subject*). `decide` says what a
run does with it: a safe repair done once per subject (issue a missing invoice, post an
unacknowledged one again), a case opened, or nothing new because an open case already has it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from shipshape.domain import stalls
from shipshape.domain.billing import Invoice, InvoiceLine, Party
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.invoicing import INVOICE_POST_FAILED, InvoiceStatus
from shipshape.domain.masterdata import Customer
from shipshape.domain.picking import OrderToPick

SHIPPED_NOT_INVOICED = "SHIPPED_NOT_INVOICED"
INVOICED_NOT_SHIPPED = "INVOICED_NOT_SHIPPED"
INVOICE_MISMATCH = "INVOICE_MISMATCH"
DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
ERP_DRIFT = "ERP_DRIFT"
SHIPMENT_UNTRACKED = "SHIPMENT_UNTRACKED"
CODES = (SHIPPED_NOT_INVOICED, INVOICED_NOT_SHIPPED, INVOICE_MISMATCH, DUPLICATE_INVOICE,
         ERP_DRIFT, *stalls.CODES, SHIPMENT_UNTRACKED)
KIND_OF_CODE = {SHIPPED_NOT_INVOICED: Kind.BUSINESS, INVOICED_NOT_SHIPPED: Kind.BUSINESS,
                INVOICE_MISMATCH: Kind.BUSINESS, DUPLICATE_INVOICE: Kind.BUSINESS,
                ERP_DRIFT: Kind.INTEGRATION, **dict.fromkeys(stalls.CODES, stalls.KIND),
                SHIPMENT_UNTRACKED: Kind.INTEGRATION}
TEAM_OF_CODE = ({code: Team.FINANCE for code in CODES} | stalls.TEAM_OF_CODE
                | {SHIPMENT_UNTRACKED: Team.TRANSPORT})
SOURCE_OF_CODE = {ERP_DRIFT: "erp", **stalls.SYSTEM_OF_CODE, SHIPMENT_UNTRACKED: "tms"}
"""The system a case of the code is about (Shipshape's own for the others)."""


class Repair(StrEnum):
    ISSUE_INVOICE = "issue_invoice"
    REPOST = "repost"


class Action(StrEnum):
    REPAIRED = "repaired"
    CASE_OPENED = "case opened"
    KNOWN_CASE = "known case"
    REPORTED = "reported"
    """Repairable, but the run was told not to repair."""
    AWAITING_ERP = "awaiting the ERP"
    """Posted again by an earlier run; the ERP has until the timeout to answer."""


@dataclass(frozen=True, slots=True)
class UninvoicedShipment:
    shipment_id: str
    order_id: str
    site: str
    shipped: int
    rejected_invoice_id: str | None


@dataclass(frozen=True, slots=True)
class UnacknowledgedInvoice:
    invoice_id: str
    order_id: str
    shipment_id: str | None
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class UnshippedInvoice:
    invoice_id: str
    order_id: str
    shipment_id: str | None
    shipment_exists: bool


@dataclass(frozen=True, slots=True)
class InvoicedLine:
    """An invoice line beside what its shipment shipped of that line (0 when the line is not on
    the shipment) and the customer's current contract price (None: no contract)."""

    invoice_id: str
    order_id: str
    shipment_id: str
    line_no: int
    sku: str
    invoiced: int
    shipped: int
    unit_price: Decimal | None
    contract_price: Decimal | None


@dataclass(frozen=True, slots=True)
class DuplicateInvoices:
    shipment_id: str
    order_id: str
    invoice_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ErpInvoiceState:
    """Our invoice beside the ERP's last word on it (the data of its last invoice event)."""

    invoice_id: str
    order_id: str
    shipment_id: str | None
    status: InvoiceStatus
    total: Decimal
    erp_value: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    code: str
    order_id: str
    subject: str
    message: str
    shipment_id: str | None = None
    invoice_id: str | None = None
    repair: Repair | None = None
    known_case: tuple[str, str, str] | None = None
    """(code, details key, value) of a case opened elsewhere that already covers this."""
    site: str | None = None
    details: dict[str, object] = field(default_factory=dict)


def shipment_subject(shipment_id: str) -> str:
    return f"shipment:{shipment_id}"


def invoice_subject(invoice_id: str) -> str:
    return f"invoice:{invoice_id}"


def uninvoiced(row: UninvoicedShipment) -> Discrepancy:
    rejected = row.rejected_invoice_id
    message = (f"shipment {row.shipment_id} ({row.site}) shipped {row.shipped} units and has "
               "no invoice")
    if rejected is not None:
        return Discrepancy(
            SHIPPED_NOT_INVOICED, row.order_id, shipment_subject(row.shipment_id),
            message + f": the ERP rejected invoice {rejected}", row.shipment_id, rejected,
            known_case=(INVOICE_POST_FAILED, "invoice_id", rejected), site=row.site)
    return Discrepancy(SHIPPED_NOT_INVOICED, row.order_id, shipment_subject(row.shipment_id),
                       message, row.shipment_id, repair=Repair.ISSUE_INVOICE, site=row.site)


def unacknowledged(row: UnacknowledgedInvoice, now: datetime) -> Discrepancy:
    waited = int((now - row.issued_at).total_seconds())
    return Discrepancy(ERP_DRIFT, row.order_id, invoice_subject(row.invoice_id),
                       f"invoice {row.invoice_id} is not acknowledged by the ERP {waited} s "
                       "after it was issued", row.shipment_id, row.invoice_id,
                       repair=Repair.REPOST, details={"issued_at": row.issued_at.isoformat()})


def unshipped(row: UnshippedInvoice) -> Discrepancy:
    why = ("names no shipment" if row.shipment_id is None
           else f"is for shipment {row.shipment_id}, which "
           + ("shipped nothing" if row.shipment_exists else "does not exist"))
    return Discrepancy(INVOICED_NOT_SHIPPED, row.order_id, invoice_subject(row.invoice_id),
                       f"invoice {row.invoice_id} {why}", row.shipment_id, row.invoice_id)


def mismatches(lines: Iterable[InvoicedLine]) -> list[Discrepancy]:
    """One discrepancy per invoice, naming each line whose quantity or price is off."""
    problems: dict[str, list[str]] = {}
    first: dict[str, InvoicedLine] = {}
    for line in lines:
        found = _line_problems(line)
        if found:
            problems.setdefault(line.invoice_id, []).extend(found)
            first.setdefault(line.invoice_id, line)
    return [Discrepancy(INVOICE_MISMATCH, first[i].order_id, invoice_subject(i),
                        f"invoice {i}: " + "; ".join(found), first[i].shipment_id, i,
                        details={"problems": found})
            for i, found in problems.items()]


def _line_problems(line: InvoicedLine) -> list[str]:
    found = []
    if line.invoiced != line.shipped:
        found.append(f"line {line.line_no} ({line.sku}) quantity {line.invoiced} invoiced, "
                     f"{line.shipped} shipped")
    if (line.contract_price is not None and line.unit_price is not None
            and line.unit_price != line.contract_price):
        found.append(f"line {line.line_no} ({line.sku}) price {money(line.unit_price)} "
                     f"invoiced, contract price {money(line.contract_price)}")
    return found


@dataclass(frozen=True, slots=True)
class UntrackedShipment:
    """A shipment that left the dock and the TMS has reported nothing of since."""

    shipment_id: str
    order_id: str
    site: str
    shipped_at: datetime


def untracked(row: UntrackedShipment, now: datetime) -> Discrepancy:
    """`SHIPMENT_UNTRACKED`: no delivery milestone (in transit, delivered, failed) within the
    allowed age (`delivery_max_age_s`); the TMS owes it."""
    age = int((now - row.shipped_at).total_seconds())
    return Discrepancy(SHIPMENT_UNTRACKED, row.order_id, shipment_subject(row.shipment_id),
                       f"shipment {row.shipment_id} ({row.site}) left the dock "
                       f"{age} s ago and the TMS has reported no delivery milestone",
                       row.shipment_id, site=row.site,
                       details={"shipped_at": row.shipped_at.isoformat()})


def stalled(order: stalls.WaitingOrder, now: datetime) -> Discrepancy | None:
    """An order another system owes the next step, as a discrepancy of that step."""
    code = stalls.stall_code(order)
    if code is None:
        return None
    return Discrepancy(code, order.order_id, f"order:{order.order_id}:{order.status}",
                       stalls.stall_message(order, code, now),
                       details={"status": order.status, "since": order.since.isoformat()})


def duplicated(row: DuplicateInvoices) -> Discrepancy:
    return Discrepancy(DUPLICATE_INVOICE, row.order_id, shipment_subject(row.shipment_id),
                       f"shipment {row.shipment_id} has {len(row.invoice_ids)} invoices: "
                       + ", ".join(row.invoice_ids), row.shipment_id, row.invoice_ids[-1],
                       details={"invoice_ids": list(row.invoice_ids)})


def erp_status(value: Mapping[str, object]) -> InvoiceStatus | None:
    """The status the ERP's last invoice event implies: a `reason` is a rejection, an ERP
    reference or a total a booking; an explicit `status` wins."""
    stated = value.get("status")
    if isinstance(stated, str) and stated in {s.value for s in InvoiceStatus}:
        return InvoiceStatus(stated)
    if value.get("reason"):
        return InvoiceStatus.REJECTED
    if value.get("erp_ref") or value.get("total") is not None:
        return InvoiceStatus.POSTED
    return None


def drift(row: ErpInvoiceState) -> Discrepancy | None:
    """The ERP booked another total, or its last word is not our invoice's status."""
    found = []
    theirs = _amount(row.erp_value.get("total"))
    if row.erp_value.get("total") is not None and theirs != row.total:
        found.append(f"the ERP booked a total of {row.erp_value.get('total')}, ours is "
                     f"{money(row.total)}")
    status = erp_status(row.erp_value)
    if status is not None and status is not row.status and row.status is not InvoiceStatus.CREDITED:
        found.append(f"the ERP says {status.value}, Shipshape says {row.status.value}")
    if not found:
        return None
    return Discrepancy(ERP_DRIFT, row.order_id, invoice_subject(row.invoice_id),
                       f"invoice {row.invoice_id}: " + "; ".join(found), row.shipment_id,
                       row.invoice_id, details={"problems": found})


def money(amount: Decimal) -> str:
    """An amount as people write it, whatever scale the store returned (10.000000 -> 10.00)."""
    cents = amount.quantize(Decimal("0.01"))
    return str(cents if cents == amount else amount.normalize())


def _amount(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Situation:
    """What a run knows about one discrepancy when it decides."""

    repair_allowed: bool
    known_case: str | None
    repaired_at: datetime | None
    now: datetime
    ack_timeout: timedelta


def decide(found: Discrepancy, situation: Situation) -> Action:
    """Known to an open case: nothing new. Repairable and never repaired: repair (when allowed).
    Repaired before and back again: a case (a re-post is given the timeout to be answered)."""
    if situation.known_case is not None:
        return Action.KNOWN_CASE
    if found.repair is None:
        return Action.CASE_OPENED
    if situation.repaired_at is None:
        return Action.REPAIRED if situation.repair_allowed else Action.REPORTED
    if found.repair is Repair.REPOST and situation.now - situation.repaired_at < \
            situation.ack_timeout:
        return Action.AWAITING_ERP
    return Action.CASE_OPENED


def finding_of(found: Discrepancy, run_id: str) -> Finding:
    """The exception a discrepancy opens, for the team whose work it is."""
    return block(found.code, KIND_OF_CODE[found.code], TEAM_OF_CODE[found.code], found.message,
                 subject=found.subject, shipment_id=found.shipment_id,
                 invoice_id=found.invoice_id, run_id=run_id, **found.details)


@dataclass(frozen=True, slots=True)
class StoredInvoice:
    """An invoice as stored (header and lines), to be posted again as it was issued."""

    id: str
    order_id: str
    shipment_id: str | None
    customer_id: str
    currency: str
    freight: Decimal
    tax: Decimal
    issued_on: date
    lines: tuple[InvoiceLine, ...]


def rebuilt_invoice(stored: StoredInvoice, order: OrderToPick | None,
                    customer: Customer | None, seller: str) -> Invoice:
    """The stored invoice as `Invoice`, with the order's PO and ship-to and the customer's
    name and terms, so that its body is the one first posted."""
    return Invoice(number=stored.id, order_id=stored.order_id, customer_id=stored.customer_id,
                   customer_po=order.customer_po if order else None,
                   invoice_date=stored.issued_on,
                   bill_to=Party(customer.name if customer else stored.customer_id,
                                 stored.customer_id),
                   remit_to=Party(seller), lines=stored.lines,
                   payment_terms=customer.payment_terms if customer else "NET30",
                   currency=stored.currency, freight=stored.freight, tax=stored.tax,
                   shipment_id=stored.shipment_id, ship_to=order.ship_to if order else None)
