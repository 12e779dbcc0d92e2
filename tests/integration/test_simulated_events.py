"""A simulated system's own events (sent twice, out of order) are received once each, and an
update older than the one applied changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.services.delivery.inbound import take_events
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem
from tests.builders import seed_distributor
from tests.conftest import BACKENDS
from tests.worlds.worker import place_orders, work_until

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def noisy_erp(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    erp = {"duplicate_rate": 0.5, "reorder_rate": 0.5, "seed": 3}
    container = build(Settings(database_url=database_url, env="test", simulation={"erp": erp}),
                      migrate=True)
    seed_distributor(container)
    with TestClient(create_app(container)) as client:
        yield container, client
    container.close()


def received(container: Container) -> list[tuple[str, bool]]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(t.order_events.c.order_id, t.order_events.c.payload).where(
            t.order_events.c.type == "SystemEventReceived")).all()
    return [(row.order_id, bool(row.payload["stale"])) for row in rows]


def test_acknowledgements_sent_twice_and_out_of_order_are_received_once_each(
    noisy_erp: tuple[Container, TestClient],
) -> None:
    container, client = noisy_erp
    orders = place_orders(container, client, 8)
    work_until(container, lambda: len(received(container)) == 8)
    assert sorted(received(container)) == sorted((order_id, False) for order_id in orders)


def test_an_older_update_delivered_after_a_newer_one_is_stale(
    noisy_erp: tuple[Container, TestClient],
) -> None:
    container, _ = noisy_erp
    erp = SimulatedSystem("erp", SimulationSettings(reorder_rate=1.0))
    erp.emit("credit_status_changed", {"customer_id": "C1", "on_hold": True}, T0)
    erp.emit("credit_status_changed", {"customer_id": "C1", "on_hold": False},
             T0 + timedelta(minutes=1))
    counts = take_events(container.deps, container.ownership, erp)
    assert counts == {"applied": 1, "stale": 1}
    with container.deps.uow() as uow:
        customer = uow.masterdata.customer("C1")
    assert customer is not None and customer.credit_hold is False


def test_events_from_a_system_that_does_not_own_the_state_open_a_case(
    noisy_erp: tuple[Container, TestClient],
) -> None:
    container, _ = noisy_erp
    wms = SimulatedSystem("wms")
    wms.emit("credit_status_changed", {"customer_id": "C1", "on_hold": True}, T0)
    assert take_events(container.deps, container.ownership, wms) == {"refused": 1}
    with container.engine.connect() as conn:
        codes = list(conn.execute(select(t.exception_cases.c.code)).scalars())
    assert codes == ["OWNERSHIP_VIOLATION"]
