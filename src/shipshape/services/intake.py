"""Capture: one order in, checked at every control point, reserved or held, nothing lost."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from shipshape.domain import events as ev
from shipshape.domain.cases import CaseOrigin, ExceptionCase, case_opened, open_case
from shipshape.domain.errors import ConcurrencyConflict, Conflict
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.inventory import Reservation
from shipshape.domain.orders import Order, OrderDraft, OrderStatus
from shipshape.services.acceptance import Decision, decide
from shipshape.services.deps import Deps
from shipshape.services.ports import StoredResponse, UnitOfWork

T = TypeVar("T")
RETRY_PAUSE_S = 0.005


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    draft: OrderDraft
    idempotency_key: str | None = None

    @property
    def key(self) -> str:
        return self.idempotency_key or f"{self.draft.channel}:{self.draft.external_id}"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    status_code: int
    body: dict[str, object]
    replayed: bool = False

    @property
    def status(self) -> str:
        return str(self.body.get("status"))


def submit_order(deps: Deps, command: SubmitOrder) -> IntakeResult:
    """One order, one transaction, retried when a concurrent writer got there first."""
    return _with_retries(deps, lambda uow: _submit(deps, uow, command))


def submit_orders(deps: Deps, commands: Sequence[SubmitOrder]) -> list[IntakeResult | Conflict]:
    """A batch in one transaction, strategic customers first; one by one if the batch conflicts."""
    try:
        return _with_retries(deps, lambda uow: _submit_batch(deps, uow, commands), attempts=1)
    except ConcurrencyConflict:
        return [_submit_or_conflict(deps, command) for command in commands]


def _submit_or_conflict(deps: Deps, command: SubmitOrder) -> IntakeResult | Conflict:
    try:
        return submit_order(deps, command)
    except Conflict as conflict:
        return conflict


def _submit_batch(
    deps: Deps, uow: UnitOfWork, commands: Sequence[SubmitOrder]
) -> list[IntakeResult | Conflict]:
    results = submit_in(deps, uow, commands)
    uow.commit()
    return results


def submit_in(
    deps: Deps, uow: UnitOfWork, commands: Sequence[SubmitOrder]
) -> list[IntakeResult | Conflict]:
    """Submit within the caller's transaction (strategic customers first); no commit."""
    customers = uow.masterdata.customers({c.draft.customer_id for c in commands})
    def rank(i: int) -> int:
        customer = customers.get(commands[i].draft.customer_id)
        return customer.priority_rank if customer else 9
    results: dict[int, IntakeResult | Conflict] = {}
    for i in sorted(range(len(commands)), key=rank):
        try:
            results[i] = _submit(deps, uow, commands[i], commit=False)
        except Conflict as conflict:
            results[i] = conflict
    return [results[i] for i in range(len(commands))]


def _with_retries(deps: Deps, work: Callable[[UnitOfWork], T], attempts: int = 0) -> T:
    """Run `work` in a fresh unit of work, again after a short random pause if it collided."""
    limit = attempts or deps.max_attempts
    for attempt in range(1, limit + 1):
        try:
            with deps.uow() as uow:
                return work(uow)
        except ConcurrencyConflict:
            if attempt == limit:
                raise
            time.sleep(random.uniform(0, RETRY_PAUSE_S * 2**attempt))
    raise ConcurrencyConflict("no attempt was made")


def _submit(deps: Deps, uow: UnitOfWork, command: SubmitOrder, commit: bool = True) -> IntakeResult:
    request_hash = command.draft.content_hash()
    stored = uow.idempotency.get(command.key)
    if stored is not None:
        return _replay(stored, request_hash, command.key)
    now = deps.clock.now()
    original = _find_original(uow, command.draft)
    if original is not None:
        result = _record_duplicate(deps, uow, command, original, now)
    else:
        result = _accept_or_hold(deps, uow, command.draft, now)
    uow.idempotency.put(command.key, StoredResponse(request_hash, result.status_code, result.body),
                        now)
    if commit:
        uow.commit()
    return result


def _replay(stored: StoredResponse, request_hash: str, key: str) -> IntakeResult:
    if stored.request_hash != request_hash:
        raise Conflict(f"idempotency key {key!r} was already used for a different order")
    return IntakeResult(stored.status_code, stored.body, replayed=True)


def _find_original(uow: UnitOfWork, draft: OrderDraft) -> str | None:
    if not draft.customer_po:
        return None
    return uow.orders.find_by_customer_po(draft.customer_id, draft.customer_po)


