"""Fulfilment KPIs: over which records each is counted, by which dimensions, and its arithmetic.

    perfect order      orders whose last shipment was delivered in the period: the share on time,
                       in full, damage-free and invoiced accurately (per order, the product of the
                       four; `perfect_order_causes` links each failure to the case behind it)
    exception rate     cases opened in the period per 1,000 orders created in it
    case work          the cases closed in the period: rework hours and the expedited freight and
                       invoice correction the desk recorded on them, and their time to resolve
                       (opened to closed, wall clock): mean and p90
    invoice corrections  credit notes written in the period: how many, and their amount
    integration failures dead letters per call to another system (calls answered, tenders to
                       carriers among them, + dead letters)

A dimension a measure's records do not carry is not applicable to it (`not_applicable`): its
figures are null in that breakdown and the breakdown says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from shipshape.domain.money import money_text


class Dimension(StrEnum):
    DAY = "day"
    """The UTC day of the moment the measure is counted at."""
    SITE = "site"
    SEGMENT = "segment"
    CHANNEL = "channel"
    STAGE = "stage"
    SOURCE_SYSTEM = "source_system"
    OWNER_TEAM = "owner_team"


class Measure(StrEnum):
    EXCEPTIONS = "exception_rate"
    PERFECT_ORDER = "perfect_order"
    CASE_WORK = "case_work"
    CREDIT_NOTES = "invoice_corrections"
    INTEGRATION = "integration_failures"


D, M = Dimension, Measure
ORDER_DIMENSIONS = frozenset({D.DAY, D.SITE, D.SEGMENT, D.CHANNEL})
APPLIES: Mapping[Measure, frozenset[Dimension]] = {
    M.EXCEPTIONS: frozenset(Dimension),
    M.PERFECT_ORDER: ORDER_DIMENSIONS,
    M.CASE_WORK: frozenset(Dimension),
    M.CREDIT_NOTES: ORDER_DIMENSIONS,
    M.INTEGRATION: frozenset({D.DAY, D.SEGMENT, D.CHANNEL, D.STAGE, D.SOURCE_SYSTEM}),
}
FIELDS: Mapping[Measure, tuple[str, ...]] = {
    M.EXCEPTIONS: ("orders", "cases", "exceptions_per_1000"),
    M.PERFECT_ORDER: ("delivered_orders", "perfect_orders", "perfect_order_rate",
                      "on_time_rate", "in_full_rate", "damage_free_rate",
                      "invoice_accuracy_rate", "perfect_order_product"),
    M.CASE_WORK: ("closed_cases", "rework_hours", "expedited_freight",
                  "invoice_correction_cost", "time_to_resolve_mean_h",
                  "time_to_resolve_p90_h"),
    M.CREDIT_NOTES: ("credit_notes", "credit_note_amount"),
    M.INTEGRATION: ("system_calls", "dead_letters", "integration_failure_rate"),
}
"""The fields of a row each measure fills (null where it does not apply)."""
PER_ORDER_TOTAL = frozenset({D.STAGE, D.SOURCE_SYSTEM, D.OWNER_TEAM})
"""Dimensions an order does not have: their exception rates count against every order."""


def not_applicable(measure: Measure, by: Dimension) -> str | None:
    """Why `measure` has no figures by `by`; None when it has."""
    if by in APPLIES[measure]:
        return None
    subject = {M.PERFECT_ORDER: "an order", M.CREDIT_NOTES: "a credit note",
               M.INTEGRATION: "a call to another system"}.get(measure, "a record")
    if measure is M.PERFECT_ORDER:
        return (f"{subject} has no {by.value}; the cases behind each failing order (with their "
                f"{by.value}) are under failures and GET /api/v1/kpis/orders")
    if measure is M.INTEGRATION and by is D.OWNER_TEAM:
        return "every integration failure is the integration team's"
    return f"{subject} has no {by.value}"


def notes_of(by: Dimension) -> dict[str, str]:
    """What a reader of a breakdown must know to read it right."""
    notes: dict[str, str] = {}
    if by in PER_ORDER_TOTAL:
        notes["orders"] = (f"every order of the period: an order has no {by.value}, so each "
                           f"{by.value}'s exceptions are counted per 1,000 of all orders")
    if by is D.SITE:
        notes["orders"] = "an order taken or shipped from several sites counts at each"
    return notes


def unkeyed_note(by: Dimension) -> str:
    return (f"null: the records without a {by.value}; their cases are not counted per 1,000 "
            f"orders (cases without a {by.value} are no share of the orders without one)")


# ------------------------------------------------------------------------------ arithmetic

RATE_PLACES = Decimal("0.0001")
FIGURE_PLACES = Decimal("0.01")


def _quantize(value: Fraction, places: Decimal) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(places, ROUND_HALF_UP)


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` to four places; None when there is no whole."""
    return None if whole <= 0 else _quantize(Fraction(part, whole), RATE_PLACES)


