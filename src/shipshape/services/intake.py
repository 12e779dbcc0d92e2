"""Capture: one order in, checked at every control point, reserved or held, nothing lost."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from shipshape.domain.bounds import draft_problems, text_problem
from shipshape.domain.cases import CaseOrigin, promised_at
from shipshape.domain.catalogue import (
    ControlsEvaluated,
    DomainEvent,
    DuplicateOrderReceived,
    OrderAccepted,
    OrderHeld,
    OrderReceived,
    StockReserved,
)
from shipshape.domain.catalogue.parts import finding_json, reservation_json
from shipshape.domain.errors import ConcurrencyConflict, Conflict, InvalidInput, ShipshapeError
from shipshape.domain.findings import Kind, Team, block
from shipshape.domain.masterdata import Customer
from shipshape.domain.orders import Order, OrderDraft, OrderStatus
from shipshape.domain.risk import RiskStage
from shipshape.services import correlation
from shipshape.services.acceptance import Decision, decide
from shipshape.services.cases import OpenedCase, open_case
from shipshape.services.deps import Deps
from shipshape.services.outcomes import Outcome
from shipshape.services.ports import StoredResponse, UnitOfWork
from shipshape.services.promise import promise_order
from shipshape.services.risk import risk_events

T = TypeVar("T")
RETRY_PAUSE_S = 0.005
MAX_KEY = 200
log = logging.getLogger(__name__)


class UnfitOrder(InvalidInput):
    """An order with values the domain cannot compute with or the store cannot keep (a NUL, a
    text longer than its column, an amount too large): refused before anything is written."""


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    """`idempotency_key` is the caller's own (an API client's `Idempotency-Key`, kept in
    `scope`, e.g. `caller_scope(name)`); without one, or without a scope, the key lives in the
    channel's scope, and without a key it is `<channel>:<external id>`."""

    draft: OrderDraft
    idempotency_key: str | None = None
    scope: str | None = None
    request_id: str | None = None
    """The request it came with, kept on its events even when another thread writes them."""

    @property
    def key(self) -> str:
        return self.idempotency_key or f"{self.draft.channel}:{self.draft.external_id}"

    @property
    def key_scope(self) -> str:
        if self.idempotency_key and self.scope:
            return self.scope
        return channel_scope(self.draft.channel)


def caller_scope(principal_name: str) -> str:
    """The idempotency scope of the keys an API token's holder chooses."""
    return f"token:{principal_name}"


def channel_scope(channel: str) -> str:
    return f"channel:{channel}"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    outcome: Outcome
    body: dict[str, object]
    replayed: bool = False

    @property
    def status(self) -> str:
        return str(self.body.get("status"))


def submit_order(deps: Deps, command: SubmitOrder) -> IntakeResult:
    """One order, one transaction, retried when a concurrent writer got there first."""
    return with_retries(deps, lambda uow: take_order(deps, uow, command))


def submit_orders(deps: Deps, commands: Sequence[SubmitOrder]) -> list[IntakeResult | Conflict]:
    """A batch in one transaction, strategic customers first; one by one if the batch fails, so
    that an order that cannot be taken is answered `rejected` alone and the others are kept."""
    try:
        return with_retries(deps, lambda uow: _submit_batch(deps, uow, commands), attempts=1)
    except ConcurrencyConflict:
        pass
    except Exception as error:  # whatever one order caused: find it by taking them one by one
        log.warning("a batch of %d orders failed (%s); taking them one by one", len(commands),
                    type(error).__name__)
    return [_submit_alone(deps, command) for command in commands]


def _submit_alone(deps: Deps, command: SubmitOrder) -> IntakeResult | Conflict:
    """One order of a batch; an error of its own refuses it, a store that is busy or cannot
    take writes stops the batch (raised)."""
    try:
        return submit_order(deps, command)
    except Conflict as conflict:
        return conflict
    except ConcurrencyConflict:
        raise
    except Exception as error:  # isolated: this order alone is refused, with its reason
        if not isinstance(error, InvalidInput):
            log.error("order %r of a batch failed: %s: %s", command.draft.external_id[:100],
                      type(error).__name__, str(error)[:300])
        return refused(error)


