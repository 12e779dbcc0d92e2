"""Applying the order changes and cancellations partners send (`domain/edi_changes.py`).

Each request is taken inside its interchange's transaction (`edi_intake.receive_interchange`),
through the API's own controls: `amendment.amend_in` and `cancellation.cancel_in`, with their
locks, stock moves, exposure and compensations. Each runs under a savepoint, so a change the
controls refuse (not enough stock for a larger quantity, every line removed) is undone whole and
answered as refused while the rest of the interchange stands. The order is found as duplicate
detection finds it: the partner's customer, the PO and its release number.

Every request leaves `EdiOrderChangeReceived` with its outcome and per-line verdicts (on the
order's timeline, or its own when no order matched); after release an
`EDI_CHANGE_AFTER_RELEASE` case carries the change for customer service; after shipment an
`EDI_CHANGE_REFUSED` case says that it was refused. The answers (865 / ORDRSP) are built by
the channel adapter (`ChangeSource`) and stored as outbound documents like the 997 and 855.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from shipshape.domain import edi_changes as ec
from shipshape.domain.bounds import text_problem
from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import DomainEvent, EdiOrderChangeReceived
from shipshape.domain.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from shipshape.domain.findings import Finding
from shipshape.domain.orders import OrderStatus
from shipshape.domain.partners import TradingPartner
from shipshape.domain.picking import OrderToPick
from shipshape.services.amendment import amend_in
from shipshape.services.cancellation import cancel_in
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork

if TYPE_CHECKING:
    from shipshape.services.edi_intake import Allocate, OutboundDocument

REFUSED_BY_CONTROLS = (Conflict, IllegalTransition, InvalidInput, NotFound)
PO_LIMIT, RELEASE_LIMIT = 100, 35
AFTER_SHIPMENT = frozenset({OrderStatus.SHIPPED, OrderStatus.INVOICED, OrderStatus.CLOSED})


@runtime_checkable
class ChangeSource(Protocol):
    """A channel's interchange that carries change requests and answers them."""

    @property
    def control_number(self) -> str: ...
    def change_requests(self) -> Sequence[ec.ChangeRequest]:
        """The requests read by `orders()` (call it first)."""
        ...
    def change_answers(self, partner: TradingPartner, outcomes: Sequence[ec.ChangeOutcome],
                       allocate: Allocate) -> list[OutboundDocument]: ...
    def consult(self, known: Callable[[str, str], bool]) -> None:
        """How to tell whether the partner's customer has a PO (and release) already: an 850
        that replaces (BEG01 05) one not received is taken as a new order."""
        ...


def consult_orders(uow: UnitOfWork, partner: TradingPartner, handler: object) -> None:
    """Let the interchange tell a replacement from a first order; call before `orders()`."""
    if isinstance(handler, ChangeSource):
        handler.consult(lambda po, release: uow.orders.find_by_customer_po(
            partner.customer_id, po, release) is not None)


def take_changes(deps: Deps, uow: UnitOfWork, partner: TradingPartner,
                 handler: object) -> tuple[ec.ChangeOutcome, ...]:
    """Apply, send to the desk or refuse each change request of the interchange; no commit."""
    if not isinstance(handler, ChangeSource):
        return ()
    return tuple(apply_change_in(deps, uow, partner, request, handler.control_number)
                 for request in handler.change_requests())


def answer_changes(uow: UnitOfWork, partner: TradingPartner, handler: object,
                   outcomes: Sequence[ec.ChangeOutcome], interchange_id: int,
                   now: datetime) -> tuple[OutboundDocument, ...]:
    """The 865s / ORDRSPs the partner wants, under its next control numbers, stored."""
    if not outcomes or not isinstance(handler, ChangeSource):
        return ()

    def allocate(kind: str) -> int:
        return uow.edi.next_control_number(partner.id, kind)
    documents = handler.change_answers(partner, outcomes, allocate)
    for document in documents:
        uow.edi.store_document(partner.id, "out", document.doc_type, document.control_number,
                               interchange_id, document.text, now)
    return tuple(documents)


