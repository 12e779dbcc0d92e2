"""What we answer a partner about its order, line by line: the content of an X12 855 (and of an
EDIFACT ORDRSP), independent of either syntax.

Each ordered line gets one `LineResponse` per outcome, so a line that is short says both what we
can ship (`IA`, its quantity) and what is backordered (`IB`, the rest); the quantities of a
line's responses add up to what was ordered (for `IQ`: to the quantity taken). The outcomes:

* `IA` accepted: reserved in full (or, for a held order, available in full now);
* `IB` backordered: not available now; its date is when the rest ships, when that is known
  (`backorder_ship_date`);
* `IQ` quantity changed: the order was taken with another quantity than the partner sent;
* `IS` substituted: the line was taken with another item than the partner sent (the desk's
  `substitute`);
* `IR` rejected: the line cannot be taken (unknown or inactive item, no quantity...) or the
  whole order was refused; after intake, the line or the order was cancelled;
* `IH` on hold: the order is held for a reason of its own (credit, price, duplicate...) and the
  line's availability is not known.

The order-level answer (BAK02 in X12) follows from the lines: `AD` every line accepted as sent,
`RD` every line rejected, `AH` every line held, `AC` otherwise.

An order answered at intake is answered again when its answer changes (`revised_response`): the
desk took it (every line reserved) or it was cancelled (every line rejected).
Pure: the facts (order lines, reservations, availability, findings) come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from shipshape.domain.findings import Finding

DEFAULT_UOM = "EA"
REJECTING_CODES = frozenset({"UNKNOWN_ITEM", "INACTIVE_ITEM", "INVALID_GTIN", "MISSING_QUANTITY"})
"""Blocking findings about one line that make that line impossible to take as sent."""
SHORTAGE_CODE = "PARTIAL_AVAILABILITY"
ORDER_CANCELLED, LINE_CANCELLED = "ORDER_CANCELLED", "LINE_CANCELLED"
"""Why a line of an order answered again is rejected: the order, or that line, was cancelled."""


class LineStatus(StrEnum):
    """A line's outcome, by its X12 ACK01 code."""

    ACCEPTED = "IA"
    BACKORDERED = "IB"
    QUANTITY_CHANGED = "IQ"
    SUBSTITUTED = "IS"
    REJECTED = "IR"
    HELD = "IH"


class ResponseType(StrEnum):
    """The order's answer as a whole, by its X12 BAK02 code."""

    ACCEPTED = "AD"
    """Acknowledge with detail, no change."""
    CHANGED = "AC"
    """Acknowledge with detail and change."""
    REJECTED = "RD"
    """Reject with detail."""
    HELD = "AH"
    """Acknowledge, hold status."""


@dataclass(frozen=True, slots=True)
class LineResponse:
    """One outcome of an ordered line: `quantity` of `ordered` with `status`, shipping (or, for
    a backorder, expected) on `date` when known; `reason` names the finding of a rejection."""

    line_no: int
    sku: str
    ordered: int
    quantity: int
    status: LineStatus
    uom: str = DEFAULT_UOM
    date: date | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OrderResponse:
    order_id: str | None
    customer_po: str | None
    release_number: str | None
    lines: tuple[LineResponse, ...]

    @property
    def response_type(self) -> ResponseType:
        statuses = {line.status for line in self.lines}
        if statuses <= {LineStatus.ACCEPTED}:
            return ResponseType.ACCEPTED
        if statuses == {LineStatus.REJECTED}:
            return ResponseType.REJECTED
        if statuses == {LineStatus.HELD}:
            return ResponseType.HELD
        return ResponseType.CHANGED

    def for_line(self, line_no: int) -> tuple[LineResponse, ...]:
        return tuple(line for line in self.lines if line.line_no == line_no)

    @property
    def line_nos(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(line.line_no for line in self.lines))


@dataclass(frozen=True, slots=True)
class OrderedLine:
    """A line as taken (`sku`, `quantity`); `requested` and `requested_sku` are what the partner
    sent, where they differ."""

    line_no: int
    sku: str
    quantity: int
    uom: str = DEFAULT_UOM
    requested: int | None = None
    requested_sku: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseFacts:
    """What the acceptance decision knew about an order.

    `refused`: the order was not taken at all. `reserved`: quantity reserved per line.
    `available`: quantity available now per line, for lines not reserved (a held order).
    `rejected`: per line, the code of the finding that rejects it. `ship_date`: the promised
    ship date of the reserved lines. `backorder_dates`: per line, when the backordered rest is
    expected to ship; `backorder_date` for the lines it does not name (None: not known)."""

    order_id: str | None
    customer_po: str | None
    release_number: str | None
    lines: tuple[OrderedLine, ...]
    refused: bool = False
    reserved: Mapping[int, int] = field(default_factory=dict)
    available: Mapping[int, int] = field(default_factory=dict)
    rejected: Mapping[int, str] = field(default_factory=dict)
    ship_date: date | None = None
    backorder_dates: Mapping[int, date] = field(default_factory=dict)
    backorder_date: date | None = None


def order_response(facts: ResponseFacts) -> OrderResponse:
    """Each line's own outcome, in line order."""
    lines = [response for line in facts.lines for response in _line(facts, line)]
    return OrderResponse(facts.order_id, facts.customer_po, facts.release_number, tuple(lines))