def refused(error: Exception) -> IntakeResult:
    """The answer for an order that was not taken (nothing of it is stored), with the reason."""
    reason = (str(error) if isinstance(error, ShipshapeError)
              else f"the order could not be taken ({type(error).__name__}); it was logged")
    finding = block("ORDER_REFUSED", Kind.DATA_QUALITY, Team.INTEGRATION, reason)
    return IntakeResult(Outcome.REJECTED, {"order_id": None, "status": "rejected", "detail": reason,
                              "findings": [finding_json(finding)], "reservations": [],
                              "cases": []})


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
    customers = prefetch_masterdata(uow, commands)
    def rank(i: int) -> int:
        customer = customers.get(commands[i].draft.customer_id)
        return customer.priority_rank if customer else 9
    results: dict[int, IntakeResult | Conflict] = {}
    for i in sorted(range(len(commands)), key=rank):
        try:
            results[i] = take_order(deps, uow, commands[i], commit=False)
        except Conflict as conflict:
            results[i] = conflict
        except UnfitOrder as unfit:
            results[i] = refused(unfit)
    return [results[i] for i in range(len(commands))]


def prefetch_masterdata(uow: UnitOfWork, commands: Sequence[SubmitOrder]) -> dict[str, Customer]:
    """The batch's customers, items and contract prices read at once, for its transaction;
    returns the customers found. An order with values the store cannot take (refused alone
    later) is left out of the read."""
    fit = [c.draft for c in commands if not draft_problems(c.draft)]
    uow.masterdata.prefetch((draft.customer_id, line.sku) for draft in fit for line in draft.lines)
    return {draft.customer_id: customer for draft in fit
            if (customer := uow.masterdata.customer(draft.customer_id)) is not None}


def with_retries(deps: Deps, work: Callable[[UnitOfWork], T], attempts: int = 0) -> T:
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


def take_order(deps: Deps, uow: UnitOfWork, command: SubmitOrder,
               commit: bool = True) -> IntakeResult:
    """One order in the caller's unit of work, committed unless `commit` is False."""
    if command.request_id is not None and command.request_id != correlation.request_id():
        with correlation.serving(command.request_id):
            return take_order(deps, uow, command, commit)
    _refuse_unfit(command)
    request_hash = command.draft.content_hash()
    stored = uow.idempotency.get(command.key_scope, command.key)
    if stored is not None:
        return _replay(stored, request_hash, command.key)
    now = deps.clock.now()
    original = _find_original(uow, command.draft)
    if original is not None:
        result = _record_duplicate(deps, uow, command, original, now)
    else:
        result = _accept_or_hold(deps, uow, command.draft, now)
    uow.idempotency.put(command.key_scope, command.key,
                        StoredResponse(request_hash, result.outcome, result.body), now)
    if commit:
        uow.commit()
    return result


def _refuse_unfit(command: SubmitOrder) -> None:
    """UnfitOrder naming each field whose value cannot be taken; before anything is read."""
    problems = draft_problems(command.draft)
    if command.idempotency_key is not None:
        key_problem = text_problem(command.idempotency_key, MAX_KEY)
        problems += [f"idempotency_key: {key_problem}"] if key_problem else []
    if problems:
        raise UnfitOrder("; ".join(problems))


def _replay(stored: StoredResponse, request_hash: str, key: str) -> IntakeResult:
    if stored.request_hash != request_hash:
        raise Conflict(f"idempotency key {key!r} was already used for a different order")
    return IntakeResult(stored.outcome, stored.body, replayed=True)


def _find_original(uow: UnitOfWork, draft: OrderDraft) -> str | None:
    if not draft.customer_po:
        return None
    return uow.orders.find_by_customer_po(draft.customer_id, draft.customer_po,
                                          draft.release_number or "")


def _release(draft: OrderDraft) -> str:
    return f" release {draft.release_number}" if draft.release_number else ""


