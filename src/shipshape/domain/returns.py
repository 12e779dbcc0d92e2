"""Returns (RMA): what a customer may send back, what the WMS received, and what is credited.

* **Authorisation.** A return names order lines, a quantity each and one reason code. Each
  line's units come from the shipments that shipped it, oldest first, within the customer's
  return window (days after the shipment's ship date); units a live return (authorised,
  received, disputed or credited) already covers cannot be authorised again. The reason must be
  one the customer's policy accepts.
* **Receipt.** The WMS reports per line the units received good, damaged and scrapped
  (destroyed). Good units go back to available stock, damaged ones to quarantine, scrapped ones
  to scrap: a stock movement each. Units beyond the authorisation are not booked. Any
  difference from the authorisation — another quantity, a line not authorised, damaged or
  scrapped units on a return whose reason does not claim damage — makes it `RETURN_DISPUTED`.
* **Credit.** Accepted units are credited at the invoiced unit price, less the restocking fee
  (waived for the reasons that say the fault is ours, `FAULT_REASONS`); good units are always
  accepted, damaged and scrapped ones only for those reasons. Never more units of an invoice
  line are credited than it invoiced.
* **Settlement.** Customer service may settle a dispute in the customer's favour (the desk's
  `credit`): the units the receipt booked and no credit covers yet are credited, at the price
  the receipt's credit used (the invoiced price less the restocking fee of the return's
  reason), at most what their invoice line has left to credit, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.findings import Finding, Kind, Team, block

RETURN_DISPUTED = "RETURN_DISPUTED"
FAULT_REASONS = frozenset({"DAMAGED", "DEFECTIVE", "WRONG_ITEM"})
"""Reasons that say the fault is ours: damaged units are accepted, no restocking fee."""
DEFAULT_REASONS = ("DAMAGED", "DEFECTIVE", "WRONG_ITEM", "NOT_NEEDED")
MAX_LINES = 500
HELD_KINDS = ("quarantine", "scrap")
"""Stock movements of units held back from sale (`held_stock`): not part of on hand."""


class ReturnStatus(StrEnum):
    AUTHORISED = "authorised"
    RECEIVED = "received"
    DISPUTED = "disputed"
    CREDITED = "credited"
    CANCELLED = "cancelled"


LIVE = frozenset({ReturnStatus.AUTHORISED, ReturnStatus.RECEIVED, ReturnStatus.DISPUTED,
                  ReturnStatus.CREDITED})


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """The return window in days after shipping, the restocking fee (a fraction of the credited
    goods, 0.15 = 15 %) and the reason codes accepted."""

    window_days: int = 30
    restocking_fee_pct: Decimal = Decimal("0")
    accepted_reasons: frozenset[str] = frozenset(DEFAULT_REASONS)

    def __post_init__(self) -> None:
        if self.window_days < 0:
            raise InvalidInput("the return window must be 0 days or more")
        if not (self.restocking_fee_pct.is_finite() and 0 <= self.restocking_fee_pct < 1):
            raise InvalidInput("the restocking fee must be a fraction from 0 up to 1")
        if not self.accepted_reasons:
            raise InvalidInput("a return policy must accept at least one reason")


@dataclass(frozen=True, slots=True)
class ReturnPolicies:
    default: ReturnPolicy = field(default_factory=ReturnPolicy)
    customers: Mapping[str, ReturnPolicy] = field(default_factory=dict)

    def of(self, customer_id: str) -> ReturnPolicy:
        return self.customers.get(customer_id, self.default)


@dataclass(frozen=True, slots=True)
class ShippedUnits:
    """What one shipment shipped of one order line."""

    line_no: int
    shipment_id: str
    site: str
    sku: str
    shipped: int
    ship_date: date


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """Part of a return: units of an order line from one shipment, and what came back."""

    line_no: int
    shipment_id: str
    site: str
    sku: str
    authorised: int
    good: int = 0
    damaged: int = 0
    scrapped: int = 0
    accepted: int = 0
    credited: int = 0
    credit_note_id: str | None = None
    settled: int = 0
    """Units credited when the desk settled the dispute, by `settlement_note_id`."""
    settlement_note_id: str | None = None

    @property
    def received(self) -> int:
        return self.good + self.damaged + self.scrapped

    @property
    def uncredited(self) -> int:
        """Units the receipt booked that no credit covers."""
        return self.received - self.credited - self.settled


def check_reason(reason: str, policy: ReturnPolicy) -> str:
    code = reason.strip().upper()
    if code not in policy.accepted_reasons:
        raise InvalidInput(f"reason {reason!r} is not accepted for returns; accepted: "
                           + ", ".join(sorted(policy.accepted_reasons)))
    return code


def authorise(requested: Mapping[int, int], reason: str, policy: ReturnPolicy,
              shipped: Sequence[ShippedUnits], covered: Mapping[tuple[int, str], int],
              today: date) -> tuple[str, list[ReturnLine]]:
    """The reason code and the return lines for `requested` (line -> units), or InvalidInput
    (bad request, nothing shipped in the window) / Conflict (more than is left to return)."""
    code = check_reason(reason, policy)
    if not requested:
        raise InvalidInput("a return needs at least one line with a quantity")
    if len(requested) > MAX_LINES:
        raise InvalidInput(f"a return has at most {MAX_LINES} lines")
    earliest = today - timedelta(days=policy.window_days)
    lines: list[ReturnLine] = []
    for line_no, quantity in sorted(requested.items()):
        if quantity <= 0:
            raise InvalidInput(f"line {line_no}: a returned quantity must be positive")
        sources = sorted((s for s in shipped if s.line_no == line_no and s.shipped > 0),
                         key=lambda s: (s.ship_date, s.shipment_id))
        if not sources:
            raise InvalidInput(f"line {line_no} of the order shipped nothing to return")
        in_window = [s for s in sources if s.ship_date >= earliest]
        if not in_window:
            raise InvalidInput(f"line {line_no} shipped more than {policy.window_days} days "
                               "ago; it is outside the return window")
        left = quantity
        for source in in_window:
            free = source.shipped - covered.get((line_no, source.shipment_id), 0)
            take = min(left, max(free, 0))
            if take:
                lines.append(ReturnLine(line_no, source.shipment_id, source.site, source.sku,
                                        take))
                left -= take
        if left:
            returnable = quantity - left
            raise Conflict(f"line {line_no}: {quantity} to return, but only {returnable} "
                           "shipped within the return window and not returned already")
    return code, lines


@dataclass(frozen=True, slots=True)
class Received:
    """The WMS's count of one order line: units good, damaged and scrapped."""

    line_no: int
    good: int
    damaged: int
    scrapped: int


