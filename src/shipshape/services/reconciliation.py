"""Reconciliation runs: shipped vs invoiced vs the ERP's state (`domain/reconciliation.py`).

A run reads every check in one transaction, then settles each order's discrepancies in a
transaction of its own, under the order's row lock: it issues a missing invoice or posts an
unacknowledged one again (once per shipment or invoice: the repair is recorded as a
`ReconciliationFinding` event and a later run finding the same thing opens a case instead),
opens an exception case (also recorded on the order's timeline), or names the open case that
already covers it. A run never opens a second open case for the same code and subject.
`ReconciliationRun`, keyed by the run id, records what the run did, counted by code and action.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from shipshape.domain import reconciliation as rc
from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import DomainEvent, ReconciliationFinding, ReconciliationRun
from shipshape.domain.delivery import TRACKED
from shipshape.domain.invoicing import InvoiceKind, InvoiceStatus
from shipshape.domain.picking import OrderToPick
from shipshape.services import billing
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import ReconciliationQueries, UnitOfWork

DEFAULT_ACK_TIMEOUT_S = 3600.0
DEFAULT_STALL_TIMEOUT_S = 4 * 3600.0
DEFAULT_DELIVERY_MAX_AGE_S = 2 * 24 * 3600.0
UNTRACKED_PAGE = 1000
CHANGES = frozenset({rc.Action.REPAIRED, rc.Action.CASE_OPENED})
"""The actions an order's timeline records; the others change nothing (the run's own event
counts them), so a periodic run does not repeat them on every tick."""


@dataclass(frozen=True, slots=True)
class ReconcilePolicy:
    ack_timeout_s: float = DEFAULT_ACK_TIMEOUT_S
    """Seconds an issued invoice may wait for the ERP's acknowledgement (and a re-post too)."""
    repair: bool = True
    stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S
    """Seconds an order may wait released or picked, with no open blocking case, for the WMS
    or TMS to take the next step, before it counts as stalled."""
    delivery_max_age_s: float = DEFAULT_DELIVERY_MAX_AGE_S
    """Seconds a shipment may go without a delivery milestone from the TMS (in transit,
    delivered, failed) before it is `SHIPMENT_UNTRACKED`."""


@dataclass(frozen=True, slots=True)
class ReconciledItem:
    """One finding of a run and what the run did about it."""

    code: str
    order_id: str
    shipment_id: str | None
    invoice_id: str | None
    message: str
    action: rc.Action
    case_id: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "order_id": self.order_id, "shipment_id": self.shipment_id,
                "invoice_id": self.invoice_id, "message": self.message,
                "action": self.action.value, "case_id": self.case_id}


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    run_id: str
    ran_at: datetime
    repair: bool
    findings: tuple[ReconciledItem, ...]

    @property
    def totals(self) -> dict[str, int]:
        """Findings per code, every code named (0 when none)."""
        counts = Counter(item.code for item in self.findings)
        return {code: counts[code] for code in rc.CODES}

    @property
    def actions(self) -> dict[str, int]:
        return dict(Counter(item.action.value for item in self.findings))

    def as_json(self) -> dict[str, object]:
        return {"run_id": self.run_id, "ran_at": self.ran_at.isoformat(),
                "repair": self.repair, "findings": [item.as_json() for item in self.findings],
                "totals": self.totals, "actions": self.actions}


def reconcile(deps: Deps, policy: ReconcilePolicy | None = None) -> ReconciliationReport:
    """One run over the whole store."""
    policy = policy or ReconcilePolicy()
    run_id, now = deps.new_id("rec"), deps.clock.now()
    timeout = timedelta(seconds=policy.ack_timeout_s)
    stall_since = now - timedelta(seconds=policy.stall_timeout_s)
    with deps.uow.reading() as uow:
        found = discrepancies(uow.reconciliation, now, timeout, stall_since)
        untracked_since = now - timedelta(seconds=policy.delivery_max_age_s)
        found += [rc.untracked(row, now)
                  for row in uow.deliveries.untracked(untracked_since, UNTRACKED_PAGE)]
    items: list[ReconciledItem] = []
    for order_id, of_order in _by_order(found).items():
        items += _settle_order(deps, run_id, order_id, of_order, policy, now)
    report = ReconciliationReport(run_id, now, policy.repair, tuple(items))
    with deps.uow() as uow:
        uow.events.append([ReconciliationRun(
            occurred_at=now, run_id=run_id, repair=policy.repair,
            ack_timeout_s=policy.ack_timeout_s, findings=len(items), totals=report.totals,
            actions=report.actions)])
        uow.commit()
    return report


def discrepancies(queries: ReconciliationQueries, now: datetime, ack_timeout: timedelta,
                  stall_since: datetime | None = None) -> list[rc.Discrepancy]:
    """Every check's findings; one per code and subject (the ERP's own word on an invoice
    comes before its silence). Orders unchanged since `stall_since` are stalled (None: now
    less the default stall timeout)."""
    stall_since = stall_since or now - timedelta(seconds=DEFAULT_STALL_TIMEOUT_S)
    found = [*(rc.uninvoiced(row) for row in queries.shipped_not_invoiced()),
             *filter(None, (rc.stalled(row, now) for row in queries.waiting_orders(stall_since))),
             *(rc.unshipped(row) for row in queries.invoiced_not_shipped()),
             *rc.mismatches(queries.invoiced_lines()),
             *(rc.duplicated(row) for row in queries.duplicate_invoices()),
             *filter(None, (rc.drift(row) for row in queries.erp_invoice_states())),
             *(rc.unacknowledged(row, now)
               for row in queries.unacknowledged_invoices(now - ack_timeout))]
    unique: dict[tuple[str, str], rc.Discrepancy] = {}
    for item in found:
        unique.setdefault((item.code, item.subject), item)
    return list(unique.values())


