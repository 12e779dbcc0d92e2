"""How long stock takes to come back. Shipshape records no inbound supply, so the day stock is
expected is an assumption: today plus a number of days, the house's or a customer's own (0: not
known). The desk's recommendations wait that long (`delay_release`, `pause`), and a backordered
line of an 855 / ORDRSP is dated by it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Replenishment:
    days: int = 0
    """Days assumed until stock is replenished (0: not known)."""
    by_customer: Mapping[str, int] = field(default_factory=dict)
    """Customers whose days differ from `days`."""

    def days_for(self, customer_id: str | None) -> int:
        if customer_id is None:
            return self.days
        return self.by_customer.get(customer_id, self.days)

    def expected_on(self, today: date, customer_id: str | None = None) -> date | None:
        """The day stock is assumed to be back; None when the days are 0 (not known)."""
        days = self.days_for(customer_id)
        return today + timedelta(days=days) if days > 0 else None