def _record_duplicate(
    deps: Deps, uow: UnitOfWork, command: SubmitOrder, original: str, now: datetime
) -> IntakeResult:
    draft = command.draft
    finding = block("DUPLICATE_ORDER", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                    f"customer {draft.customer_id} already sent PO {draft.customer_po} "
                    f"(order {original})", duplicate_of=original, channel=draft.channel,
                    external_id=draft.external_id, idempotency_key=command.key)
    origin = CaseOrigin(original, uow.masterdata.customer(draft.customer_id), draft.value,
                        None, now)
    case = open_case(deps.new_id("exc"), finding, origin, deps.rules.version)
    uow.cases.add(case)
    uow.orders.add_findings(original, [finding], now)
    uow.events.append([
        ev.Event(ev.DUPLICATE_RECEIVED, original, now, {
            "channel": draft.channel, "external_id": draft.external_id, "case_id": case.id}),
        case_opened(case, now),
    ])
    body: dict[str, object] = {
        "order_id": None, "status": "duplicate", "duplicate_of": original,
        "findings": [finding_json(finding)], "reservations": [], "cases": [case.id],
    }
    return IntakeResult(200, body)


def _accept_or_hold(deps: Deps, uow: UnitOfWork, draft: OrderDraft, now: datetime) -> IntakeResult:
    order = Order(deps.new_id("ord"), draft, rule_version=deps.rules.version)
    decision = decide(deps, uow, draft, now)
    order.move_to(OrderStatus.HELD if decision.blocked else OrderStatus.ACCEPTED)
    uow.orders.add(order, now)
    uow.orders.add_findings(order.id, decision.findings, now)
    if not decision.blocked:
        uow.inventory.reserve(order.id, decision.reservations, now)
        uow.credit.add_exposure(draft.customer_id, draft.value)
    cases = _open_cases(deps, uow, order, decision, now)
    uow.events.append(_decision_events(order, decision, cases, now))
    return IntakeResult(201, _order_body(order, decision, cases))


def _open_cases(
    deps: Deps, uow: UnitOfWork, order: Order, decision: Decision, now: datetime
) -> list[ExceptionCase]:
    promised = (datetime.combine(order.draft.requested_ship_date, datetime.min.time(), now.tzinfo)
                if order.draft.requested_ship_date else None)
    origin = CaseOrigin(order.id, decision.customer, order.draft.value, promised, now)
    cases = [open_case(deps.new_id("exc"), f, origin, order.rule_version)
             for f in decision.findings if f.blocks]
    for case in cases:
        uow.cases.add(case)
    return cases


def _decision_events(
    order: Order, decision: Decision, cases: Sequence[ExceptionCase], now: datetime
) -> list[ev.Event]:
    draft = order.draft
    events = [
        ev.Event(ev.ORDER_RECEIVED, order.id, now, {
            "channel": draft.channel, "external_id": draft.external_id,
            "customer_id": draft.customer_id, "customer_po": draft.customer_po,
            "lines": len(draft.lines), "value": str(draft.value)}),
        ev.Event(ev.CONTROLS_EVALUATED, order.id, now, {
            "rule_version": order.rule_version,
            "findings": [finding_json(f) for f in decision.findings]}),
    ]
    if decision.reservations and not decision.blocked:
        events.append(ev.Event(ev.STOCK_RESERVED, order.id, now, {
            "reservations": [_reservation_json(r) for r in decision.reservations]}))
    events.extend(case_opened(case, now) for case in cases)
    final = ev.ORDER_HELD if decision.blocked else ev.ORDER_ACCEPTED
    events.append(ev.Event(final, order.id, now, {
        "from": OrderStatus.RECEIVED.value, "to": order.status.value,
        "blocking": [f.code for f in decision.findings if f.blocks]}))
    return events


def _order_body(
    order: Order, decision: Decision, cases: Sequence[ExceptionCase]
) -> dict[str, object]:
    return {
        "order_id": order.id,
        "status": order.status.value,
        "findings": [finding_json(f) for f in decision.findings],
        "reservations": [_reservation_json(r) for r in decision.reservations]
        if not decision.blocked else [],
        "cases": [case.id for case in cases],
        "rule_version": order.rule_version,
    }


def finding_json(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code, "severity": finding.severity.value, "kind": finding.kind.value,
        "message": finding.message, "owner_team": finding.owner_team,
        "line_nos": list(finding.line_nos), "rule": finding.rule, "details": finding.details,
    }


def _reservation_json(r: Reservation) -> dict[str, object]:
    return {"line_no": r.line_no, "site": r.site, "sku": r.sku, "quantity": r.quantity}
