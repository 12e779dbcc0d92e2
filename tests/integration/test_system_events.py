"""Events from the other systems: signed per Standard Webhooks, applied once, in order, and only
from the system that owns the state they change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.systems.signing import new_secret, sign_headers
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import ConnectorSettings, Settings
from tests.builders import seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
SECRETS = {"erp": new_secret(), "wms": new_secret()}
OLD_ERP_SECRET = new_secret()
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    connectors = {"erp": ConnectorSettings(secret=SECRETS["erp"],
                                           previous_secret=OLD_ERP_SECRET),
                  "wms": ConnectorSettings(secret=SECRETS["wms"])}
    container = build(Settings(database_url=database_url, env="test", connectors=connectors),
                      migrate=True)
    seed_distributor(container)
    with TestClient(create_app(container)) as client:
        yield container, client
    container.close()


def body(kind: str, at: datetime, **data: Any) -> bytes:
    return json.dumps({"type": kind, "occurred_at": at.isoformat(), "data": data}).encode()


def send(client: TestClient, system: str, raw: bytes, webhook_id: str,
         secret: str | None = None, now: datetime | None = None) -> Any:
    headers = sign_headers(secret or SECRETS[system], webhook_id, raw, now or datetime.now(UTC))
    return client.post(f"/api/v1/events/{system}", content=raw,
                       headers={**headers, "content-type": "application/json"})


def credit_hold(container: Container) -> bool:
    with container.deps.uow() as uow:
        customer = uow.masterdata.customer("C1")
    return bool(customer and customer.credit_hold)


def cases(container: Container, code: str) -> list[Any]:
    with container.engine.connect() as conn:
        return list(conn.execute(select(t.exception_cases)
                                 .where(t.exception_cases.c.code == code)).all())


def test_a_signed_event_from_the_owner_is_applied(app: tuple[Container, TestClient]) -> None:
    container, client = app
    answer = send(client, "erp", body("credit_status_changed", T0, customer_id="C1",
                                      on_hold=True), "msg-1")
    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")
    assert credit_hold(container)


def test_an_unsigned_or_badly_signed_event_is_refused_with_401_and_changes_nothing(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    raw = body("credit_status_changed", T0, customer_id="C1", on_hold=True)
    unsigned = client.post("/api/v1/events/erp", content=raw)
    wrong_key = send(client, "erp", raw, "msg-1", secret=SECRETS["wms"])
    headers = sign_headers(SECRETS["erp"], "msg-2", raw, datetime.now(UTC))
    tampered = client.post("/api/v1/events/erp", content=raw.replace(b"true", b"false"),
                           headers=headers)
    assert [a.status_code for a in (unsigned, wrong_key, tampered)] == [401, 401, 401]
    assert all(a.headers["content-type"] == "application/problem+json"
               for a in (unsigned, wrong_key, tampered))
    assert not credit_hold(container)


def test_a_stale_timestamp_is_refused(app: tuple[Container, TestClient]) -> None:
    container, client = app
    raw = body("credit_status_changed", T0, customer_id="C1", on_hold=True)
    stale = send(client, "erp", raw, "msg-1", now=datetime.now(UTC) - timedelta(minutes=10))
    assert stale.status_code == 401
    assert "old" in stale.json()["detail"]
    assert not credit_hold(container)


def test_the_previous_secret_still_verifies_during_a_rotation(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    raw = body("credit_status_changed", T0, customer_id="C1", on_hold=True)
    assert send(client, "erp", raw, "msg-1", secret=OLD_ERP_SECRET).status_code == 200
    assert credit_hold(container)


def test_a_replayed_webhook_id_is_processed_once_and_answered_alike(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    raw = body("order_acknowledged", T0, order_id="ORD-1", erp_order="E-1")
    first, again = (send(client, "erp", raw, "msg-1") for _ in range(2))
    assert (first.status_code, first.json()) == (again.status_code, again.json())
    with container.engine.connect() as conn:
        received = conn.execute(select(func.count()).select_from(t.order_events).where(
            t.order_events.c.type == "SystemEventReceived")).scalar_one()
    assert received == 1
    other = send(client, "erp", body("order_acknowledged", T0, order_id="ORD-1",
                                     erp_order="E-2"), "msg-1")
    assert other.status_code == 409


def test_an_update_from_a_system_that_does_not_own_the_state_is_refused_with_a_case(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    raw = body("credit_status_changed", T0, customer_id="C1", on_hold=True, order_id="ORD-9")
    answer = send(client, "wms", raw, "wms-1")
    assert answer.status_code == 409
    assert answer.json()["code"] == "OWNERSHIP_VIOLATION"
    assert not credit_hold(container)
    [case] = cases(container, "OWNERSHIP_VIOLATION")
    assert (case.id, case.kind, case.source_system, case.order_id, case.stage) == (
        answer.json()["case_id"], "integration", "wms", "ORD-9", "validate")
    assert case.details["owner"] == "erp"
    assert send(client, "wms", raw, "wms-1").json() == answer.json()
    assert len(cases(container, "OWNERSHIP_VIOLATION")) == 1


def test_an_update_arriving_out_of_order_does_not_overwrite_a_newer_one(
    app: tuple[Container, TestClient],
) -> None:
    container, client = app
    newer = body("credit_status_changed", T0 + timedelta(minutes=5), customer_id="C1",
                 on_hold=False)
    older = body("credit_status_changed", T0, customer_id="C1", on_hold=True)
    assert send(client, "erp", newer, "msg-2").json()["outcome"] == "applied"
    late = send(client, "erp", older, "msg-1")
    assert (late.status_code, late.json()["outcome"]) == (200, "stale")
    assert not credit_hold(container)


def test_unknown_systems_types_and_bodies_get_clear_errors(
    app: tuple[Container, TestClient],
) -> None:
    _, client = app
    assert send(client, "erp", b"[1, 2]", "m-1").status_code == 422
    assert send(client, "erp", b"{not json", "m-2").status_code == 422
    unknown = send(client, "erp", body("teleported", T0, order_id="O"), "m-3")
    assert unknown.status_code == 422 and "teleported" in unknown.json()["detail"]
    no_entity = send(client, "erp", body("order_acknowledged", T0), "m-4")
    assert no_entity.status_code == 422
    naive = json.dumps({"type": "order_acknowledged", "occurred_at": "2026-11-27T09:00:00",
                        "data": {"order_id": "O"}}).encode()
    assert send(client, "erp", naive, "m-5").status_code == 422
    assert client.post("/api/v1/events/crm", content=b"{}").status_code == 404


def test_a_system_without_a_secret_cannot_send_events(app: tuple[Container, TestClient]) -> None:
    _, client = app
    raw = body("tender_accepted", T0, order_id="O-1")
    answer = send(client, "tms", raw, "t-1", secret=new_secret())
    assert answer.status_code == 401
    assert "no secret" in answer.json()["detail"]