def apply_change_in(deps: Deps, uow: UnitOfWork, partner: TradingPartner,
                    request: ec.ChangeRequest, interchange: str) -> ec.ChangeOutcome:
    """One request within the caller's transaction, its event (and case) recorded."""
    problem = request.problem or _identity_problem(request)
    order_id = None if problem else uow.orders.find_by_customer_po(
        partner.customer_id, request.po_number, request.release)
    if order_id is None:
        reason = problem or (f"no order of customer {partner.customer_id} has "
                             f"{request.subject}; nothing was changed")
        return _record(deps, uow, partner, interchange, _refused(request, None, reason))
    order = uow.picks.order(order_id, lock=True)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    where = ec.route(order.status)
    if where is ec.Route.APPLY:
        outcome = _apply(deps, uow, partner, interchange, request, order)
        return _record(deps, uow, partner, interchange, outcome)
    if where is ec.Route.DESK:
        reason = ec.desk_reason(order_id, order.status)
        held = ec.ChangeOutcome(request, order_id, ec.Outcome.HELD_FOR_DESK, reason,
                                ec.held_lines(request, reason))
        finding = ec.after_release(request, partner.id, order_id, order.status, interchange)
        return _record(deps, uow, partner, interchange, held, (finding, order))
    outcome = _refused(request, order_id, ec.refusal_reason(order_id, order.status,
                                                           request.purpose))
    if order.status in AFTER_SHIPMENT:
        finding = ec.refused(request, partner.id, order_id, outcome.reason, interchange)
        return _record(deps, uow, partner, interchange, outcome, (finding, order))
    return _record(deps, uow, partner, interchange, outcome)


def _identity_problem(request: ec.ChangeRequest) -> str | None:
    if not request.po_number:
        return f"the {request.document} names no purchase order number"
    for name, value, limit in (("PO number", request.po_number, PO_LIMIT),
                               ("release number", request.release, RELEASE_LIMIT)):
        problem = text_problem(value, limit)
        if problem:
            return f"the {name} {problem}"
    return None


def _apply(deps: Deps, uow: UnitOfWork, partner: TradingPartner, interchange: str,
           request: ec.ChangeRequest, order: OrderToPick) -> ec.ChangeOutcome:
    actor = f"{ec.ACTOR}:{partner.id}"
    if request.purpose is ec.Purpose.CANCEL:
        reason = (f"cancelled by partner {partner.id} ({request.document} "
                  f"{interchange}/{request.reference})")
        try:
            with uow.savepoint():
                result = cancel_in(deps, uow, order.id, reason, actor)
        except REFUSED_BY_CONTROLS as error:
            return _refused(request, order.id, str(error))
        done = ", ".join(result.compensations) or "nothing to give back"
        return ec.ChangeOutcome(request, order.id, ec.Outcome.APPLIED,
                                f"order {order.id} cancelled ({done})")
    wanted, verdicts = ec.plan_lines(request, order.lines)
    if not wanted:
        return ec.ChangeOutcome(request, order.id, ec.Outcome.REFUSED,
                                "no line of the change could be applied", tuple(verdicts))
    try:
        with uow.savepoint():
            amend_in(deps, uow, order.id, wanted, actor)
    except REFUSED_BY_CONTROLS as error:
        undone = tuple(_not_applied(v, str(error)) for v in verdicts)
        return ec.ChangeOutcome(request, order.id, ec.Outcome.REFUSED, str(error), undone)
    outcome = ec.outcome_of(verdicts)
    return ec.ChangeOutcome(request, order.id, outcome, f"order {order.id} {outcome.value}",
                            tuple(verdicts))


def _not_applied(verdict: ec.LineVerdict, reason: str) -> ec.LineVerdict:
    if verdict.verdict is ec.Verdict.REJECTED:
        return verdict
    return replace(verdict, verdict=ec.Verdict.REJECTED, quantity=None, reason=reason)


def _refused(request: ec.ChangeRequest, order_id: str | None,
             reason: str) -> ec.ChangeOutcome:
    lines = tuple(ec.LineVerdict(ask, ec.Verdict.REJECTED, None, reason)
                  for ask in request.lines)
    return ec.ChangeOutcome(request, order_id, ec.Outcome.REFUSED, reason, lines)


def _record(deps: Deps, uow: UnitOfWork, partner: TradingPartner, interchange: str,
            outcome: ec.ChangeOutcome,
            case: tuple[Finding, OrderToPick] | None = None) -> ec.ChangeOutcome:
    now = deps.clock.now()
    events: list[DomainEvent] = []
    if case is not None:
        finding, order = case
        origin = CaseOrigin(order.id, uow.masterdata.customer(order.customer_id), order.value,
                            None, now, source_system=f"edi:{partner.id}")
        opened = open_case(deps, uow, finding, origin)
        outcome = replace(outcome, case_id=opened.case.id)
        events.append(opened.event)
    request = outcome.request
    events.insert(0, EdiOrderChangeReceived(
        occurred_at=now, order_id=outcome.order_id, partner=partner.id,
        control_number=interchange, document=request.document, reference=request.reference,
        purpose=request.purpose.value, po_number=request.po_number,
        release=request.release or None, outcome=outcome.outcome.value, reason=outcome.reason,
        lines=tuple(v.as_json() for v in outcome.lines), case_id=outcome.case_id))
    uow.events.append(events)
    return outcome