def per_thousand(count: int, orders: int) -> Decimal | None:
    return None if orders <= 0 else _quantize(Fraction(count * 1000, orders), FIGURE_PLACES)


def product(parts: Sequence[tuple[int, int]]) -> Decimal | None:
    """The product of the rates `part / whole` (exact, then to four places)."""
    if not parts or any(whole <= 0 for _, whole in parts):
        return None
    exact = Fraction(1)
    for part, whole in parts:
        exact *= Fraction(part, whole)
    return _quantize(exact, RATE_PLACES)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value that at least 90 % of the values
    do not exceed (always one of the values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def hours(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(repr(seconds)) / 3600).quantize(FIGURE_PLACES, ROUND_HALF_UP)


def total(amounts: Iterable[tuple[Decimal, int]]) -> Decimal:
    """The sum of each amount times how often it occurs."""
    return sum((amount * count for amount, count in amounts), Decimal(0))


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class Money:
    """Amounts as text in a currency's minor unit (`domain.money.money_text`)."""

    currency: str
    places: Mapping[str, int]

    def text(self, amount: Decimal, currency: str | None = None) -> str:
        return money_text(amount, self.places.get(currency or self.currency, 2))


@dataclass(frozen=True, slots=True)
class Exceptions:
    cases: int = 0
    orders: int = 0
    rated: bool = True
    """False for the group of records without the dimension's value (cases without a site are
    no share of the orders without one): no rate."""

    def as_json(self, money: Money) -> dict[str, object]:
        rate = per_thousand(self.cases, self.orders) if self.rated else None
        return {"orders": self.orders, "cases": self.cases,
                "exceptions_per_1000": _number(rate)}


@dataclass(frozen=True, slots=True)
class PerfectOrders:
    """Counts over the orders delivered: how many, and how many of them met each part."""

    delivered: int = 0
    perfect: int = 0
    on_time: int = 0
    in_full: int = 0
    damage_free: int = 0
    invoiced_accurately: int = 0

    def as_json(self, money: Money) -> dict[str, object]:
        whole = self.delivered
        parts = (self.on_time, self.in_full, self.damage_free, self.invoiced_accurately)
        return {"delivered_orders": whole, "perfect_orders": self.perfect,
                "perfect_order_rate": _number(rate(self.perfect, whole)),
                "on_time_rate": _number(rate(self.on_time, whole)),
                "in_full_rate": _number(rate(self.in_full, whole)),
                "damage_free_rate": _number(rate(self.damage_free, whole)),
                "invoice_accuracy_rate": _number(rate(self.invoiced_accurately, whole)),
                "perfect_order_product": _number(product([(p, whole) for p in parts]))}


@dataclass(frozen=True, slots=True)
class CaseWork:
    """The cases closed: the cost the desk recorded on them and how long each took."""

    closed: int = 0
    rework_minutes: int = 0
    expedited_freight: Decimal = Decimal(0)
    invoice_correction: Decimal = Decimal(0)
    resolve_seconds: tuple[float, ...] = ()

    def as_json(self, money: Money) -> dict[str, object]:
        return {"closed_cases": self.closed,
                "rework_hours": _number(hours(self.rework_minutes * 60)),
                "expedited_freight": money.text(self.expedited_freight),
                "invoice_correction_cost": money.text(self.invoice_correction),
                "time_to_resolve_mean_h": _number(hours(mean(self.resolve_seconds))),
                "time_to_resolve_p90_h": _number(hours(p90(self.resolve_seconds)))}


@dataclass(frozen=True, slots=True)
class CreditNotes:
    count: int = 0
    amounts: Mapping[str, Decimal] = field(default_factory=dict)
    """The credit notes' totals per currency."""

    def as_json(self, money: Money) -> dict[str, object]:
        return {"credit_notes": self.count,
                "credit_note_amount": {c: money.text(a, c) for c, a in sorted(
                    self.amounts.items())}}


@dataclass(frozen=True, slots=True)
class Integration:
    calls: int = 0
    """Calls to other systems that were answered (`SystemCalled`, and each tender)."""
    dead_letters: int = 0
    """Calls given up on (or events no consumer could apply)."""

    def as_json(self, money: Money) -> dict[str, object]:
        return {"system_calls": self.calls, "dead_letters": self.dead_letters,
                "integration_failure_rate": _number(
                    rate(self.dead_letters, self.calls + self.dead_letters))}


Figure = Exceptions | PerfectOrders | CaseWork | CreditNotes | Integration


@dataclass(frozen=True, slots=True)
class Figures:
    """Every measure of one group (or of the whole period); None where it does not apply."""

    measures: Mapping[Measure, Figure | None]

    def as_json(self, money: Money) -> dict[str, object]:
        row: dict[str, object] = {}
        for measure in Measure:
            figure = self.measures.get(measure)
            row.update(figure.as_json(money) if figure is not None
                       else dict.fromkeys(FIELDS[measure]))
        return row


@dataclass(frozen=True, slots=True)
class Group:
    key: str | None
    """The dimension's value; None for the records that have none (a case without a site)."""
    figures: Figures


@dataclass(frozen=True, slots=True)
class Breakdown:
    by: Dimension
    groups: tuple[Group, ...]

    def as_json(self, money: Money) -> dict[str, object]:
        reasons = {m.value: why for m in Measure if (why := not_applicable(m, self.by))}
        notes = notes_of(self.by)
        if any(group.key is None for group in self.groups):
            notes["key"] = unkeyed_note(self.by)
        return {"by": self.by.value, "not_applicable": reasons, "notes": notes,
                "groups": [{"key": g.key, **g.figures.as_json(money)} for g in self.groups]}


@dataclass(frozen=True, slots=True)
class FailureCount:
    """Failing orders whose first cause for `component` is `code` (None: no case found)."""

    component: str
    code: str | None
    orders: int

    def as_json(self) -> dict[str, object]:
        return {"component": self.component, "code": self.code, "orders": self.orders}


@dataclass(frozen=True, slots=True)
class KpiReport:
    start: datetime | None
    end: datetime | None
    currency: str
    """The currency of the costs the desk records (credit notes carry their own)."""
    customer_id: str | None
    """The one customer counted (a customer's token); None: every customer."""
    totals: Figures
    failures: tuple[FailureCount, ...]
    breakdowns: tuple[Breakdown, ...]
    places: Mapping[str, int] = field(default_factory=dict)
    """Each currency's minor unit (decimals); 2 for one not named."""

    def as_json(self) -> dict[str, object]:
        money = Money(self.currency, self.places)
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                "currency": self.currency, "customer_id": self.customer_id,
                "totals": self.totals.as_json(money),
                "failures": [f.as_json() for f in self.failures],
                "breakdowns": [b.as_json(money) for b in self.breakdowns]}


def dimensions_of(text: Iterable[str]) -> tuple[Dimension, ...]:
    """`by` values (each may list several, comma-separated) as dimensions, each once, in the
    order given; ValueError naming the unknown one and the known ones."""
    found: list[Dimension] = []
    for value in text:
        for name in (part.strip() for part in value.split(",")):
            try:
                dimension = Dimension(name)
            except ValueError:
                known = ", ".join(d.value for d in Dimension)
                raise ValueError(f"by: {name[:40]!r} is not a dimension; use {known}") from None
            if dimension not in found:
                found.append(dimension)
    return tuple(found)
