"""Consistency conditions over the whole store, in the manner of TPC-C's: facts that hold
between tables whatever happened, so that a violation points at a bug or a hand-made change.

1. An order has the lines it was taken with (less those an amendment removed) and its value is
   the sum of its lines.
2. Per order line: shipped <= picked <= ordered, and open reservations + shipped <= ordered.
3. A shipment that shipped something has exactly one invoice (kind invoice, not credited).
4. A site's on hand of a SKU is the sum of its stock movements; its reserved count the sum of
   the reservations there.
5. A shipped, invoiced or closed order has a shipment from every site that picked something
   of it.
6. Every event written is published, and applied by each consumer that takes it (or stored as
   its dead letter), within the stated lag (`services/delivery.py`).
7. Returns: no line of a shipment is returned (live returns) beyond what it shipped, nor received
   beyond what was authorised; every unit a return credits was accepted on its receipt (or,
   settling its dispute, received and not credited on it), and the credit note it names
   credits exactly those units. Quarantined and scrapped stock is the sum of its `quarantine`
   and `scrap` movements (check 4's on hand leaves them out).
8. A customer's open exposure is the value of its orders that were accepted and are neither
   cancelled nor closed (a hold after acceptance keeps the order's credit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

LINE_COUNT, LINE_QUANTITIES, ONE_INVOICE, STOCK_LEDGER, SHIPPED_EVERYWHERE = 1, 2, 3, 4, 5
DELIVERY = 6
RETURNS = 7
EXPOSURE = 8
CHECK_NAMES = {LINE_COUNT: "order lines and value", LINE_QUANTITIES: "line quantities",
               ONE_INVOICE: "one invoice per shipment", STOCK_LEDGER: "stock ledger",
               SHIPPED_EVERYWHERE: "shipped from every picking site",
               DELIVERY: "events delivered", RETURNS: "returns within shipped and credited",
               EXPOSURE: "credit exposure"}


@dataclass(frozen=True, slots=True)
class Violation:
    check: int
    subject: str
    message: str

    @property
    def check_name(self) -> str:
        return CHECK_NAMES[self.check]


@dataclass(frozen=True, slots=True)
class OrderTally:
    """An order's stored lines and value beside what intake recorded (`received_lines`: the
    `OrderReceived` line count, None when there is no such event) and amendments removed."""

    order_id: str
    value: Decimal
    line_count: int
    lines_value: Decimal
    received_lines: int | None
    removed_lines: int


@dataclass(frozen=True, slots=True)
class LineTally:
    """One order line (or a line number something refers to): ordered, None when the order has
    no such line."""

    order_id: str
    line_no: int
    ordered: int | None
    picked: int
    shipped: int
    reserved: int


@dataclass(frozen=True, slots=True)
class ShipmentInvoices:
    shipment_id: str
    order_id: str
    invoices: int


@dataclass(frozen=True, slots=True)
class StockTally:
    site: str
    sku: str
    on_hand: int
    movements: int
    reserved: int
    reservations: int


@dataclass(frozen=True, slots=True)
class OrderSites:
    order_id: str
    status: str
    picked_at: frozenset[str]
    shipped_from: frozenset[str]


def order_violations(tallies: Iterable[OrderTally]) -> list[Violation]:
    found = []
    for t in tallies:
        subject = f"order {t.order_id}"
        if t.received_lines is None:
            found.append(Violation(LINE_COUNT, subject, "no OrderReceived event records how "
                                   "many lines it was taken with"))
        elif t.line_count != t.received_lines - t.removed_lines:
            found.append(Violation(LINE_COUNT, subject, f"{t.line_count} lines stored, "
                                   f"{t.received_lines} received and {t.removed_lines} "
                                   "removed by amendments"))
        if t.value != t.lines_value:
            found.append(Violation(LINE_COUNT, subject, f"value {t.value}, but its lines add "
                                   f"up to {t.lines_value}"))
    return found


def line_violations(tallies: Iterable[LineTally]) -> list[Violation]:
    found = []
    for t in tallies:
        subject = f"order {t.order_id} line {t.line_no}"
        ordered = t.ordered or 0
        if t.ordered is None:
            found.append(Violation(LINE_QUANTITIES, subject, "the order has no such line, yet "
                                   f"{t.picked} picked, {t.shipped} shipped, {t.reserved} "
                                   "reserved"))
        elif not t.shipped <= t.picked <= ordered:
            found.append(Violation(LINE_QUANTITIES, subject, f"shipped {t.shipped}, picked "
                                   f"{t.picked}, ordered {ordered}: not shipped <= picked <= "
                                   "ordered"))
        if t.ordered is not None and t.reserved + t.shipped > ordered:
            found.append(Violation(LINE_QUANTITIES, subject, f"reserved {t.reserved} + shipped "
                                   f"{t.shipped} exceed the {ordered} ordered"))
    return found


def invoice_violations(rows: Iterable[ShipmentInvoices]) -> list[Violation]:
    return [Violation(ONE_INVOICE, f"shipment {r.shipment_id} (order {r.order_id})",
                      f"{r.invoices} invoices (kind invoice, not credited); exactly 1 expected")
            for r in rows if r.invoices != 1]


def stock_violations(tallies: Iterable[StockTally]) -> list[Violation]:
    found = []
    for t in tallies:
        subject = f"{t.sku} at {t.site}"
        if t.on_hand != t.movements:
            found.append(Violation(STOCK_LEDGER, subject, f"on hand {t.on_hand}, but its stock "
                                   f"movements add up to {t.movements}"))
        if t.reserved != t.reservations:
            found.append(Violation(STOCK_LEDGER, subject, f"reserved {t.reserved}, but its "
                                   f"reservations add up to {t.reservations}"))
    return found


def shipment_violations(rows: Iterable[OrderSites]) -> list[Violation]:
    return [Violation(SHIPPED_EVERYWHERE, f"order {r.order_id}",
                      f"{r.status}, but " + ", ".join(sorted(r.picked_at - r.shipped_from))
                      + " picked and did not ship")
            for r in rows if not r.picked_at <= r.shipped_from]


@dataclass(frozen=True, slots=True)
class HeldTally:
    """Stock held back from sale at a site: the counters and their movements."""

    site: str
    sku: str
    quarantined: int
    quarantine_movements: int
    scrapped: int
    scrap_movements: int


@dataclass(frozen=True, slots=True)
class ReturnTally:
    """One line of one shipment: shipped, covered by live returns, received on them."""

    order_id: str
    shipment_id: str
    line_no: int
    shipped: int
    authorised: int
    received: int


@dataclass(frozen=True, slots=True)
class ReturnCredit:
    """One return line that credited something, beside its credit note's line."""

    return_id: str
    status: str
    line_no: int
    shipment_id: str
    accepted: int
    credited: int
    credit_note_id: str | None
    note_quantity: int | None
    """The units the credit note credits of the line (None: no such credit note line)."""
    settled: bool = False
    """A settled dispute's credit: `accepted` is what the receipt booked and did not credit."""


