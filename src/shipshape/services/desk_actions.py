"""What each governed action does to the order of its case, in the caller's transaction.

The order actions take a held order again through the same control points and allocation as
intake (`acceptance.decide`), with what the desk decided (`Consent`): a split the customer
agreed to, a site to take it from, a credit hold a supervisor waived, a substitute, a cancelled
line. When the controls still block it, the action is refused naming why and what is
available, and the caller's transaction is rolled back: nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shipshape.domain import desk
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.catalogue import (
    ControlsEvaluated,
    DomainEvent,
    OrderAccepted,
    StockReleased,
    StockReserved,
)
from shipshape.domain.catalogue.parts import reservation_json
from shipshape.domain.desk import Action
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.inventory import Reservation
from shipshape.domain.orders import OrderDraft, OrderLine, OrderStatus, ShipTo
from shipshape.domain.picking import OrderToPick
from shipshape.domain.risk import RiskStage
from shipshape.services import amendment, delivery_actions, desk_clock, desk_reroute, returns
from shipshape.services.acceptance import Consent, Decision, decide
from shipshape.services.deps import Deps
from shipshape.services.edi_resend import resend_document
from shipshape.services.ports import UnitOfWork
from shipshape.services.promise import promise_taken
from shipshape.services.risk import risk_events

if TYPE_CHECKING:
    from shipshape.services.desk import CaseAction

DECIDED_AGAIN = "decided_again"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did: `taken` (the order was taken again, or the case's own action was
    done), what the caller is told, the events it wrote, and the codes still blocking the
    order (its cases stay open)."""

    taken: bool
    body: dict[str, object]
    events: tuple[DomainEvent, ...] = ()
    blocking: frozenset[str] = field(default_factory=frozenset)


