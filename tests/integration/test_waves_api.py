"""Waves from outside: `POST /api/v1/waves`, `GET /api/v1/waves/{id}`, `shipshape waves release`
and the worker's cadence."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shipshape.adapters.channels.canonical import ItemIn
from shipshape.api.app import create_app
from shipshape.bootstrap import build
from shipshape.config import Settings
from shipshape.services import masterdata as md
from shipshape.worker import Worker
from tests import cli_support
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS
from tests.worlds.waves import App, place, status_of


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    container = build(Settings(database_url=database_url, env="test"), migrate=True)
    seed_distributor(container)
    with TestClient(create_app(container)) as client:
        yield container, client
    container.close()


@pytest.fixture
def admin(app: App) -> str:
    container, _ = app
    return container.tokens.create("admin", "admin", container.deps.clock.now())


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_post_releases_a_wave_and_get_reads_it_back(app: App, admin: str) -> None:
    container, client = app
    good = place(app, 1)
    masks = place(app, 2, lines=[{"line_no": 1, "sku": "SKU2", "quantity": 4,
                                  "unit_price": "5.00", "uom": "EA"}])
    md.upsert(container.deps, [ItemIn(description="Masks", weight_kg="0.5",
                                      active=False).to_domain("SKU2")])

    answer = client.post("/api/v1/waves", json={"site_id": "DAL", "limit": 10},
                         headers=auth(admin))

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["site_id"], body["trigger"], body["released"]) == ("DAL", "demand", [good])
    [pulled] = body["pulled"]
    assert (pulled["order_id"], pulled["codes"], len(pulled["cases"])) == (
        masks, ["INACTIVE_ITEM"], 1)
    assert body["check_ms"] > 0
    assert (status_of(container, good), status_of(container, masks)) == ("released", "held")

    detail = client.get(f"/api/v1/waves/{body['wave_id']}", headers=auth(admin)).json()
    assert (detail["status"], detail["site_id"]) == ("released", "DAL")
    # the wave reads back as POST answered it
    assert {k: detail[k] for k in ("wave_id", "site_id", "trigger", "released",
                                   "released_count", "pulled", "pulled_count")} == {
        k: body[k] for k in ("wave_id", "site_id", "trigger", "released", "released_count",
                             "pulled", "pulled_count")}
    outcomes = {o["order_id"]: (o["outcome"], [r["code"] for r in o["reasons"]])
                for o in detail["orders"]}
    assert outcomes == {good: ("released", []), masks: ("pulled", ["INACTIVE_ITEM"])}
    assert [e["type"] for e in detail["events"]] == ["WaveReleased"]
    exceptions = client.get(f"/api/v1/exceptions?order_id={masks}",
                            headers=auth(admin)).json()
    assert [(c["code"], c["stage"]) for c in exceptions["exceptions"]] == [
        ("INACTIVE_ITEM", "release")]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_nothing_due_answers_200_without_a_wave_and_errors_are_problems(
    app: App, admin: str,
) -> None:
    container, client = app
    viewer = container.tokens.create("v", "viewer", container.deps.clock.now())
    empty = client.post("/api/v1/waves", json={"site_id": "DAL"}, headers=auth(admin))
    assert (empty.status_code, empty.json()["wave_id"], empty.json()["released"]) == (
        200, None, [])
    unknown = client.post("/api/v1/waves", json={"site_id": "NOPE"}, headers=auth(admin))
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "NOPE" in unknown.json()["detail"]
    assert client.post("/api/v1/waves", json={"site_id": "DAL", "limit": 0},
                       headers=auth(admin)).status_code == 422
    renamed = client.post("/api/v1/waves", json={"site": "DAL"}, headers=auth(admin))
    assert renamed.status_code == 422
    assert {e["field"] for e in renamed.json()["errors"]} == {"site", "site_id"}
    assert client.post("/api/v1/waves", json={"site_id": "DAL"},
                       headers=auth(viewer)).status_code == 403
    assert client.post("/api/v1/waves", json={"site_id": "DAL"}).status_code == 401
    assert client.get("/api/v1/waves/wave_nope", headers=auth(viewer)).status_code == 404


def test_the_cli_releases_a_wave_and_prints_its_summary(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    with cli_support.opened(url) as container:
        seed_distributor(container)
        with TestClient(create_app(container)) as client:
            token = container.tokens.create("t", "integration", container.deps.clock.now())
            order_id = post_order(client, token, order()).json()["order_id"]

    output = cli_support.shipshape(url, "waves", "release", "--site", "DAL").output
    assert "wave wave_" in output and "DAL" in output
    assert "no order is due at DAL" in cli_support.shipshape(
        url, "waves", "release", "--site", "DAL", "--limit", "5").output
    code, said = cli_support.failing(monkeypatch, capsys, url, "waves", "release",
                                     "--site", "NOPE")
    assert code == 2 and "site NOPE is not in master data" in said
    with cli_support.opened(url) as container:
        assert status_of(container, order_id) == "released"


def test_the_worker_releases_waves_on_its_cadence(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", env="test",
                        wave_cadence_s=0.2)
    container = build(settings, migrate=True)
    try:
        seed_distributor(container)
        with TestClient(create_app(container)) as client:
            token = container.tokens.create("t", "integration", container.deps.clock.now())
            order_id = post_order(client, token, order()).json()["order_id"]
        stop = threading.Event()
        worker = Worker(container)
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while status_of(container, order_id) != "released" and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        thread.join(10)
        assert status_of(container, order_id) == "released"
        assert worker.tally.waves == 1
    finally:
        container.close()