def _record_duplicate(
    deps: Deps, uow: UnitOfWork, command: SubmitOrder, original: str, now: datetime
) -> IntakeResult:
    draft = command.draft
    finding = block("DUPLICATE_ORDER", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                    f"customer {draft.customer_id} already sent PO {draft.customer_po}"
                    f"{_release(draft)} (order {original})", duplicate_of=original,
                    channel=draft.channel,
                    external_id=draft.external_id, idempotency_key=command.key)
    origin = CaseOrigin(original, uow.masterdata.customer(draft.customer_id), draft.value,
                        None, now)
    opened = open_case(deps, uow, finding, origin)
    case = opened.case
    uow.orders.add_findings(original, [finding], now)
    uow.events.append([
        DuplicateOrderReceived(occurred_at=now, order_id=original, channel=draft.channel,
                               external_id=draft.external_id, case_id=case.id),
        opened.event,
    ])
    body: dict[str, object] = {
        "order_id": None, "status": "duplicate", "duplicate_of": original,
        "findings": [finding_json(finding)], "reservations": [], "cases": [case.id],
    }
    return IntakeResult(Outcome.EXISTING, body)


def _accept_or_hold(deps: Deps, uow: UnitOfWork, draft: OrderDraft, now: datetime) -> IntakeResult:
    order_id = deps.new_id("ord")
    decision = decide(deps, uow, draft, now)
    if decision.draft is not draft and (problems := draft_problems(decision.draft)):
        raise UnfitOrder("at the contract prices: " + "; ".join(problems))
    # Stored as decided: lines sent without a price carry the contract price they were valued at.
    draft = decision.draft
    order = Order(order_id, draft, rule_version=deps.rules.version)
    order.move_to(OrderStatus.HELD if decision.blocked else OrderStatus.ACCEPTED)
    promised = (None if decision.blocked
                else promise_order(deps, order, decision.transit_days, now))
    uow.orders.add(order, now)
    uow.orders.add_findings(order.id, decision.findings, now)
    if not decision.blocked:
        uow.inventory.reserve(order.id, decision.reservations, now)
        uow.credit.add_exposure(draft.customer_id, draft.value)
    cases = _open_cases(deps, uow, order, decision, now)
    events = _decision_events(order, decision, cases, now)
    if promised is not None:
        events.append(promised)
    uow.events.append(events)
    return IntakeResult(Outcome.CREATED, _order_body(order, decision, cases))


def _open_cases(
    deps: Deps, uow: UnitOfWork, order: Order, decision: Decision, now: datetime
) -> list[OpenedCase]:
    origin = CaseOrigin(order.id, decision.customer, order.draft.value,
                        promised_at(order.draft.requested_ship_date, now), now)
    return [open_case(deps, uow, f, origin, rule_version=order.rule_version)
            for f in decision.findings if f.blocks]


def _decision_events(
    order: Order, decision: Decision, cases: Sequence[OpenedCase], now: datetime
) -> list[DomainEvent]:
    draft = order.draft
    events: list[DomainEvent] = [
        OrderReceived(occurred_at=now, order_id=order.id, channel=draft.channel,
                      external_id=draft.external_id, customer_id=draft.customer_id,
                      customer_po=draft.customer_po, line_count=len(draft.lines),
                      value=draft.value),
        *risk_events(order.id, decision.risk, RiskStage.CAPTURE, order.rule_version,
                     decision.findings, now),
        ControlsEvaluated(occurred_at=now, order_id=order.id, rule_version=order.rule_version,
                          findings=decision.findings),
    ]
    if decision.reservations and not decision.blocked:
        events.append(StockReserved(occurred_at=now, order_id=order.id,
                                    reservations=decision.reservations))
    events.extend(opened.event for opened in cases)
    final = OrderHeld if decision.blocked else OrderAccepted
    events.append(final(occurred_at=now, order_id=order.id, from_status=OrderStatus.RECEIVED,
                        to_status=order.status,
                        blocking=tuple(f.code for f in decision.findings if f.blocks)))
    return events


def _order_body(
    order: Order, decision: Decision, cases: Sequence[OpenedCase]
) -> dict[str, object]:
    return {
        "order_id": order.id,
        "status": order.status.value,
        "findings": [finding_json(f) for f in decision.findings],
        "reservations": [reservation_json(r) for r in decision.reservations]
        if not decision.blocked else [],
        "cases": [opened.case.id for opened in cases],
        "rule_version": order.rule_version,
        "promised_date": order.promised_date.isoformat() if order.promised_date else None,
    }

