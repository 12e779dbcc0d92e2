"""Order changes and cancellations a trading partner sends, and what becomes of them.

An X12 860 (or an 850 with BEG01 `01` cancel / `05` replace) and an EDIFACT ORDCHG name the
order by the partner's customer, the PO and its release number (the identity of duplicate
detection) and ask, line by line, for new quantities, deletions, additions or prices. The
order's stage decides (`route`):

* received, held, accepted: applied, as the API's amendment and cancellation apply them;
* released, picked (the warehouse has it): NOT applied; an `EDI_CHANGE_AFTER_RELEASE` case for
  customer service carries the change, line by line, so the desk can act;
* shipped, invoiced, closed, cancelled: refused; a cancellation or change of a shipped order
  opens `EDI_CHANGE_REFUSED` so that nobody believes it was done.

Within an applied change each line has its own verdict (`plan_lines`): quantities (QI, QD, CA,
RZ; ORDCHG 1229 `3`) and deletions (DI; 1229 `2`; quantity 0) are taken; additions (AI; 1229
`1`) and price changes (PC, or a price that differs from the order's) are not, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shipshape.domain.bounds import MAX_QUANTITY
from shipshape.domain.findings import Finding, Kind, Team, warn
from shipshape.domain.orders import OrderLine, OrderStatus

AFTER_RELEASE_CASE = "EDI_CHANGE_AFTER_RELEASE"
REFUSED_CASE = "EDI_CHANGE_REFUSED"
ACTOR = "edi"
S = OrderStatus
APPLICABLE = frozenset({S.RECEIVED, S.HELD, S.ACCEPTED})
WITH_THE_WAREHOUSE = frozenset({S.RELEASED, S.PICKED})


class Purpose(StrEnum):
    CANCEL = "cancel"
    CHANGE = "change"
    REPLACE = "replace"


class Ask(StrEnum):
    """What a line asks for."""

    ADD = "add"
    DELETE = "delete"
    QUANTITY = "quantity"
    PRICE = "price"


class Route(StrEnum):
    APPLY = "apply"
    DESK = "desk"
    REFUSE = "refuse"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    DELETED = "deleted"
    REJECTED = "rejected"
    HELD = "held"
    """Not applied: waiting for customer service (after release)."""


class Outcome(StrEnum):
    APPLIED = "applied"
    PARTLY_APPLIED = "partly_applied"
    HELD_FOR_DESK = "held_for_desk"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class LineAsk:
    """One line of a change request as sent; `problem` when it cannot be read."""

    line_no: int | None
    code: str
    """As sent: POC02 (QI, DI...) or ORDCHG LIN 1229 (1, 2, 3)."""
    ask: Ask
    quantity: int | None = None
    unit_price: Decimal | None = None
    uom: str | None = None
    item_ids: tuple[tuple[str, str], ...] = ()
    problem: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"line_no": self.line_no, "code": self.code, "ask": self.ask.value,
                "quantity": self.quantity,
                "unit_price": None if self.unit_price is None else str(self.unit_price),
                "uom": self.uom, "item_ids": [f"{q}:{v}" for q, v in self.item_ids],
                **({"problem": self.problem} if self.problem else {})}


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A partner's change or cancellation of one order, as its document states it."""

    standard: str
    document: str
    """"860", "850" (BEG01 01 or 05) or "ORDCHG"."""
    reference: str
    """The transaction set's control number (ST02) or the message reference (UNH)."""
    purpose: Purpose
    purpose_code: str
    """As sent: BCH01 / BEG01 (01, 04, 05) or BGM 1225 (1, 4, 5)."""
    po_number: str
    release: str
    lines: tuple[LineAsk, ...] = ()
    problem: str | None = None
    """Why the request as a whole cannot be taken (no PO number...), if it cannot."""

    @property
    def subject(self) -> str:
        release = f" release {self.release}" if self.release else ""
        return f"PO {self.po_number or '(none)'}{release}"

    def as_json(self) -> dict[str, object]:
        return {"document": self.document, "reference": self.reference,
                "purpose": self.purpose.value, "po_number": self.po_number,
                "release": self.release or None, "lines": [a.as_json() for a in self.lines]}


@dataclass(frozen=True, slots=True)
class LineVerdict:
    ask: LineAsk
    verdict: Verdict
    quantity: int | None
    """The line's quantity after the change (what the acknowledgement states)."""
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        return {"line_no": self.ask.line_no, "code": self.ask.code, "ask": self.ask.ask.value,
                "asked_quantity": self.ask.quantity, "verdict": self.verdict.value,
                "quantity": self.quantity, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """What became of a change request; `order_id` None when no order matched."""

    request: ChangeRequest
    order_id: str | None
    outcome: Outcome
    reason: str
    lines: tuple[LineVerdict, ...] = ()
    case_id: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"document": self.request.document, "reference": self.request.reference,
                "purpose": self.request.purpose.value, "po_number": self.request.po_number,
                "release": self.request.release or None, "order_id": self.order_id,
                "outcome": self.outcome.value, "reason": self.reason, "case_id": self.case_id,
                "lines": [v.as_json() for v in self.lines]}


def route(status: OrderStatus) -> Route:
    """Before release applied, with the warehouse to the desk, after shipment refused."""
    if status in APPLICABLE:
        return Route.APPLY
    if status in WITH_THE_WAREHOUSE:
        return Route.DESK
    return Route.REFUSE


