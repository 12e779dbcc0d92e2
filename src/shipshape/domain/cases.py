"""Exception cases (kept apart from Python exceptions by name) and their lifecycle.

A case moves through `CASE_TRANSITIONS`; `move_case` is the one place a move is allowed or
refused. The stores close cases in SQL (`CaseStore.resolve`, the cancellation's
`close_open_cases`): their `status IN ('open', 'assigned')` conditions are the table's
statuses that may move to resolved, auto_resolved or cancelled, checked in the same statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shipshape.domain.catalogue import ExceptionOpened
from shipshape.domain.errors import IllegalTransition
from shipshape.domain.findings import Finding
from shipshape.domain.masterdata import Customer, Priority


class CaseStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    AUTO_RESOLVED = "auto_resolved"
    REJECTED = "rejected"
    """Closed as not an exception after all (a false alarm, a duplicate report)."""
    CANCELLED = "cancelled"


C = CaseStatus
CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    C.OPEN: frozenset({C.ASSIGNED, C.RESOLVED, C.AUTO_RESOLVED, C.REJECTED, C.CANCELLED}),
    C.ASSIGNED: frozenset({C.RESOLVED, C.AUTO_RESOLVED, C.REJECTED, C.CANCELLED, C.OPEN}),
    C.RESOLVED: frozenset(),
    C.AUTO_RESOLVED: frozenset(),
    C.REJECTED: frozenset(),
    C.CANCELLED: frozenset(),
}


def move_case(status: CaseStatus, to: CaseStatus) -> CaseStatus:
    """The status a case moves `to`, or `IllegalTransition` when `status` does not allow it."""
    if to not in CASE_TRANSITIONS[status]:
        raise IllegalTransition(f"a case cannot move from {status} to {to}")
    return to


class Stage(StrEnum):
    CAPTURE = "capture"
    VALIDATE = "validate"
    ALLOCATE = "allocate"
    RELEASE = "release"
    EXECUTE = "execute"
    SHIP = "ship"
    INVOICE = "invoice"
    RECONCILE = "reconcile"


STAGE_OF_CODE = {
    "DUPLICATE_ORDER": Stage.CAPTURE,
    "PARTIAL_AVAILABILITY": Stage.ALLOCATE,
    "SHORT_PICK": Stage.EXECUTE,
    "LOT_NONCOMPLIANT": Stage.EXECUTE,
    "STALE_RESERVATION": Stage.RELEASE,
    "CREDIT_HOLD_AFTER_RELEASE": Stage.RELEASE,
    "CARRIER_TENDER_FAILED": Stage.SHIP,
    "EDI_DOCUMENT_FAILED": Stage.SHIP,
    "EDI_CHANGE_AFTER_RELEASE": Stage.RELEASE,
    "EDI_CHANGE_REFUSED": Stage.SHIP,
    "SHIPPED_WHILE_HELD": Stage.SHIP,
    "DELIVERY_FAILED": Stage.SHIP,
    "DELIVERED_LATE": Stage.SHIP,
    "DAMAGED_ON_DELIVERY": Stage.SHIP,
    "SHORT_ON_DELIVERY": Stage.SHIP,
    "SHIPMENT_UNTRACKED": Stage.SHIP,
    "INVOICE_POST_FAILED": Stage.INVOICE,
    "RETURN_DISPUTED": Stage.INVOICE,
    "SHIPPED_NOT_INVOICED": Stage.RECONCILE,
    "INVOICED_NOT_SHIPPED": Stage.RECONCILE,
    "INVOICE_MISMATCH": Stage.RECONCILE,
    "DUPLICATE_INVOICE": Stage.RECONCILE,
    "ERP_DRIFT": Stage.RECONCILE,
}


def stage_of(code: str) -> Stage:
    return STAGE_OF_CODE.get(code, Stage.VALIDATE)


SLA_HOURS = {Priority.STRATEGIC: 4, Priority.STANDARD: 24, Priority.LOW: 48}
HIGH_VALUE = Decimal("10000")


@dataclass(frozen=True, slots=True)
class CaseCost:
    rework_minutes: int = 0
    expedited_freight: Decimal = Decimal("0")
    invoice_correction: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class CaseOrigin:
    """Where the case comes from: the order, its customer and the moment."""

    order_id: str | None
    customer: Customer | None
    order_value: Decimal
    promised: datetime | None
    opened_at: datetime
    source_system: str = "shipshape"
    site_id: str | None = None


def promised_at(ship_date: date | None, now: datetime) -> datetime | None:
    """The start of an order's requested ship date, in `now`'s time zone: what a case opened
    on it is promised against."""
    return datetime.combine(ship_date, datetime.min.time(), now.tzinfo) if ship_date else None


@dataclass(slots=True)
class ExceptionCase:
    id: str
    code: str
    kind: str
    stage: str
    source_system: str
    order_id: str | None
    line_nos: tuple[int, ...]
    site_id: str | None
    customer_id: str | None
    customer_segment: str | None
    severity: str
    blocking: bool
    owner_team: str
    sla_due_at: datetime
    opened_at: datetime
    message: str
    escalation_level: int = 0
    status: CaseStatus = CaseStatus.OPEN
    assignee: str | None = None
    resolution_action: str | None = None
    resolution_reason: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    cost: CaseCost = field(default_factory=CaseCost)
    root_cause: str | None = None
    rule_version: str = ""
    details: dict[str, object] = field(default_factory=dict)
    subject: str | None = None
    """What the case is about (`subject_of`); None: never counted into."""
    occurrences: int = 1
    last_seen_at: datetime | None = None
    queue: str = ""
    """The work queue routing put the case in (empty: the owner team's own)."""
    priority: str = "standard"
    sla_budget_s: int | None = None
    """Business seconds the case may take (None: `sla_due_at` stands as it is, unpaused)."""
    paused_at: datetime | None = None
    """When the clock stopped, while the case waits on `waiting_on`; None: it runs."""
    paused_s: int = 0
    """Business seconds paused before `paused_at` (or before now when the clock runs)."""
    waiting_on: str | None = None


def sla_due(origin: CaseOrigin) -> datetime:
    """Shorter for strategic customers and valuable orders, never after the promised date."""
    priority = origin.customer.priority if origin.customer else Priority.STANDARD
    hours = SLA_HOURS.get(Priority(priority) if priority in SLA_HOURS else Priority.STANDARD, 24)
    if origin.order_value >= HIGH_VALUE:
        hours = max(hours // 2, 1)
    due = origin.opened_at + timedelta(hours=hours)
    if origin.promised is not None and origin.promised > origin.opened_at:
        due = min(due, origin.promised)
    return due


def open_case(
    case_id: str, finding: Finding, origin: CaseOrigin, rule_version: str, *,
    stage: str | None = None, details: Mapping[str, object] | None = None,
    line_nos: Sequence[int] | None = None,
) -> ExceptionCase:
    """A new open case for `finding`. `stage` replaces the one the finding's code implies,
    `details` are added to the finding's, `line_nos` replace the finding's."""
    customer = origin.customer
    lines = tuple(line_nos) if line_nos is not None else finding.line_nos
    merged = {**finding.details, **(details or {})}
    return ExceptionCase(
        id=case_id,
        code=finding.code,
        kind=finding.kind.value,
        stage=stage if stage is not None else stage_of(finding.code).value,
        source_system=origin.source_system,
        order_id=origin.order_id,
        line_nos=lines,
        site_id=origin.site_id,
        customer_id=customer.id if customer else None,
        customer_segment=customer.segment if customer else None,
        severity=finding.severity.value,
        blocking=finding.blocks,
        owner_team=finding.owner_team,
        sla_due_at=sla_due(origin),
        opened_at=origin.opened_at,
        message=finding.message,
        rule_version=rule_version,
        details=merged,
        subject=subject_of(origin.order_id, origin.site_id, lines, merged),
        queue=finding.owner_team,
    )


SUBJECT_DETAILS = ("subject", "shipment_id", "invoice_id", "document", "event_id",
                   "return_id")
"""Details that name what, beyond the order, site and lines, a case is about."""


def subject_of(order_id: str | None, site_id: str | None, line_nos: Sequence[int],
               details: Mapping[str, object]) -> str | None:
    """The subject two cases of one code must share to be one case: the order, its site and
    lines and the shipment, invoice, document or event the details name. A case without an
    order has none: it is never counted into another."""
    if order_id is None:
        return None
    parts = [f"order={order_id}", f"site={site_id or ''}",
             "lines=" + ",".join(str(n) for n in sorted(line_nos))]
    parts += [f"{name}={details[name]}" for name in SUBJECT_DETAILS if details.get(name)]
    return "|".join(parts)[:200]


def case_opened(case: ExceptionCase, at: datetime) -> ExceptionOpened:
    """The `ExceptionOpened` event that puts a new case on its order's timeline (a case with no
    order has a timeline of its own)."""
    return ExceptionOpened(occurred_at=at, order_id=case.order_id, case_id=case.id,
                           code=case.code, owner_team=case.owner_team, stage=case.stage,
                           sla_due_at=case.sla_due_at)
