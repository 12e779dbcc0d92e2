"""Order status moves: checked against the lifecycle, stored, and told as `OrderStatusChanged`.

`move_order` moves one order (the order store's `set_status`); a wave's store moves many
orders in one statement, so a bulk move checks them with `check_moves`, makes its own store
call, and builds each order's event with `status_changed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from shipshape.domain.catalogue import OrderStatusChanged
from shipshape.domain.orders import OrderStatus, check_transition
from shipshape.services.ports import UnitOfWork


class OrderAt(Protocol):
    """An order as far as a status move needs it: its id and the status it is in."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> OrderStatus: ...


def move_order(uow: UnitOfWork, order: OrderAt, to: OrderStatus, now: datetime, *,
               reason: str, webhook_id: str, case_id: str | None = None,
               credit_released: Decimal | None = None) -> OrderStatusChanged:
    """Move `order` to `to` (`IllegalTransition` when its lifecycle does not allow it), store
    the move and return its `OrderStatusChanged` event."""
    check_transition(order.status, to)
    uow.orders.set_status(order.id, to, now)
    return status_changed(order.id, order.status, to, now, reason=reason,
                          webhook_id=webhook_id, case_id=case_id,
                          credit_released=credit_released)


def check_moves(orders: Iterable[OrderAt], to: OrderStatus) -> None:
    """Refuse a bulk move unless every order may move to `to`."""
    for order in orders:
        check_transition(order.status, to)


def status_changed(order_id: str, from_status: OrderStatus, to: OrderStatus, now: datetime, *,
                   reason: str, webhook_id: str, case_id: str | None = None,
                   credit_released: Decimal | None = None) -> OrderStatusChanged:
    """The `OrderStatusChanged` event of a move; `case_id` when the move opened a case,
    `credit_released` when it gave the order's value back to the customer's credit."""
    return OrderStatusChanged(occurred_at=now, order_id=order_id, from_status=from_status,
                              to_status=to, reason=reason, webhook_id=webhook_id,
                              case_id=case_id, credit_released=credit_released)
