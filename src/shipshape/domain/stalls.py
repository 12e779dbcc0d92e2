"""Orders that stopped moving along the journey: released to the WMS and never picked, picked
and never tendered, tendered and never shipped. An order waiting with an open blocking case is
not stalled (someone owns it); one that has not moved for longer than the stall timeout is,
and reconciliation opens a case for the team whose system should have answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shipshape.domain.findings import Kind, Team

RELEASED_NOT_PICKED = "RELEASED_NOT_PICKED"
PICKED_NOT_TENDERED = "PICKED_NOT_TENDERED"
TENDERED_NOT_SHIPPED = "TENDERED_NOT_SHIPPED"
CODES = (RELEASED_NOT_PICKED, PICKED_NOT_TENDERED, TENDERED_NOT_SHIPPED)
WAITING = ("released", "picked")
"""The order statuses in which another system owes the next step."""
WAVE_DUE = ("accepted", "released")
"""The order statuses in which an order may wait for our own next wave at a site."""
KIND = Kind.OPERATIONAL
TEAM_OF_CODE = {RELEASED_NOT_PICKED: Team.WAREHOUSE, PICKED_NOT_TENDERED: Team.TRANSPORT,
                TENDERED_NOT_SHIPPED: Team.WAREHOUSE}
SYSTEM_OF_CODE = {RELEASED_NOT_PICKED: "wms", PICKED_NOT_TENDERED: "tms",
                  TENDERED_NOT_SHIPPED: "wms"}
WAITS_FOR = {RELEASED_NOT_PICKED: "the WMS has confirmed no pick",
             PICKED_NOT_TENDERED: "no carrier has taken it (no tender outcome)",
             TENDERED_NOT_SHIPPED: "the WMS has confirmed no shipment"}


@dataclass(frozen=True, slots=True)
class WaitingOrder:
    """An order in a state where another system owes the next step, with no open blocking
    case, since `since` (its last change)."""

    order_id: str
    status: str
    since: datetime
    tendered: bool
    """A carrier accepted a tender for it."""


def stall_code(order: WaitingOrder) -> str | None:
    if order.status == "released":
        return RELEASED_NOT_PICKED
    if order.status == "picked":
        return TENDERED_NOT_SHIPPED if order.tendered else PICKED_NOT_TENDERED
    return None


def stall_message(order: WaitingOrder, code: str, now: datetime) -> str:
    minutes = int((now - order.since).total_seconds() // 60)
    return f"order {order.order_id} has been {order.status} for {minutes} min and {WAITS_FOR[code]}"


SETTLED_STATUSES = frozenset({"closed", "cancelled"})


@dataclass(frozen=True, slots=True)
class Journey:
    """Where a released order stands: its status, whether a blocking case about it is open,
    and whether it waits for our own next wave at another site."""

    order_id: str
    status: str
    open_case: bool
    due_in_a_wave: bool

    @property
    def settled(self) -> bool:
        """Paid, cancelled, or waiting with someone owning it (a blocking case, our own next
        wave)."""
        return self.status in SETTLED_STATUSES or self.open_case or self.due_in_a_wave