def parse_receipt(lines: object) -> list[Received]:
    """`lines` of a `return_received`: [{line_no, good, damaged, scrapped}], counts >= 0."""
    if not isinstance(lines, list) or not lines:
        raise InvalidInput("return_received needs lines: [{line_no, good, damaged, scrapped}]")
    found: dict[int, Received] = {}
    for entry in lines:
        if not isinstance(entry, Mapping):
            raise InvalidInput("each line of return_received must be an object")
        values = [entry.get(name, 0) for name in ("line_no", "good", "damaged", "scrapped")]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            raise InvalidInput("line_no, good, damaged and scrapped must be whole numbers >= 0")
        if values[0] in found:
            raise InvalidInput(f"line {values[0]} is reported twice")
        found[values[0]] = Received(*values)
    return list(found.values())


@dataclass(frozen=True, slots=True)
class ReceiptOutcome:
    lines: list[ReturnLine]
    differences: list[str]

    @property
    def disputed(self) -> bool:
        return bool(self.differences)


def evaluate_receipt(reason: str, authorised: Sequence[ReturnLine],
                     received: Iterable[Received]) -> ReceiptOutcome:
    """What is booked and accepted of each return line, and each difference from the
    authorisation (empty: the receipt matches)."""
    counts = {r.line_no: r for r in received}
    differences: list[str] = []
    wanted: dict[int, int] = {}
    for line in authorised:
        wanted[line.line_no] = wanted.get(line.line_no, 0) + line.authorised
    for line_no in sorted(set(counts) - set(wanted)):
        c = counts[line_no]
        if c.good + c.damaged + c.scrapped:
            differences.append(f"line {line_no} was not authorised, yet "
                               f"{c.good + c.damaged + c.scrapped} arrived")
    fault = reason in FAULT_REASONS
    left = {n: [c.good, c.damaged, c.scrapped] for n, c in counts.items()}
    booked: list[ReturnLine] = []
    for line in authorised:
        rest = left.get(line.line_no, [0, 0, 0])
        room, taken = line.authorised, []
        for i in range(3):
            take = min(room, rest[i])
            rest[i] -= take
            room -= take
            taken.append(take)
        good, damaged, scrapped = taken
        accepted = good + (damaged + scrapped if fault else 0)
        booked.append(ReturnLine(line.line_no, line.shipment_id, line.site, line.sku,
                                 line.authorised, good, damaged, scrapped, accepted))
    for line_no, quantity in sorted(wanted.items()):
        got = counts.get(line_no)
        total = got.good + got.damaged + got.scrapped if got else 0
        if total != quantity:
            differences.append(f"line {line_no}: {quantity} authorised, {total} received")
        if got and not fault and (got.damaged or got.scrapped):
            differences.append(f"line {line_no}: {got.damaged} damaged and {got.scrapped} "
                               f"scrapped on a return for {reason}, which claims no damage")
    return ReceiptOutcome(booked, differences)


