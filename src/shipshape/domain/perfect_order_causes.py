"""Why an order was not perfect: each part it failed (on time, in full, damage-free, invoiced
accurately) linked to the exception case that caused it.

A part's causes are the order's cases of the codes that spoil it (`CAUSE_CODES`, most telling
first); invoiced accurately is also spoiled by the case whose action wrote a credit note
(`credit`, `reship`), and by a credit note written without a case (`CREDIT_NOTE`, e.g.
`shipshape invoices credit` or a return's credit). A failure no case explains has code None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shipshape.domain import delivery as dl
from shipshape.domain.carriers import CARRIER_TENDER_FAILED
from shipshape.domain.kpis import FailureCount
from shipshape.domain.reconciliation import INVOICE_MISMATCH
from shipshape.domain.returns import RETURN_DISPUTED


class Component(StrEnum):
    ON_TIME = "on_time"
    IN_FULL = "in_full"
    DAMAGE_FREE = "damage_free"
    INVOICED_ACCURATELY = "invoiced_accurately"


CAUSE_CODES: Mapping[Component, tuple[str, ...]] = {
    Component.ON_TIME: (dl.DELIVERED_LATE, dl.DELIVERY_FAILED, CARRIER_TENDER_FAILED,
                        "PROMISE_AT_RISK", dl.SHIPMENT_UNTRACKED),
    Component.IN_FULL: (dl.SHORT_ON_DELIVERY, "SHORT_PICK", "PARTIAL_AVAILABILITY"),
    Component.DAMAGE_FREE: (dl.DAMAGED_ON_DELIVERY,),
    Component.INVOICED_ACCURATELY: (INVOICE_MISMATCH, "DUPLICATE_INVOICE", RETURN_DISPUTED),
}
"""For each part, the codes of the cases that spoil it, the most telling first."""
CORRECTING_ACTIONS = frozenset({"credit", "reship"})
"""Desk actions that write a credit note: their case spoils invoiced accurately too."""
CREDIT_NOTE = "CREDIT_NOTE"
"""The cause of an inaccurate invoice when no case wrote its credit note."""
EVERY_CAUSE_CODE = frozenset(code for codes in CAUSE_CODES.values() for code in codes)


@dataclass(frozen=True, slots=True)
class OrderCase:
    """One of the order's cases, as far as causes go."""

    case_id: str
    code: str
    opened_at: datetime
    resolution_action: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    component: Component
    code: str | None
    case_id: str | None = None
    credit_note_id: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"component": self.component.value, "code": self.code, "case_id": self.case_id,
                "credit_note_id": self.credit_note_id}


@dataclass(frozen=True, slots=True)
class OrderParts:
    """An order's perfect-order facts, each part true when met."""

    on_time: bool | None
    in_full: bool
    damage_free: bool
    invoiced_accurately: bool

    def failed(self) -> list[Component]:
        met = {Component.ON_TIME: self.on_time is not False, Component.IN_FULL: self.in_full,
               Component.DAMAGE_FREE: self.damage_free,
               Component.INVOICED_ACCURATELY: self.invoiced_accurately}
        return [part for part in Component if not met[part]]


def perfect(on_time: bool | None, in_full: bool, damage_free: bool,
            invoiced_accurately: bool) -> bool:
    """The perfect order: on time * in full * damage-free * invoiced accurately (unknown on
    time, before delivery, is not perfect)."""
    return bool(on_time) * in_full * damage_free * invoiced_accurately == 1


def failures_of(parts: OrderParts, cases: Iterable[OrderCase],
                credit_notes: Sequence[str] = ()) -> tuple[Failure, ...]:
    """One failure per part the order failed, linked to its first cause: the case of the most
    telling code (the earliest of them), else the credit note, else nothing (code None)."""
    known = list(cases)
    found = []
    for part in parts.failed():
        cause = _first_cause(part, known)
        if cause is not None:
            found.append(Failure(part, cause.code, cause.case_id))
        elif part is Component.INVOICED_ACCURATELY and credit_notes:
            found.append(Failure(part, CREDIT_NOTE, None, credit_notes[0]))
        else:
            found.append(Failure(part, None))
    return tuple(found)


def _first_cause(part: Component, cases: list[OrderCase]) -> OrderCase | None:
    codes = CAUSE_CODES[part]
    causes = [c for c in cases if c.code in codes or (
        part is Component.INVOICED_ACCURATELY and c.resolution_action in CORRECTING_ACTIONS)]
    return min(causes, default=None, key=lambda c: (
        codes.index(c.code) if c.code in codes else len(codes), c.opened_at, c.case_id))


def failure_counts(failures: Iterable[Failure]) -> tuple[FailureCount, ...]:
    """Failing orders per part and first cause, parts in their order, most frequent first."""
    counted = Counter((f.component, f.code) for f in failures)
    order = list(Component)
    return tuple(FailureCount(part.value, code, n) for (part, code), n in sorted(
        counted.items(), key=lambda item: (order.index(item[0][0]), -item[1],
                                           item[0][1] or "~")))