def _line(facts: ResponseFacts, line: OrderedLine) -> list[LineResponse]:
    ordered = line.requested if line.requested is not None else line.quantity
    if facts.refused or line.line_no in facts.rejected or line.quantity <= 0:
        reason = facts.rejected.get(line.line_no) or ("ORDER_REFUSED" if facts.refused
                                                      else "MISSING_QUANTITY")
        return [_response(line, ordered, ordered, LineStatus.REJECTED, None, reason)]
    taken = _taken(line, ordered)
    reserved = facts.reserved.get(line.line_no, 0)
    if reserved >= line.quantity:
        return [_response(line, ordered, line.quantity, taken, facts.ship_date)]
    available = facts.available.get(line.line_no)
    if available is None and reserved == 0:
        return [_response(line, ordered, line.quantity, LineStatus.HELD)]
    now = max(reserved, min(available or 0, line.quantity))
    if now >= line.quantity:
        return [_response(line, ordered, line.quantity, taken,
                          facts.ship_date if reserved else None)]
    short = _response(line, ordered, line.quantity - now, LineStatus.BACKORDERED,
                      facts.backorder_dates.get(line.line_no, facts.backorder_date))
    if now == 0:
        return [short]
    return [_response(line, ordered, now, taken, facts.ship_date if reserved else None), short]


def _taken(line: OrderedLine, ordered: int) -> LineStatus:
    """What taking the line is called: another item, another quantity, or as sent."""
    if line.requested_sku is not None and line.requested_sku != line.sku:
        return LineStatus.SUBSTITUTED
    return LineStatus.QUANTITY_CHANGED if ordered != line.quantity else LineStatus.ACCEPTED


def _response(line: OrderedLine, ordered: int, quantity: int, status: LineStatus,
              when: date | None = None, reason: str | None = None) -> LineResponse:
    return LineResponse(line.line_no, line.sku, ordered, quantity, status, line.uom or DEFAULT_UOM,
                        when, reason)


def backorder_ship_date(requested_ship_date: date | None, expected: date | None
                        ) -> date | None:
    """When a backordered rest ships: once stock is expected back, not before the requested
    ship date; None when nobody knows when stock comes."""
    if expected is None:
        return None
    return max(expected, requested_ship_date) if requested_ship_date else expected


def revised_response(order_id: str, customer_po: str | None, release_number: str | None,
                     sent: Sequence[OrderedLine], now: Mapping[int, OrderedLine],
                     cancelled: bool, ship_date: date) -> OrderResponse:
    """The answer to an order whose answer changed after intake, per line the partner `sent`:
    taken (`now` the lines as they stand, every one reserved and shipping on `ship_date`; a
    line now at 0, or gone, was cancelled) or, when the order was `cancelled`, rejected."""
    lines: list[OrderedLine] = []
    rejected: dict[int, str] = {}
    for line in sent:
        current = now.get(line.line_no)
        sku, quantity = (current.sku, current.quantity) if current else (line.sku, 0)
        lines.append(OrderedLine(
            line.line_no, sku, quantity, line.uom or DEFAULT_UOM,
            line.quantity if quantity != line.quantity else None,
            line.sku if sku != line.sku else None))
        if cancelled or quantity <= 0:
            rejected[line.line_no] = ORDER_CANCELLED if cancelled else LINE_CANCELLED
    reserved = {} if cancelled else {line.line_no: line.quantity for line in lines}
    return order_response(ResponseFacts(order_id, customer_po, release_number, tuple(lines),
                                        reserved=reserved, rejected=rejected,
                                        ship_date=ship_date))


def rejected_lines(findings: Iterable[Finding]) -> dict[int, str]:
    """Per line, the first blocking finding that rejects it (unknown or inactive item...)."""
    rejected: dict[int, str] = {}
    for finding in findings:
        if finding.blocks and finding.code in REJECTING_CODES:
            for line_no in finding.line_nos:
                rejected.setdefault(line_no, finding.code)
    return rejected


def available_from_shortage(findings: Iterable[Finding]) -> dict[int, int]:
    """Per line, what a `PARTIAL_AVAILABILITY` finding says is available across all sites."""
    available: dict[int, int] = {}
    for finding in findings:
        if finding.code != SHORTAGE_CODE:
            continue
        entries = finding.details.get("availability")
        for entry in entries if isinstance(entries, Sequence) else ():
            if isinstance(entry, Mapping):
                _add_availability(available, entry)
    return available


def _add_availability(available: dict[int, int], entry: Mapping[str, object]) -> None:
    line_no, by_site = entry.get("line_no"), entry.get("available_by_site")
    if isinstance(line_no, int) and isinstance(by_site, Mapping):
        available[line_no] = sum(max(q, 0) for q in by_site.values() if isinstance(q, int))


def available_by_line(lines: Iterable[OrderedLine], available_by_sku: Mapping[str, int]
                      ) -> dict[int, int]:
    """Per line, the stock available for its SKU, shared out in line order (two lines of one
    SKU do not both count the same units)."""
    left = dict(available_by_sku)
    result: dict[int, int] = {}
    for line in lines:
        if line.sku not in left:
            continue
        got = max(min(left[line.sku], line.quantity), 0)
        result[line.line_no] = got
        left[line.sku] -= got
    return result