def run(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    return RUNNERS[request.action](deps, uow, case, request)


def _approve_split(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                   request: CaseAction) -> Outcome:
    return take_again(deps, uow, _held(uow, case), Consent(allow_split=True, stored=True))


def _resource(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    site = request.site_id or ""
    if case.code in desk.ON_MOVING_ORDER[Action.RESOURCE][0]:
        body, events = desk_reroute.resource_short_pick(deps, uow, case, site)
        return Outcome(True, body, tuple(events), _still_blocking(uow, case))
    if site not in uow.masterdata.sites():
        raise InvalidInput(f"resource needs a known site_id; {site!r} is not one")
    return take_again(deps, uow, _held(uow, case), Consent(stored=True, site_first=site))


def _release_hold(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                  request: CaseAction) -> Outcome:
    return take_again(deps, uow, _held(uow, case), Consent(waived=desk.SUPERVISOR_RELEASES,
                                                                 stored=True))


def _substitute(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    order = _held(uow, case)
    line = order.line(_line_no(request))
    if line is None:
        raise InvalidInput(f"order {order.id} has no line {request.line_no}")
    sku = request.substitute_sku or ""
    _check_substitute(uow, order, sku)
    # Without a unit price the substitute is valued at the customer's contract price.
    lines = tuple(OrderLine(ln.line_no, sku, ln.quantity, None, ln.uom)
                  if ln.line_no == line.line_no else ln for ln in order.lines)
    outcome = take_again(deps, uow, replace(order, lines=lines), Consent(stored=True))
    return replace(outcome, body={**outcome.body, "line_no": line.line_no,
                                  "replaced_sku": line.sku, "substitute_sku": sku})


def _check_substitute(uow: UnitOfWork, order: OrderToPick, sku: str) -> None:
    customer = uow.masterdata.customer(order.customer_id)
    if customer is None or not customer.allow_substitutes:
        raise InvalidInput(f"customer {order.customer_id} does not accept substitutes")
    item = uow.masterdata.items({sku}).get(sku)
    if item is None or not item.active:
        raise InvalidInput(f"the substitute {sku!r} is not an active item")
    if sku not in uow.masterdata.prices(order.customer_id, {sku}):
        raise InvalidInput(f"customer {order.customer_id} has no contract price for {sku}")


def _cancel_line(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                 request: CaseAction) -> Outcome:
    order = _held(uow, case)
    line_no = _line_no(request)
    amended = amendment.amend_in(deps, uow, order.id, {line_no: 0}, request.actor)
    if not amended.changes:
        raise InvalidInput(f"order {order.id} has no line {line_no} to cancel")
    after = uow.picks.order(order.id, lock=True)
    assert after is not None
    outcome = take_again(deps, uow, after, Consent(stored=True))
    return replace(outcome, body={**outcome.body, "cancelled_line": line_no})


def _delay_release(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                   request: CaseAction) -> Outcome:
    order = _held(uow, case)
    when = request.release_on
    now = deps.clock.now()
    if when is None or when < now.date():
        raise InvalidInput("delay_release needs release_on, a date from today on")
    uow.desk.set_ship_date(order.id, when, now)
    paused = desk_clock.pause_case(deps, uow, case.id, "supply", request.actor,
                                   f"release delayed to {when.isoformat()}", now)
    return Outcome(False, {"order_id": order.id, "status": order.status.value,
                           "requested_ship_date": when.isoformat(), "clock": "paused"},
                   (paused,))


def _pause(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    waiting_on = request.waiting_on or "customer"
    paused = desk_clock.pause_case(deps, uow, case.id, waiting_on, request.actor,
                                   request.note or request.reason_code, deps.clock.now())
    return Outcome(False, {"clock": "paused", "waiting_on": waiting_on}, (paused,))


def _resume(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    resumed = desk_clock.resume_case(deps, uow, case.id, request.actor, deps.clock.now())
    return Outcome(False, {"clock": "running"}, (resumed,))


def _close_only(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                request: CaseAction) -> Outcome:
    """Resolve or reject: the case closes with its root cause; the order is left as it is."""
    return Outcome(True, {"root_cause": request.root_cause}, (), _still_blocking(uow, case))


def take_again(deps: Deps, uow: UnitOfWork, order: OrderToPick, consent: Consent) -> Outcome:
    """Decide the held `order` again with `consent`; accept and reserve it, or refuse, the
    order left holding what it held (callers that go on after a refusal rely on that)."""
    now = deps.clock.now()
    given_back = _give_back(uow, order, now)
    draft = _draft_of(order)
    decision = decide(deps, uow, draft, now, consent)
    if decision.blocked:
        _hold_again(uow, order, given_back, now)
        raise InvalidInput(refusal(order.id, decision))
    taken = decision.draft
    if taken.lines != order.lines:
        uow.changes.set_lines(order.id, taken.lines, taken.value, now)
    uow.inventory.reserve(order.id, decision.reservations, now)
    uow.credit.add_exposure(order.customer_id, taken.value)
    uow.orders.set_status(order.id, OrderStatus.ACCEPTED, now)
    uow.orders.add_findings(order.id, decision.findings, now)
    released = [StockReleased(occurred_at=now, order_id=order.id, reservations=given_back.stock,
                              reason=DECIDED_AGAIN)] if given_back.stock else []
    events: list[DomainEvent] = [
        *released,
        *risk_events(order.id, decision.risk, RiskStage.CAPTURE, deps.rules.version,
                     decision.findings, now),
        ControlsEvaluated(occurred_at=now, order_id=order.id, rule_version=deps.rules.version,
                          findings=decision.findings),
        StockReserved(occurred_at=now, order_id=order.id, reservations=decision.reservations),
        OrderAccepted(occurred_at=now, order_id=order.id, from_status=OrderStatus.HELD,
                      to_status=OrderStatus.ACCEPTED, blocking=())]
    events += promise_taken(deps, uow, order.id, taken.requested_ship_date,
                            taken.ship_to.country, decision.transit_days, now)
    body: dict[str, object] = {
        "order_id": order.id, "status": OrderStatus.ACCEPTED.value,
        "reservations": [reservation_json(r) for r in decision.reservations]}
    return Outcome(True, body, tuple(events))


@dataclass(frozen=True, slots=True)
class _Held:
    """What a held order gave back to be decided again: its stock, and its value that counted
    towards the customer's exposure."""

    stock: tuple[Reservation, ...] = ()
    value: Decimal = Decimal(0)


def _give_back(uow: UnitOfWork, order: OrderToPick, now: datetime) -> _Held:
    """An order held after it was accepted still counts towards its customer's exposure and
    may still hold stock (a hold pauses it): both are given back first, so that it is
    credit-checked and allocated afresh, its own stock free to it, and never counted twice."""
    if not uow.changes.was_accepted(order.id):  # held at intake: it holds neither
        return _Held()
    uow.credit.add_exposure(order.customer_id, -order.value)
    stock = tuple(uow.inventory.reservations_of(order.id))
    uow.inventory.unreserve(order.id, stock, now)
    return _Held(stock, order.value)


def _hold_again(uow: UnitOfWork, order: OrderToPick, held: _Held, now: datetime) -> None:
    uow.inventory.reserve(order.id, held.stock, now)
    if held.value:
        uow.credit.add_exposure(order.customer_id, held.value)


def refusal(order_id: str, decision: Decision) -> str:
    """Why the order is still blocked, with what is available for a shortage."""
    parts = []
    for finding in (f for f in decision.findings if f.blocks):
        text = f"{finding.code}: {finding.message}"
        available = finding.details.get("availability")
        if isinstance(available, list):
            text += " (available: " + "; ".join(_available(a) for a in available) + ")"
        parts.append(text)
    return f"order {order_id} cannot be taken: " + "; ".join(parts)


def _available(entry: object) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    sites = entry.get("available_by_site") or {}
    per_site = ", ".join(f"{site} {qty}" for site, qty in dict(sites).items()) or "none"
    return f"line {entry.get('line_no')} {entry.get('sku')} wants {entry.get('wanted')}: {per_site}"


def _held(uow: UnitOfWork, case: ExceptionCase) -> OrderToPick:
    order = uow.picks.order(case.order_id, lock=True) if case.order_id else None
    if order is None or order.status is not OrderStatus.HELD:
        raise Conflict(f"case {case.id}: its order is not held")
    return order


def _still_blocking(uow: UnitOfWork, case: ExceptionCase) -> frozenset[str]:
    """Closing a case by hand does not clear the order's other cases."""
    if case.order_id is None:
        return frozenset()
    return frozenset(c.code for c in uow.desk.open_of_order(case.order_id))


def _line_no(request: CaseAction) -> int:
    if request.line_no is None:
        raise InvalidInput(f"{request.action.value} needs line_no")
    return request.line_no


def _draft_of(order: OrderToPick) -> OrderDraft:
    return OrderDraft(
        channel="desk", external_id=order.id, customer_id=order.customer_id,
        customer_po=order.customer_po, requested_ship_date=order.requested_ship_date,
        ship_to=order.ship_to or ShipTo(country=order.ship_to_country),
        lines=tuple(order.lines), carrier_service=order.carrier_service)


def _on_delivery(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                 request: CaseAction) -> Outcome:
    """redeliver, reship, credit (`services/delivery_actions.py`); the order's other cases
    stay as they are."""
    body, events = delivery_actions.ACTIONS[request.action.value](
        deps, uow, case, request.actor, request.reason_code)
    return Outcome(True, body, tuple(events), _still_blocking(uow, case))


def _credit(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    """On a disputed return the dispute is settled in the customer's favour; on a delivery
    case the damaged, short or failed units are credited."""
    if case.code not in desk.ON_RETURN[Action.CREDIT]:
        return _on_delivery(deps, uow, case, request)
    body, events = returns.settle_dispute(deps, uow, case, request.actor, request.reason_code)
    return Outcome(True, body, tuple(events), _still_blocking(uow, case))


def _retender(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    body, events = desk_reroute.retender(deps, uow, case, request.carrier_service or "")
    return Outcome(True, body, tuple(events), _still_blocking(uow, case))


def _resend(deps: Deps, uow: UnitOfWork, case: ExceptionCase, request: CaseAction) -> Outcome:
    body, events = resend_document(deps, uow, case, request.actor, request.reason_code)
    return Outcome(True, body, tuple(events))


Runner = Callable[[Deps, UnitOfWork, ExceptionCase, "CaseAction"], Outcome]
RUNNERS: dict[Action, Runner] = {
    Action.APPROVE_SPLIT: _approve_split, Action.SUBSTITUTE: _substitute,
    Action.DELAY_RELEASE: _delay_release, Action.CANCEL_LINE: _cancel_line,
    Action.RELEASE_HOLD: _release_hold, Action.RESOURCE: _resource,
    Action.RESOLVE: _close_only, Action.REJECT: _close_only,
    Action.PAUSE: _pause, Action.RESUME: _resume,
    Action.REDELIVER: _on_delivery, Action.RESHIP: _on_delivery, Action.CREDIT: _credit,
    Action.RETENDER: _retender, Action.RESEND: _resend,
}