def refusal_reason(order_id: str, status: OrderStatus, purpose: Purpose) -> str:
    if status is S.CANCELLED:
        return f"order {order_id} is already cancelled"
    what = "cancelled" if purpose is Purpose.CANCEL else "changed"
    return (f"order {order_id} is {status.value}: the goods have left, it can no longer be "
            f"{what}; a return or a credit corrects it")


def desk_reason(order_id: str, status: OrderStatus) -> str:
    return (f"order {order_id} is {status.value} (the warehouse is working on it): the change "
            "was not applied; customer service decides and answers")


def plan_lines(request: ChangeRequest, lines: Sequence[OrderLine]
               ) -> tuple[dict[int, int], list[LineVerdict]]:
    """The quantities to set (line number -> quantity, 0 deletes) and each line's verdict.

    A replacement (850 BEG01 05) also deletes the order's lines it does not name.
    """
    by_no = {line.line_no: line for line in lines}
    wanted: dict[int, int] = {}
    verdicts = [_verdict(ask, by_no, wanted) for ask in request.lines]
    if request.purpose is Purpose.REPLACE:
        for line_no in sorted(set(by_no) - {a.line_no for a in request.lines}):
            wanted[line_no] = 0
            verdicts.append(LineVerdict(LineAsk(line_no, "RZ", Ask.DELETE), Verdict.DELETED, 0,
                                        "not in the replacement order"))
    return wanted, verdicts


def _verdict(ask: LineAsk, by_no: dict[int, OrderLine], wanted: dict[int, int]) -> LineVerdict:
    line = by_no.get(ask.line_no) if ask.line_no is not None else None
    problem = _problem(ask, line, wanted)
    if problem is not None or line is None:
        return LineVerdict(ask, Verdict.REJECTED, line.quantity if line else None,
                           problem or "")
    if ask.ask is Ask.DELETE or ask.quantity == 0:
        wanted[line.line_no] = 0
        return LineVerdict(ask, Verdict.DELETED, 0)
    quantity = ask.quantity if ask.quantity is not None else line.quantity or 0
    wanted[line.line_no] = quantity
    return LineVerdict(ask, Verdict.ACCEPTED, quantity)


def _problem(ask: LineAsk, line: OrderLine | None, wanted: dict[int, int]) -> str | None:
    if ask.problem:
        return ask.problem
    if ask.ask is Ask.ADD:
        return "a line is not added by a change request; send the item on a new purchase order"
    if ask.ask is Ask.PRICE:
        return "a price change is not taken by EDI: the agreed price stands (customer service)"
    if ask.line_no is None or line is None:
        return f"the order has no line {ask.line_no if ask.line_no is not None else '(none)'}"
    if ask.line_no in wanted:
        return f"line {ask.line_no} is named twice; the first request stands"
    return _quantity_problem(ask, line)


def _quantity_problem(ask: LineAsk, line: OrderLine) -> str | None:
    if ask.ask is Ask.QUANTITY and ask.quantity is None:
        return "no new quantity is given"
    if ask.quantity is not None and not 0 <= ask.quantity <= MAX_QUANTITY:
        return f"quantity {ask.quantity} is outside 0-{MAX_QUANTITY}"
    if ask.unit_price is not None and line.unit_price is not None \
            and ask.unit_price != line.unit_price:
        return (f"the price {ask.unit_price} differs from the order's {line.unit_price}: a "
                "price change is not taken by EDI (customer service)")
    return None


def held_lines(request: ChangeRequest, reason: str) -> tuple[LineVerdict, ...]:
    return tuple(LineVerdict(ask, Verdict.HELD, None, reason) for ask in request.lines)


def outcome_of(verdicts: Sequence[LineVerdict]) -> Outcome:
    """Applied when every line was taken, partly when some were, refused when none."""
    taken = [v for v in verdicts if v.verdict in (Verdict.ACCEPTED, Verdict.DELETED)]
    if not verdicts or len(taken) == len(verdicts):
        return Outcome.APPLIED
    return Outcome.PARTLY_APPLIED if taken else Outcome.REFUSED


def after_release(request: ChangeRequest, partner_id: str, order_id: str,
                  status: OrderStatus, interchange: str) -> Finding:
    """`EDI_CHANGE_AFTER_RELEASE`: the change, line by line, for the desk to apply or answer."""
    what = "cancel" if request.purpose is Purpose.CANCEL else "change"
    return warn(AFTER_RELEASE_CASE, Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                f"partner {partner_id} asks to {what} {request.subject} (order {order_id}) "
                f"after release ({status.value}): not applied, decide with the warehouse",
                **_details(request, partner_id, interchange))


def refused(request: ChangeRequest, partner_id: str, order_id: str, reason: str,
            interchange: str) -> Finding:
    """`EDI_CHANGE_REFUSED`: the partner asked for what can no longer be done."""
    return warn(REFUSED_CASE, Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                f"partner {partner_id}'s {request.purpose.value} of {request.subject} "
                f"(order {order_id}) was refused: {reason}",
                **_details(request, partner_id, interchange))


def _details(request: ChangeRequest, partner_id: str, interchange: str) -> dict[str, object]:
    return {"partner": partner_id, "document": f"{interchange}:{request.reference}",
            "change": request.as_json(),
            "line_nos": [a.line_no for a in request.lines if a.line_no is not None]}


def printable(value: str, limit: int = 100) -> str:
    """Received text as it may be kept and echoed: control characters (NUL...) shown as "?"."""
    return "".join(c if c.isprintable() else "?" for c in value)[:limit]


def text_fault(name: str, value: str) -> str | None:
    """Why a received identity value cannot be used, or None."""
    if any(not c.isprintable() for c in value):
        return f"the {name} holds control characters (e.g. NUL); nothing was changed"
    return None
