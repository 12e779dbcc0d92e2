"""`services/status.py`: an order's status move is checked, stored and told the one way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

import pytest

from shipshape.domain.errors import IllegalTransition
from shipshape.domain.orders import OrderStatus
from shipshape.services.ports import UnitOfWork
from shipshape.services.status import check_moves, move_order, status_changed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class AnOrder:
    id: str
    status: OrderStatus


@dataclass
class Orders:
    moves: list[tuple[str, OrderStatus, datetime]] = field(default_factory=list)

    def set_status(self, order_id: str, status: OrderStatus, at: datetime) -> None:
        self.moves.append((order_id, status, at))


@dataclass
class Uow:
    orders: Orders = field(default_factory=Orders)


def a_uow() -> tuple[UnitOfWork, Orders]:
    uow = Uow()
    return cast(UnitOfWork, uow), uow.orders


def test_a_legal_move_is_stored_and_told() -> None:
    uow, orders = a_uow()
    event = move_order(uow, AnOrder("ord_1", OrderStatus.PICKED), OrderStatus.SHIPPED, NOW,
                       reason="shipped from every site", webhook_id="wh_1")
    assert orders.moves == [("ord_1", OrderStatus.SHIPPED, NOW)]
    assert (event.TYPE, event.order_id, event.occurred_at, event.payload()) == (
        "OrderStatusChanged", "ord_1", NOW, {
            "from": "picked", "to": "shipped", "reason": "shipped from every site",
            "webhook_id": "wh_1"})
    assert list(event.payload()) == ["from", "to", "reason", "webhook_id"]


@pytest.mark.parametrize(("current", "target"), [
    (OrderStatus.RECEIVED, OrderStatus.SHIPPED), (OrderStatus.SHIPPED, OrderStatus.HELD),
    (OrderStatus.CLOSED, OrderStatus.INVOICED), (OrderStatus.PICKED, OrderStatus.PICKED)])
def test_an_illegal_move_is_refused_and_nothing_stored(current: OrderStatus,
                                                        target: OrderStatus) -> None:
    uow, orders = a_uow()
    with pytest.raises(IllegalTransition):
        move_order(uow, AnOrder("ord_1", current), target, NOW, reason="r", webhook_id="wh")
    assert orders.moves == []


def test_the_optional_payload_keeps_its_place() -> None:
    event = status_changed("ord_1", OrderStatus.INVOICED, OrderStatus.CLOSED, NOW,
                           reason="every invoice paid", webhook_id="wh_2",
                           case_id="exc_1", credit_released=Decimal("12.50"))
    assert list(event.payload().items()) == [
        ("from", "invoiced"), ("to", "closed"), ("reason", "every invoice paid"),
        ("case_id", "exc_1"), ("credit_released", "12.50"), ("webhook_id", "wh_2")]


def test_a_bulk_move_is_refused_when_one_order_may_not_move() -> None:
    check_moves([AnOrder("a", OrderStatus.RELEASED), AnOrder("b", OrderStatus.PICKED)],
                OrderStatus.HELD)
    with pytest.raises(IllegalTransition):
        check_moves([AnOrder("a", OrderStatus.RELEASED), AnOrder("b", OrderStatus.SHIPPED)],
                    OrderStatus.HELD)
