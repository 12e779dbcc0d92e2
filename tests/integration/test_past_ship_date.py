"""`SHIP_DATE_IN_PAST`: a requested ship date before today is a warning the order goes on with,
or a hold for customer service (`SHIPSHAPE_PAST_SHIP_DATE=hold`), at intake and again in the
pre-wave check, on both backends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from shipshape.adapters.db import queries
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.services.release import release_wave
from tests.builders import order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


class LaterClock:
    """The system clock, `days` ahead: the order's ship date passes while it waits."""

    def __init__(self, days: int) -> None:
        self.ahead = timedelta(days=days)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def served(database_url: str, past_ship_date: str) -> Iterator[tuple[Container, TestClient]]:
    container = build(Settings(database_url=database_url, env="test",
                               past_ship_date=past_ship_date), migrate=True)  # type: ignore[arg-type]
    seed_distributor(container, {("DAL", "SKU1"): 100})
    with TestClient(create_app(container)) as client:
        yield container, client
    container.close()


@pytest.fixture
def warn_app(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    yield from served(database_url, "warn")


@pytest.fixture
def hold_app(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    yield from served(database_url, "hold")


def place(app: tuple[Container, TestClient], ship: str) -> dict[str, object]:
    container, client = app
    token = container.tokens.create("t", "integration", container.deps.clock.now())
    answer = post_order(client, token, order(requested_ship_date=ship))
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def codes(body: dict[str, object]) -> list[str]:
    findings = body["findings"]
    assert isinstance(findings, list)
    return [f["code"] for f in findings]


def test_by_default_an_order_for_yesterday_is_accepted_with_a_warning(warn_app) -> None:
    body = place(warn_app, YESTERDAY)
    assert body["status"] == "accepted"
    assert codes(body) == ["SHIP_DATE_IN_PAST"]
    assert body["cases"] == []


def test_under_hold_an_order_for_yesterday_is_held_with_a_case(hold_app) -> None:
    container, _ = hold_app
    body = place(hold_app, YESTERDAY)
    assert body["status"] == "held"
    assert codes(body) == ["SHIP_DATE_IN_PAST"]
    [case] = queries.order_detail(container.engine, str(body["order_id"]))["cases"]
    assert case["code"] == "SHIP_DATE_IN_PAST"


def test_an_order_for_today_is_not_in_the_past(hold_app) -> None:
    body = place(hold_app, date.today().isoformat())
    assert body["status"] == "accepted"
    assert "SHIP_DATE_IN_PAST" not in codes(body)


def test_a_ship_date_that_passed_before_the_wave_holds_the_order_under_hold(hold_app) -> None:
    container, _ = hold_app
    order_id = place(hold_app, (date.today() + timedelta(days=2)).isoformat())["order_id"]
    later = dataclasses.replace(container.deps, clock=LaterClock(days=5))
    result = release_wave(later, "DAL")
    assert [p.order_id for p in result.pulled] == [order_id]
    assert list(result.pulled[0].codes) == ["SHIP_DATE_IN_PAST"]
    assert queries.order_detail(container.engine, str(order_id))["status"] == "held"


def test_a_ship_date_that_passed_before_the_wave_is_released_with_a_warning(warn_app) -> None:
    container, _ = warn_app
    order_id = place(warn_app, (date.today() + timedelta(days=2)).isoformat())["order_id"]
    later = dataclasses.replace(container.deps, clock=LaterClock(days=5))
    result = release_wave(later, "DAL")
    assert list(result.released) == [order_id]
    wave = queries.wave_detail(container.engine, str(result.wave_id))
    assert wave is not None
    [entry] = wave["orders"]
    assert [r["code"] for r in entry["reasons"]] == ["SHIP_DATE_IN_PAST"]