def held_violations(tallies: Iterable[HeldTally]) -> list[Violation]:
    found = []
    for t in tallies:
        subject = f"held {t.sku} at {t.site}"
        if t.quarantined != t.quarantine_movements:
            found.append(Violation(RETURNS, subject, f"quarantined {t.quarantined}, but its "
                                   f"quarantine movements add up to {t.quarantine_movements}"))
        if t.scrapped != t.scrap_movements:
            found.append(Violation(RETURNS, subject, f"scrapped {t.scrapped}, but its scrap "
                                   f"movements add up to {t.scrap_movements}"))
    return found


def return_violations(tallies: Iterable[ReturnTally],
                      credits: Iterable[ReturnCredit]) -> list[Violation]:
    found = []
    for t in tallies:
        subject = f"order {t.order_id} line {t.line_no} shipment {t.shipment_id}"
        if t.authorised > t.shipped:
            found.append(Violation(RETURNS, subject, f"{t.authorised} returned, but "
                                   f"{t.shipped} shipped"))
        if t.received > t.authorised:
            found.append(Violation(RETURNS, subject, f"{t.received} received on returns that "
                                   f"authorised {t.authorised}"))
    noted: dict[tuple[str | None, int], int] = {}
    for c in credits:
        key = (c.credit_note_id, c.line_no)
        noted[key] = noted.get(key, 0) + c.credited
    checked: set[tuple[str | None, int]] = set()
    for c in credits:
        subject = f"return {c.return_id} line {c.line_no} shipment {c.shipment_id}"
        if c.credited > c.accepted:
            creditable = "received and not credited" if c.settled else "accepted"
            found.append(Violation(RETURNS, subject, f"{c.credited} credited, but "
                                   f"{c.accepted} {creditable} on receipt"))
        if c.status not in ("received", "disputed", "credited"):
            found.append(Violation(RETURNS, subject, f"credited while {c.status}: no receipt"))
        key = (c.credit_note_id, c.line_no)
        if key not in checked:
            checked.add(key)
            if c.note_quantity != noted[key]:
                found.append(Violation(RETURNS, subject, f"credit note {c.credit_note_id} "
                                       f"credits {c.note_quantity} of the line, the returns "
                                       f"naming it {noted[key]}"))
    return found


@dataclass(frozen=True, slots=True)
class ExposureTally:
    """A customer's stored open exposure beside the value of its orders that count towards it."""

    customer_id: str
    stored: Decimal
    counted: Decimal


def exposure_violations(tallies: Iterable[ExposureTally]) -> list[Violation]:
    return [Violation(EXPOSURE, f"customer {t.customer_id}",
                      f"open exposure {t.stored}, but its accepted orders not yet cancelled or "
                      f"closed are worth {t.counted}")
            for t in tallies if t.stored != t.counted]
