"""Cancelling in the waves world: the cancel itself, and what an order holds and gives back
(stock reserved, credit exposure, its events), read from the store; an order held at intake."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.services.cancellation import CancelResult, cancel_order
from tests.builders import order, post_order
from tests.worlds.waves import App, line
from tests.worlds.worker import events


def cancel(container: Container, order_id: str, reason: str = "customer changed mind",
           actor: str = "agent-1") -> CancelResult:
    return cancel_order(container.deps, order_id, reason, actor)


def reserved(container: Container, site: str = "DAL", sku: str = "SKU1") -> int:
    inv = t.inventory.c
    with container.engine.connect() as conn:
        return int(conn.execute(select(inv.reserved).where(inv.site == site, inv.sku == sku))
                   .scalar_one())


def exposure(container: Container, customer_id: str = "C1") -> Decimal:
    ce = t.credit_exposure.c
    with container.engine.connect() as conn:
        value = conn.execute(select(ce.open_value).where(ce.customer_id == customer_id)).scalar()
    return Decimal(value or 0)


def of_order(container: Container, kind: str, order_id: str) -> list[Any]:
    return [e for e in events(container, kind) if e.order_id == order_id]


def held_at_intake(app: App, n: int) -> str:
    """An order refused at acceptance for want of stock: held, nothing reserved, no credit."""
    container, client = app
    token = container.tokens.create("t", "integration", datetime.now(UTC))
    body = order(external_id=f"H-{n}", customer_po=f"PO-H-{n}", carrier_service=None,
                 lines=[line("SKU1", 5000)])
    answer = post_order(client, token, body).json()
    assert answer["status"] == "held", answer
    return str(answer["order_id"])
