"""What the exception desk reads and changes of a case in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from shipshape.domain.cases import CaseCost, CaseStatus, ExceptionCase


@dataclass(frozen=True, slots=True)
class Closing:
    """How a case closes: its final status, the action and reason, who and when, the root
    cause and what it cost."""

    status: CaseStatus
    action: str
    reason: str
    actor: str
    at: datetime
    root_cause: str | None = None
    cost: CaseCost = field(default_factory=CaseCost)


class CaseDeskStore(Protocol):
    def get(self, case_id: str, lock: bool) -> ExceptionCase | None:
        """The whole case, locked for the transaction when `lock`."""
        ...
    def assign(self, case_id: str, owner_team: str, queue: str, assignee: str | None) -> None:
        """Give the case to `queue` of `owner_team` and to `assignee` (None: to nobody)."""
        ...
    def close(self, case_id: str, closing: Closing) -> bool:
        """Close an open or assigned case; False when it was not open."""
        ...
    def open_of_order(self, order_id: str) -> list[ExceptionCase]:
        """The order's open and assigned cases, oldest first, locked."""
        ...
    def waiting(self, codes: Collection[str], *, skus: Collection[str] = (),
                customer_id: str | None = None) -> list[ExceptionCase]:
        """Open cases of `codes` whose order is held, oldest first: of orders with a line of
        one of `skus`, or of `customer_id`'s orders, when named."""
        ...
    def set_ship_date(self, order_id: str, ship_date: date, at: datetime) -> None:
        """The date the order is asked to ship on (a release delayed to it)."""
        ...
