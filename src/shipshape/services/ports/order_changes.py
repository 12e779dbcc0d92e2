"""The port that cancellation and amendment need: the unit of work's `changes` store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from shipshape.domain.amendment import ReservationRow
from shipshape.domain.orders import OrderLine


class OrderChangeStore(Protocol):
    """What cancelling and amending an order read and write besides the other stores."""

    def was_accepted(self, order_id: str) -> bool:
        """Whether the order was ever accepted (its value then counts towards exposure)."""
        ...

    def reservation_rows(self, order_id: str) -> list[ReservationRow]:
        """The order's reservation rows, as stored (not summed)."""
        ...

    def set_lines(self, order_id: str, lines: Sequence[OrderLine], value: Decimal,
                  at: datetime) -> None:
        """The order's lines become `lines` (others are removed) and its value `value`."""
        ...

    def close_open_cases(self, order_id: str, action: str, reason: str, actor: str,
                         at: datetime) -> list[str]:
        """Open or assigned cases of the order become cancelled; their ids."""
        ...
