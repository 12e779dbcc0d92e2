"""Workers mirror orders to the ERP once each; failed calls become dead letters that
`dlq replay` applies once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import ConnectorSettings, Settings
from shipshape.services.delivery import replay as dlq
from shipshape.sim.systems.system import SimulatedSystem
from shipshape.worker import handlers_of
from tests import cli_support
from tests.builders import seed_distributor
from tests.conftest import BACKENDS
from tests.worlds.worker import events, place_orders, work_until

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
QUICK_RETRIES = ConnectorSettings(max_attempts=2, first_delay_s=0, max_delay_s=0, jitter_s=0)
MIRROR = "erp-order-mirror"


@pytest.fixture
def app(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    settings = Settings(database_url=database_url, env="test", connectors={"erp": QUICK_RETRIES})
    container = build(settings, migrate=True)
    seed_distributor(container)
    with TestClient(create_app(container)) as client:
        yield container, client
    container.close()


def erp(container: Container) -> SimulatedSystem:
    system = container.connectors.simulated("erp")
    if system is None:
        raise AssertionError("the ERP should be simulated in these tests")
    return system


def letters(container: Container) -> list[dlq.DeadLetter]:
    return dlq.open_letters(container.deps)


def test_accepted_and_held_orders_are_mirrored_to_the_erp_once_each(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    accepted = place_orders(container, client)
    held = place_orders(container, client, external_id="W-H", customer_po="PO-H",
                        lines=[{"line_no": 1, "sku": "NOPE", "quantity": 1,
                                "unit_price": "1.00", "uom": "EA"}])
    work_until(container, lambda: len(events(container, "SystemCalled")) == 2)

    sources = {e.event_id for e in events(container, "OrderAccepted")
               + events(container, "OrderHeld")}
    called = events(container, "SystemCalled")
    assert {e.payload["source_event"] for e in called} == sources
    assert {e.order_id for e in called} == {*accepted, *held}
    assert set(erp(container).applied) == sources
    work_until(container, lambda: True)
    assert erp(container).applied_count("order_mirror") == 2
    assert len(events(container, "SystemCalled")) == 2


def test_a_rejected_call_becomes_a_dead_letter_and_a_replay_applies_it_once(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    erp(container).reject_next(1, "customer unknown in the ERP")
    [order_id] = place_orders(container, client)
    work_until(container, lambda: bool(letters(container)))

    [letter] = letters(container)
    assert (letter.consumer, letter.system, letter.operation, letter.key, letter.attempts) == (
        MIRROR, "erp", "order_mirror", order_id, 1)
    assert "customer unknown in the ERP" in letter.error
    with container.engine.connect() as conn:
        case = conn.execute(select(t.exception_cases)
                            .where(t.exception_cases.c.id == letter.case_id)).one()
    assert (case.code, case.kind, case.source_system, case.stage, case.order_id) == (
        "INTEGRATION_FAILURE", "integration", "erp", "capture", order_id)
    assert "erp" in case.message and "order_mirror" in case.message
    assert [e.order_id for e in events(container, "IntegrationFailed")] == [order_id]
    assert erp(container).applied_count() == 0

    handlers = handlers_of(container)
    assert dlq.replay(container.deps, handlers, letter.id).outcome == "replayed"
    assert dlq.replay(container.deps, handlers, letter.id).outcome == "already"
    assert erp(container).applied_count() == 1
    assert [e.payload["source_event"] for e in events(container, "SystemCalled")] == [
        letter.event_id]
    with container.engine.connect() as conn:
        closed = conn.execute(select(t.exception_cases)
                              .where(t.exception_cases.c.id == letter.case_id)).one()
    assert (closed.status, closed.resolution_action) == ("resolved", "dlq_replay")
    assert letters(container) == []


def test_an_outage_exhausts_the_retries_and_a_replay_succeeds_once_it_is_over(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    erp(container).set_down(True)
    place_orders(container, client, 2)
    work_until(container, lambda: len(letters(container)) == 2)
    assert all(letter.attempts == 2 and "gave up after 2 attempts" in letter.error
               for letter in letters(container))

    handlers = handlers_of(container)
    still_down = dlq.replay_all(container.deps, handlers)
    assert [r.outcome for r in still_down] == ["failed", "failed"]
    assert len(letters(container)) == 2
    erp(container).set_down(False)
    assert [r.outcome for r in dlq.replay_all(container.deps, handlers)] == ["replayed"] * 2
    assert erp(container).applied_count() == 2 and letters(container) == []


def test_concurrent_replays_of_one_letter_apply_it_once(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    erp(container).reject_next(1)
    place_orders(container, client)
    work_until(container, lambda: bool(letters(container)))
    [letter] = letters(container)
    handlers = handlers_of(container)
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda: outcomes.append(
        dlq.replay(container.deps, handlers, letter.id).outcome)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 3 + ["replayed"]
    assert erp(container).applied_count() == 1
    assert len(events(container, "SystemCalled")) == 1


def test_dlq_list_and_replay_from_the_command_line(
    app: tuple[Container, TestClient], database_url: str,
) -> None:
    container, client = app
    erp(container).reject_next(1, "no such customer")
    [order_id] = place_orders(container, client)
    work_until(container, lambda: bool(letters(container)))
    [letter] = letters(container)

    listed = cli_support.shipshape(database_url, "dlq", "list").output
    assert str(letter.id) in listed and order_id in listed and "no such customer" in listed
    replayed = cli_support.shipshape(database_url, "dlq", "replay", str(letter.id)).output
    assert f"dead letter {letter.id}: replayed" in replayed
    again = cli_support.shipshape(database_url, "dlq", "replay", "--all").output
    assert "no open dead letters" in again
    assert "no open dead letters" in cli_support.shipshape(database_url, "dlq", "list").output
    assert len(events(container, "SystemCalled")) == 1
