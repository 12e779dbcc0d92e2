"""The promise: the delivery date an order is promised when it is accepted, the delivery date
its situation now projects, and whether the promise is at risk.

At acceptance the order ships on the later of its requested ship date and the day its stock is
available (ATP: today, since an order is accepted only when its stock is reserved in full), and
arrives the carrier service's transit days later (calendar days). Afterwards the projection
follows what happened to it: a hold, a failed carrier tender or a failed delivery each push it
out; a shipment fixes the ship date. The promise is at risk when the projection leaves less
than `at_risk_slack_days` between it and the promised date (with no slack: when the
projection is after the promise), before the order is actually late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shipshape.domain.orders import OrderStatus

DEFAULT_TRANSIT_DAYS = 3
MAX_TRANSIT_DAYS = 365


class PromiseState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    KEPT = "kept"
    """Delivered on or before the promised date."""
    MISSED = "missed"
    """Delivered after the promised date."""
    CLOSED = "closed"
    """The order was cancelled: nothing is promised any more."""


class Cause(StrEnum):
    """What pushes the projection out."""

    SCHEDULE = "schedule"
    """Not shipped and the days left are too few (e.g. the ship date passed while it waited)."""
    HELD = "held"
    TENDER_FAILED = "tender_failed"
    DELIVERY_FAILED = "delivery_failed"
    IN_TRANSIT = "in_transit"
    """Shipped: the carrier's transit alone misses the promise."""


@dataclass(frozen=True, slots=True)
class PromisePolicy:
    """`default_transit_days` serves a carrier service without its own transit days,
    `transit_days_by_country` (ship-to country, upper case) before it; `hold_days`,
    `retender_days`, `redelivery_days`: the days a hold, a failed tender, a failed delivery
    cost at the least."""

    default_transit_days: int = DEFAULT_TRANSIT_DAYS
    transit_days_by_country: Mapping[str, int] = field(default_factory=dict)
    at_risk_slack_days: int = 0
    hold_days: int = 1
    retender_days: int = 1
    redelivery_days: int = 1

    def transit_days(self, service_days: int | None, country: str | None) -> int:
        """The carrier service's transit days, else the country's, else the default."""
        if service_days is not None:
            return service_days
        return self.transit_days_by_country.get((country or "").upper(),
                                                self.default_transit_days)


def promised_date(requested_ship_date: date | None, available_on: date, transit_days: int) -> date:
    """The promised delivery date: the later of the requested ship date and the day the stock is
    available, plus the transit days (calendar days)."""
    ship_on = max(requested_ship_date or available_on, available_on)
    return ship_on + timedelta(days=transit_days)


SHIPPED_STATUSES = frozenset({OrderStatus.SHIPPED, OrderStatus.INVOICED, OrderStatus.CLOSED})
WATCHED_STATUSES = frozenset({OrderStatus.ACCEPTED, OrderStatus.HELD, OrderStatus.RELEASED,
                              OrderStatus.PICKED, OrderStatus.SHIPPED, OrderStatus.INVOICED})
"""The statuses whose orders the sweep projects (a closed order was paid for; a cancelled
one promises nothing)."""


@dataclass(frozen=True, slots=True)
class Situation:
    """What the projection of one order looks at."""

    order_id: str
    status: OrderStatus
    requested_ship_date: date | None
    promised_date: date
    transit_days: int
    since: datetime
    """When the order entered its status (how long it has been held)."""
    at_risk_since: datetime | None = None
    tender_failed: bool = False
    """An open CARRIER_TENDER_FAILED case."""
    shipped_on: date | None = None
    """The last ship date of its shipments."""
    delivery_failed_on: date | None = None
    delivered_on: date | None = None
    customer_id: str = ""
    value: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class Projection:
    state: PromiseState
    projected: date | None
    cause: Cause | None = None

    @property
    def at_risk(self) -> bool:
        return self.state is PromiseState.AT_RISK


def project(situation: Situation, today: date, policy: PromisePolicy) -> Projection:
    """The delivery date the order's situation projects today, and its promise's state."""
    s = situation
    if s.status is OrderStatus.CANCELLED:
        return Projection(PromiseState.CLOSED, None)
    failed_after = s.delivery_failed_on is not None and (
        s.delivered_on is None or s.delivery_failed_on > s.delivered_on)
    if s.delivered_on is not None and not failed_after:
        kept = s.delivered_on <= s.promised_date
        return Projection(PromiseState.KEPT if kept else PromiseState.MISSED, s.delivered_on)
    projected, cause = _projected(s, today, policy, failed_after)
    at_risk = (s.promised_date - projected).days < policy.at_risk_slack_days
    return Projection(PromiseState.AT_RISK if at_risk else PromiseState.ON_TRACK, projected,
                      cause if at_risk else None)


def _projected(s: Situation, today: date, policy: PromisePolicy,
               failed_after: bool) -> tuple[date, Cause]:
    transit = timedelta(days=s.transit_days)
    if failed_after and s.delivery_failed_on is not None:
        again = max(today, s.delivery_failed_on) + timedelta(days=policy.redelivery_days)
        return again, Cause.DELIVERY_FAILED
    if s.status in SHIPPED_STATUSES or s.shipped_on is not None:
        return (s.shipped_on or today) + transit, Cause.IN_TRANSIT
    ship_on = max(s.requested_ship_date or today, today)
    cause = Cause.SCHEDULE
    if s.status is OrderStatus.HELD:
        ship_on, cause = max(ship_on, today + timedelta(days=policy.hold_days)), Cause.HELD
    if s.tender_failed:
        ship_on = max(ship_on, today + timedelta(days=policy.retender_days))
        cause = Cause.TENDER_FAILED
    return ship_on + transit, cause


@dataclass(frozen=True, slots=True)
class Change:
    """What a check does to an order's flag: newly at risk, recovered, or nothing."""

    situation: Situation
    projection: Projection

    @property
    def newly_at_risk(self) -> bool:
        return self.projection.at_risk and self.situation.at_risk_since is None

    @property
    def recovered(self) -> bool:
        return not self.projection.at_risk and self.situation.at_risk_since is not None


def changes(situations: list[Situation], today: date, policy: PromisePolicy) -> list[Change]:
    """The orders whose at-risk flag must change today."""
    found = [Change(s, project(s, today, policy)) for s in situations]
    return [c for c in found if c.newly_at_risk or c.recovered]