def _by_order(found: Iterable[rc.Discrepancy]) -> dict[str, list[rc.Discrepancy]]:
    grouped: dict[str, list[rc.Discrepancy]] = {}
    for item in found:
        grouped.setdefault(item.order_id, []).append(item)
    return grouped


def _settle_order(deps: Deps, run_id: str, order_id: str, found: Sequence[rc.Discrepancy],
                  policy: ReconcilePolicy, now: datetime) -> list[ReconciledItem]:
    with deps.uow() as uow:
        order = uow.picks.order(order_id, lock=True)
        repaired = uow.reconciliation.repairs([order_id])
        items = []
        for item in found:
            if item.repair is not None and not _still_open(uow, item):
                continue
            if item.code == rc.SHIPMENT_UNTRACKED and _tracked(uow, item):
                continue
            situation = rc.Situation(policy.repair, _known_case(uow, item),
                                     repaired.get((item.code, item.subject)), now,
                                     timedelta(seconds=policy.ack_timeout_s))
            items.append(_settle(deps, uow, order, run_id, item, rc.decide(item, situation),
                                 situation.known_case, now))
        uow.commit()
    return items


def _tracked(uow: UnitOfWork, item: rc.Discrepancy) -> bool:
    """The TMS reported a milestone of the shipment since the run read it."""
    record = uow.deliveries.get(item.shipment_id or "")
    return record is not None and record.state in TRACKED


def _still_open(uow: UnitOfWork, item: rc.Discrepancy) -> bool:
    """Read again under the order's lock: another run (or the ERP) may have settled it."""
    invoices = uow.invoices.of_order(item.order_id)
    if item.repair is rc.Repair.ISSUE_INVOICE:
        return not any(i.shipment_id == item.shipment_id and i.kind is InvoiceKind.INVOICE
                       and i.status in {InvoiceStatus.ISSUED, InvoiceStatus.POSTED}
                       for i in invoices)
    return any(i.id == item.invoice_id and i.status is InvoiceStatus.ISSUED for i in invoices)


def _known_case(uow: UnitOfWork, item: rc.Discrepancy) -> str | None:
    keys = [(item.code, "subject", item.subject)]
    if item.known_case is not None:
        keys.insert(0, item.known_case)
    for code, key, value in keys:
        for case_id, details in uow.cases.open_of_order(item.order_id, code):
            if details.get(key) == value:
                return case_id
    return None


def _settle(deps: Deps, uow: UnitOfWork, order: OrderToPick | None, run_id: str,
            item: rc.Discrepancy, action: rc.Action, known_case: str | None,
            now: datetime) -> ReconciledItem:
    events: list[DomainEvent] = []
    case_id = known_case
    if action is rc.Action.REPAIRED:
        events = _repair(deps, uow, order, item, now)
        if not events:
            action = rc.Action.CASE_OPENED
    if action is rc.Action.CASE_OPENED:
        case_id, opened = _open_case(deps, uow, order, item, run_id, now)
        events.append(opened)
    if action in CHANGES:
        events.append(ReconciliationFinding(
            occurred_at=now, order_id=item.order_id, run_id=run_id, code=item.code,
            subject=item.subject, shipment_id=item.shipment_id, invoice_id=item.invoice_id,
            message=item.message, action=action.value, case_id=case_id))
    uow.events.append(events)
    return ReconciledItem(item.code, item.order_id, item.shipment_id, item.invoice_id,
                          item.message, action, case_id)


def _repair(deps: Deps, uow: UnitOfWork, order: OrderToPick | None, item: rc.Discrepancy,
            now: datetime) -> list[DomainEvent]:
    if item.repair is rc.Repair.ISSUE_INVOICE and item.shipment_id is not None:
        return billing.issue_stored_shipment_invoice(deps, uow, item.order_id,
                                                     item.shipment_id, now)
    stored = uow.reconciliation.stored_invoice(item.invoice_id or "")
    if stored is None or not stored.lines:
        return []
    customer = uow.masterdata.customer(stored.customer_id)
    invoice = rc.rebuilt_invoice(stored, order, customer, deps.billing.seller)
    return [billing.posting_requested(invoice, now)]


def _open_case(deps: Deps, uow: UnitOfWork, order: OrderToPick | None, item: rc.Discrepancy,
               run_id: str, now: datetime) -> tuple[str, DomainEvent]:
    customer = uow.masterdata.customer(order.customer_id) if order else None
    origin = CaseOrigin(item.order_id, customer, order.value if order else Decimal(0), None, now,
                        source_system=rc.SOURCE_OF_CODE.get(item.code, "shipshape"),
                        site_id=item.site)
    opened = open_case(deps, uow, rc.finding_of(item, run_id), origin)
    return opened.case.id, opened.event
