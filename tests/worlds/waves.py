"""The waves world (`App`): a distributor with stock at DAL and ATL, the customer C1 of the
builders and three more (C2 strategic, C3 low priority, C4 allowed to split), orders placed for a
wave, and what the store and the WMS say of them afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.channels.canonical import CustomerIn
from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.services import masterdata as md
from shipshape.sim.systems.system import SimulatedSystem
from tests.builders import order, post_order, seed_distributor

App = tuple[Container, TestClient]


@contextmanager
def wave_app(database_url: str) -> Iterator[App]:
    """The waves world on `database_url` (the `app` fixture), closed at the end."""
    container = build(Settings(database_url=database_url, env="test"), migrate=True)
    seed_distributor(container, {("DAL", "SKU1"): 1000, ("DAL", "SKU2"): 1000,
                                 ("ATL", "SKU1"): 1000})
    md.upsert(container.deps, [
        CustomerIn(name="Big", priority="strategic", credit_limit="100000",
                   preferred_site="DAL").to_domain("C2"),
        CustomerIn(name="Small", priority="low", credit_limit="100000",
                   preferred_site="DAL").to_domain("C3"),
        CustomerIn(name="Split", credit_limit="100000", allow_split=True,
                   preferred_site="DAL").to_domain("C4"),
    ])
    with TestClient(create_app(container)) as client:
        yield container, client
    container.close()


def place(app: App, n: int, **overrides: Any) -> str:
    container, client = app
    token = container.tokens.create("t", "integration", container.deps.clock.now())
    body = order(**{"external_id": f"W-{n}", "customer_po": f"PO-{n}", **overrides})
    answer = post_order(client, token, body).json()
    assert answer["status"] == "accepted", answer
    return str(answer["order_id"])


def line(sku: str = "SKU1", quantity: int = 2, price: str = "10.00") -> dict[str, Any]:
    return {"line_no": 1, "sku": sku, "quantity": quantity, "unit_price": price, "uom": "EA"}


def status_of(container: Container, order_id: str) -> str:
    with container.engine.connect() as conn:
        return str(conn.execute(select(t.orders.c.status)
                                .where(t.orders.c.id == order_id)).scalar_one())


def cases_of(container: Container, order_id: str) -> list[Any]:
    with container.engine.connect() as conn:
        return list(conn.execute(select(t.exception_cases)
                                 .where(t.exception_cases.c.order_id == order_id)).all())


def wms(container: Container) -> SimulatedSystem:
    system = container.connectors.simulated("wms")
    if system is None:
        raise AssertionError("the WMS should be simulated in these tests")
    return system
