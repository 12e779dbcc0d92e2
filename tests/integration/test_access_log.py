"""Logs an operator can use: one JSON access-log line per request with its request id, latency
and the caller's token name (never the token); the id comes back in `X-Request-Id` and is kept on
every event the request writes; every other line has a time and a level."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.adapters.logs import ACCESS
from shipshape.bootstrap import Container
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = [pytest.mark.parametrize("database_url", BACKENDS, indirect=True),
              pytest.mark.usefixtures("configured_logging")]


def access_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines()
            if line.startswith("{") and json.loads(line).get("logger") == ACCESS]


def test_each_request_is_logged_once_with_its_id_latency_and_principal(
        client: TestClient, container: Container, tokens: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    answer = client.get("/api/v1/orders", headers=auth(tokens["viewer"]))
    [line] = access_lines(capsys.readouterr().err)
    assert line["method"] == "GET" and line["path"] == "/api/v1/orders"
    assert line["status"] == 200 and line["level"] == "INFO" and line["time"]
    assert line["principal"] == "test-viewer"
    assert line["request_id"] == answer.headers["X-Request-Id"]
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0


def test_the_token_never_reaches_the_log(client: TestClient, tokens: dict[str, str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    client.get("/api/v1/orders", headers=auth(tokens["admin"]))
    client.get("/api/v1/orders", headers=auth(tokens["admin"] + "x"))
    err = capsys.readouterr().err
    assert tokens["admin"] not in err
    assert [line["status"] for line in access_lines(err)] == [200, 401]
    assert access_lines(err)[1]["principal"] is None


def test_a_callers_request_id_is_kept_and_a_hostile_one_replaced(
        client: TestClient, tokens: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    kept = client.get("/api/v1/health", headers={"X-Request-Id": "edi-gw.4711"})
    replaced = client.get("/api/v1/health", headers={"X-Request-Id": "a b;" * 30})
    assert kept.headers["X-Request-Id"] == "edi-gw.4711"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])
    assert [line["request_id"] for line in access_lines(capsys.readouterr().err)] == [
        "edi-gw.4711", replaced.headers["X-Request-Id"]]


def test_the_events_a_request_writes_carry_its_id(client: TestClient, container: Container,
                                                  tokens: dict[str, str]) -> None:
    seed_distributor(container)
    client.headers["X-Request-Id"] = "portal-42"
    order_id = post_order(client, tokens["integration"], order()).json()["order_id"]
    with container.engine.connect() as conn:
        ids = conn.execute(select(t.order_events.c.request_id)
                           .where(t.order_events.c.order_id == order_id)).scalars().all()
    assert ids and set(ids) == {"portal-42"}
    timeline = client.get(f"/api/v1/orders/{order_id}/events",
                          headers=auth(tokens["viewer"])).json()["events"]
    assert {event["request_id"] for event in timeline} == {"portal-42"}


def test_refusals_before_any_route_are_logged_too(client: TestClient,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    client.post("/api/v1/orders", content=b"x" * 10_000_000)
    [line] = access_lines(capsys.readouterr().err)
    assert line["status"] == 413