def disputed(return_id: str, differences: Sequence[str]) -> Finding:
    """`RETURN_DISPUTED`: what arrived differs from the authorisation."""
    return block(RETURN_DISPUTED, Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                 f"return {return_id} differs from its authorisation: " + "; ".join(differences),
                 return_id=return_id, differences=list(differences))


@dataclass(frozen=True, slots=True)
class InvoicedLine:
    """An invoice line the returned units were billed on, and how much of it is credited."""

    invoice_id: str
    shipment_id: str
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal
    credited: int


@dataclass(frozen=True, slots=True)
class CreditLine:
    invoice_id: str
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal


def credit_lines(reason: str, policy: ReturnPolicy, lines: Sequence[ReturnLine],
                 invoiced: Sequence[InvoicedLine]) -> list[CreditLine]:
    """The credit for the accepted units of `lines`, one line per invoice line, at the invoiced
    price less the restocking fee; Conflict when more would be credited than was invoiced."""
    return priced(reason, policy, [(line, line.accepted) for line in lines], invoiced)


def settlement(lines: Sequence[ReturnLine],
               invoiced: Sequence[InvoicedLine]) -> list[tuple[ReturnLine, int]]:
    """What settling a dispute credits of each line: the units the receipt booked and no credit
    covers, at most what its invoice line has left (credit notes of every kind counted)."""
    left = {(i.shipment_id, i.line_no): i.quantity - i.credited for i in invoiced}
    found: list[tuple[ReturnLine, int]] = []
    for line in lines:
        key = (line.shipment_id, line.line_no)
        units = min(line.uncredited, left.get(key, 0))
        if units > 0:
            left[key] -= units
            found.append((line, units))
    return found


def priced(reason: str, policy: ReturnPolicy, units: Sequence[tuple[ReturnLine, int]],
           invoiced: Sequence[InvoicedLine]) -> list[CreditLine]:
    """The credit for `units` (a return line, how many of its units), as `credit_lines`."""
    fee = Decimal("0") if reason in FAULT_REASONS else policy.restocking_fee_pct
    by_key = {(i.shipment_id, i.line_no): i for i in invoiced}
    found: dict[tuple[str, int], CreditLine] = {}
    for line, quantity in units:
        if not quantity:
            continue
        billed = by_key.get((line.shipment_id, line.line_no))
        if billed is None:
            raise Conflict(f"line {line.line_no} of shipment {line.shipment_id} has no invoice "
                           "to credit")
        key = (billed.invoice_id, line.line_no)
        before = found[key].quantity if key in found else 0
        if billed.credited + before + quantity > billed.quantity:
            raise Conflict(f"invoice {billed.invoice_id} line {line.line_no} invoiced "
                           f"{billed.quantity}, {billed.credited} credited already; "
                           f"{quantity} more would credit more than was invoiced")
        price = (billed.unit_price * (1 - fee)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        found[key] = CreditLine(billed.invoice_id, line.line_no, line.sku,
                                before + quantity, price)
    return list(found.values())


@dataclass(frozen=True, slots=True)
class ReturnRecord:
    """A stored return and its lines."""

    id: str
    order_id: str
    customer_id: str
    status: ReturnStatus
    reason: str
    actor: str
    lines: tuple[ReturnLine, ...]


def return_json(record: ReturnRecord) -> dict[str, object]:
    """A return as the API and the CLI show it."""
    return {"return_id": record.id, "order_id": record.order_id,
            "customer_id": record.customer_id, "status": record.status.value,
            "reason": record.reason, "actor": record.actor,
            "lines": [{"line_no": ln.line_no, "shipment_id": ln.shipment_id, "site": ln.site,
                       "sku": ln.sku, "authorised": ln.authorised, "good": ln.good,
                       "damaged": ln.damaged, "scrapped": ln.scrapped,
                       "accepted": ln.accepted, "credited": ln.credited,
                       "credit_note_id": ln.credit_note_id, "settled": ln.settled,
                       "settlement_note_id": ln.settlement_note_id} for ln in record.lines]}
