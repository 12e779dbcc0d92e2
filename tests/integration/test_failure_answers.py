"""Failures answered as failures, on SQLite and PostgreSQL: every error body is problem+json, a
store that cannot take writes answers 503 with the reason and `/health` says so, and a failing
request logs one line without the values it carried."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from shipshape.adapters.db import queries
from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from tests.builders import auth, order, seed_distributor
from tests.conftest import BACKENDS

BOTH = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
PROBLEM = "application/problem+json"
SECRET = "card-4111-1111"


@pytest.fixture
def api(container: Container) -> Iterator[tuple[TestClient, dict[str, str]]]:
    seed_distributor(container)
    token = container.tokens.create("ops", "admin", datetime.now(UTC))
    with TestClient(create_app(container)) as client:
        yield client, auth(token)


def read_only_store(database_url: str) -> Container:
    """The same database opened by a second process whose every connection is read-only, as
    after a remount read-only or on a standby."""
    if database_url.startswith("sqlite"):
        container = build(Settings(database_url=database_url, env="test"))
        event.listen(container.engine, "connect",
                     lambda dbapi, _: dbapi.execute("PRAGMA query_only = ON"))
        container.engine.dispose()
        return container
    url = database_url + "%20-cdefault_transaction_read_only%3Don"
    return build(Settings(database_url=url, env="test"))


def full_store(database_url: str) -> Container:
    """The same SQLite database when its disk has no room left to grow the file."""
    container = build(Settings(database_url=database_url, env="test"))
    with container.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    event.listen(container.engine, "connect",
                 lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count = {pages}"))
    container.engine.dispose()
    return container


def orders_stored(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.orders)).scalar_one())


def big_order(n: int) -> dict[str, Any]:
    lines = [{"line_no": i, "sku": "SKU1", "quantity": 1, "unit_price": "10.00"}
             for i in range(1, 2001)]
    return order(external_id=f"BIG-{n}", customer_po=f"PO-BIG-{n}", lines=lines)


# --------------------------------------------------------------------- problem+json always


@BOTH
def test_routing_errors_and_a_body_too_large_are_problems(
    api: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = api
    answers = {404: client.get("/api/v1/no-such-thing", headers=headers),
               405: client.delete("/api/v1/orders", headers=headers),
               413: client.post("/api/v1/orders", content=b"x" * (2 * 1024 * 1024),
                                headers=headers)}
    for status, answer in answers.items():
        assert answer.status_code == status
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["status"] == status and answer.json()["title"]


@BOTH
def test_an_unforeseen_error_is_a_500_problem_with_an_id_and_one_log_line_without_values(
    api: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, container: Container
) -> None:
    client, headers = api

    def failing_query(engine: Any, *args: Any, **filters: Any) -> Any:
        with engine.connect() as conn:
            conn.execute(text("SELECT no_such_column FROM orders WHERE id = :id"),
                         {"id": SECRET * 100_000})

    monkeypatch.setattr(queries, "list_orders", failing_query)
    with caplog.at_level(logging.INFO):
        answer = client.get("/api/v1/orders", headers=headers)

    assert answer.status_code == 500
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert "no_such_column" not in problem["detail"] and SECRET not in answer.text
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    message = line.getMessage()
    assert problem["error_id"] in message and "GET /api/v1/orders" in message
    assert "\n" not in message and line.exc_info is None
    assert SECRET not in caplog.text and len(caplog.text) < 2000


@BOTH
def test_a_driver_error_carries_its_statement_but_never_its_bound_values(
    container: Container
) -> None:
    with pytest.raises(Exception) as raised, container.engine.connect() as conn:
        conn.execute(text("SELECT no_such_column FROM orders WHERE id = :id"), {"id": SECRET})
    assert "no_such_column" in str(raised.value)
    assert SECRET not in str(raised.value)


# ------------------------------------------------------------- a store that takes no writes


@BOTH
def test_a_read_only_store_answers_503_with_the_reason_and_health_says_unwritable(
    api: tuple[TestClient, dict[str, str]], container: Container, database_url: str,
    caplog: pytest.LogCaptureFixture
) -> None:
    _, headers = api
    assert TestClient(create_app(container)).get("/api/v1/health").json()["store"][
        "writable"] is True
    frozen = read_only_store(database_url)
    try:
        with TestClient(create_app(frozen)) as client:
            placed = client.post("/api/v1/orders", json=order(), headers=headers)
            receipt = client.post("/api/v1/inventory/receipts", headers=headers, json={
                "site_id": "DAL", "sku": "SKU1", "quantity": 5})
            health = client.get("/api/v1/health")
            listed = client.get("/api/v1/orders", headers=headers)
    finally:
        frozen.close()

    for answer in (placed, receipt):
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["title"] == "Store unavailable"
        assert answer.json()["detail"].startswith("the database is read-only; nothing was written")
        assert answer.headers["retry-after"]
    assert listed.status_code == 200, "reads still work"
    assert health.status_code == 503
    store = health.json()["store"]
    assert (store["ok"], store["writable"]) == (False, False)
    assert "read-only" in store["detail"]
    assert orders_stored(container) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("POST /api/v1/orders: store unavailable" in w for w in warnings)
    assert all("\n" not in w for w in warnings)


def test_a_full_store_answers_503_and_health_says_full(
    api: tuple[TestClient, dict[str, str]], container: Container, database_url: str
) -> None:
    """On SQLite, whose file meets its max_page_count; PostgreSQL's disk-full SQLSTATE 53100 is
    translated in tests/unit/test_store_errors.py (a full disk cannot be made here)."""
    _, headers = api
    full = full_store(database_url)
    try:
        with TestClient(create_app(full)) as client:
            placed = client.post("/api/v1/orders", json=big_order(1), headers=headers)
            health = client.get("/api/v1/health").json()["store"]
    finally:
        full.close()
    assert placed.status_code == 503, placed.text
    assert placed.json()["detail"].startswith("the database or its disk is full")
    assert (health["ok"], health["writable"]) == (False, False)
    assert "full" in health["detail"]
    assert orders_stored(container) == 0

    with TestClient(create_app(container)) as client:
        assert client.post("/api/v1/orders", json=big_order(2), headers=headers).status_code == 201
