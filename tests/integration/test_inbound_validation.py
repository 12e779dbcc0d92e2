"""Events from the other systems are read by a strict schema per type (booleans are booleans,
numbers numbers, required fields required) and refused when dated beyond the allowed clock skew,
over HTTP and from simulated systems alike; a bad event in a batch is dead-lettered with a case
and the rest are applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.adapters.systems.signing import new_secret, sign_headers
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import ConnectorSettings, Settings
from shipshape.services.delivery.inbound import take_events
from shipshape.services.delivery.inbound_effects import EFFECTS
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem
from tests.builders import seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
SECRETS = {"erp": new_secret(), "wms": new_secret()}
App = tuple[Container, TestClient]


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    connectors = {name: ConnectorSettings(secret=secret) for name, secret in SECRETS.items()}
    container = build(Settings(database_url=database_url, env="test", connectors=connectors),
                      migrate=True)
    seed_distributor(container)
    with TestClient(create_app(container)) as client:
        yield container, client
    container.close()


def now() -> datetime:
    return datetime.now(UTC)


def envelope(kind: str, at: datetime | str, **data: Any) -> dict[str, Any]:
    when = at if isinstance(at, str) else at.isoformat()
    return {"type": kind, "occurred_at": when, "data": data}


def send(client: TestClient, system: str, body: dict[str, Any], webhook_id: str) -> Any:
    raw = json.dumps(body).encode()
    headers = sign_headers(SECRETS[system], webhook_id, raw, now())
    return client.post(f"/api/v1/events/{system}", content=raw,
                       headers={**headers, "content-type": "application/json"})


def on_hold(container: Container) -> bool:
    with container.deps.uow() as uow:
        customer = uow.masterdata.customer("C1")
    assert customer is not None
    return customer.credit_hold


def refused(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in answer.json()["detail"]


@pytest.mark.parametrize("value", ["false", "true", 0, 1, None, [], {}])
def test_on_hold_must_be_a_boolean(app: App, value: object) -> None:
    container, client = app
    answer = send(client, "erp", envelope("credit_status_changed", now(), customer_id="C1",
                                          on_hold=value), "erp-1")
    refused(answer, "on_hold")
    assert not on_hold(container)


def test_a_credit_event_without_on_hold_does_not_lift_a_hold(app: App) -> None:
    container, client = app
    hold = send(client, "erp", envelope("credit_status_changed", now() - timedelta(minutes=2),
                                        customer_id="C1", on_hold=True), "erp-1")
    assert hold.json()["outcome"] == "applied"
    refused(send(client, "erp", envelope("credit_status_changed", now(), customer_id="C1"),
                 "erp-2"), "on_hold")
    assert on_hold(container)


def test_an_event_dated_beyond_the_clock_skew_is_refused_and_freezes_nothing(app: App) -> None:
    container, client = app
    future = send(client, "erp", envelope("credit_status_changed", "2099-01-01T00:00:00+00:00",
                                          customer_id="C1", on_hold=True), "erp-1")
    refused(future, "occurred_at")
    assert not on_hold(container)
    genuine = send(client, "erp", envelope("credit_status_changed", now(), customer_id="C1",
                                           on_hold=True), "erp-2")
    assert (genuine.status_code, genuine.json()["outcome"]) == (200, "applied")
    assert on_hold(container)


def test_an_event_a_little_ahead_of_our_clock_is_accepted(app: App) -> None:
    container, client = app
    answer = send(client, "erp", envelope("credit_status_changed", now() + timedelta(seconds=60),
                                          customer_id="C1", on_hold=True), "erp-1")
    assert answer.json()["outcome"] == "applied"
    assert on_hold(container)


@pytest.mark.parametrize(("kind", "data", "field"), [
    ("credit_status_changed", {"on_hold": True}, "customer_id"),
    ("credit_status_changed", {"customer_id": 7, "on_hold": True}, "customer_id"),
    ("credit_status_changed", {"customer_id": "C1", "on_hold": True, "credit_limit": "lots"},
     "credit_limit"),
    ("credit_status_changed", {"customer_id": "C1", "on_hold": True, "credit_limit": True},
     "credit_limit"),
    ("payment_received", {"invoice_id": "inv-1", "amount": True}, "amount"),
    ("payment_received", {"invoice_id": "inv-1", "amount": "NaN"}, "amount"),
    ("payment_received", {"invoice_id": "inv-1"}, "amount"),
    ("pick_confirmed", {"order_id": "O-1", "site": "DAL",
                        "lines": [{"line_no": 1, "quantity": "3"}]}, "lines[0].quantity"),
    ("pick_confirmed", {"order_id": "O-1", "site": "DAL", "lines": "all"}, "lines"),
    ("shipment_confirmed", {"order_id": "O-1", "site": "DAL", "shipment_id": "S-1",
                            "ship_date": "soon", "lines": []}, "ship_date"),
    ("order_acknowledged", {"order_id": ["O-1"]}, "order_id"),
])
def test_fields_of_the_wrong_type_or_missing_are_refused_naming_the_field(
    app: App, kind: str, data: dict[str, Any], field: str
) -> None:
    _, client = app
    system = "wms" if kind in {"pick_confirmed", "shipment_confirmed"} else "erp"
    refused(send(client, system, envelope(kind, now(), **data), "m-1"), field)


def test_a_credit_limit_sent_by_the_erp_is_applied(app: App) -> None:
    container, client = app
    answer = send(client, "erp", envelope("credit_status_changed", now(), customer_id="C1",
                                          on_hold=False, credit_limit="2500.00"), "erp-1")
    assert answer.json()["outcome"] == "applied"
    with container.deps.uow() as uow:
        customer = uow.masterdata.customer("C1")
    assert customer is not None and customer.credit_limit == Decimal("2500.00")


def dead_letters(container: Container) -> list[Any]:
    with container.engine.connect() as conn:
        return list(conn.execute(select(t.dead_letters).order_by(t.dead_letters.c.id)).all())


def case(container: Container, case_id: str) -> Any:
    with container.engine.connect() as conn:
        return conn.execute(select(t.exception_cases)
                            .where(t.exception_cases.c.id == case_id)).one()


def test_a_simulated_systems_bad_events_are_dead_lettered_and_the_rest_applied(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    container, _ = app
    monkeypatch.setitem(EFFECTS, "order_acknowledged", broken_effect)
    erp = SimulatedSystem("erp", SimulationSettings())
    at = container.deps.clock.now()
    erp.emit("credit_status_changed", {"customer_id": "C1", "on_hold": "false"}, at)
    erp.emit("credit_status_changed", {"customer_id": "C1", "on_hold": True},
             datetime(2099, 1, 1, tzinfo=UTC))
    erp.emit("order_acknowledged", {"order_id": "ord-1"}, at)
    erp.emit("credit_status_changed", {"customer_id": "NOBODY", "on_hold": True}, at)
    erp.emit("credit_status_changed", {"customer_id": "C1", "on_hold": True},
             at - timedelta(seconds=1))

    counts = take_events(container.deps, container.ownership, erp)

    assert counts == {"applied": 1, "invalid": 4}
    assert on_hold(container)
    letters = dead_letters(container)
    assert [(letter.consumer, letter.system, letter.status) for letter in letters] == [
        ("erp-inbound", "erp", "open")] * 3
    assert ["on_hold" in letters[0].error, "occurred_at" in letters[1].error,
            "the ERP link broke" in letters[2].error] == [True, True, True]
    assert json.loads(letters[0].payload)["data"]["on_hold"] == "false"
    assert letters[2].msg_key == "ord-1"
    [code] = {case(container, letter.case_id).code for letter in letters}
    assert code == "INTEGRATION_FAILURE"
    assert take_events(container.deps, container.ownership, erp) == {}


def broken_effect(deps: Any, uow: Any, event: Any) -> None:
    raise RuntimeError("the ERP link broke")


def test_the_allowed_clock_skew_is_a_setting(database_url: str) -> None:
    connectors = {"erp": ConnectorSettings(secret=SECRETS["erp"])}
    container = build(Settings(database_url=database_url, env="test", connectors=connectors,
                               event_max_clock_skew_s=10), migrate=True)
    seed_distributor(container)
    try:
        with TestClient(create_app(container)) as client:
            ahead = send(client, "erp", envelope("credit_status_changed",
                                                 now() + timedelta(seconds=60),
                                                 customer_id="C1", on_hold=True), "erp-1")
            refused(ahead, "occurred_at")
            assert "10 s" in ahead.json()["detail"]
            assert not on_hold(container)
    finally:
        container.close()
