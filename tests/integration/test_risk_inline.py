"""The order-risk score bound to policy: scored at capture (the rules read `risk`, the audit
trail shows score, model version and reasons with the decision), scored again before release
(the release-time table pulls a high-risk order for a supervisor's review), and a model that is
missing or corrupt leaves every order taken, with a RISK_MODEL_UNAVAILABLE finding and a
degraded `/health`. The model is a tiny LightGBM booster written in the trained format, whose
score rises with the order's quantity."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.audit_store import audit_of
from shipshape.adapters.db.risk_queries import HISTORY_COLUMNS, order_history
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.cli.ml_store import load_store_history
from shipshape.config import Settings
from shipshape.services.release import release_wave
from tests.builders import order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
HIGH, LOW = 65, 2
"""Quantities the tiny model scores near 1 and near 0."""


def write_tiny_model(folder: Path) -> Path:
    """A model folder as `shipshape ml train-risk` writes it: risk is high above 60 units."""
    import lightgbm as lgb
    import numpy as np

    from shipshape.ml.order_features import ORDER_FEATURES
    from shipshape.ml.risk_files import ModelRecord, write_model
    from shipshape.ml.risk_model import Encoder, FeatureSpec
    from shipshape.ml.store_history import store_mapping

    features = [FeatureSpec(name, kind, ("web", "edi") if kind == "categorical" else ())
                for name, kind in ORDER_FEATURES.items()]
    quantities = np.random.default_rng(3).integers(1, 101, 400)
    rows = [{"total_quantity": float(q), "channel": "web"} for q in quantities]
    labels = (quantities > 60).astype(int)
    booster = lgb.train({"objective": "binary", "num_threads": 1, "verbose": -1,
                         "min_data_in_leaf": 5, "learning_rate": 0.3},
                        lgb.Dataset(Encoder(features).rows(rows), labels), 30)
    write_model(folder, ModelRecord(booster, features, [0.0, 1.0], [0.0, 1.0], {},
                                    store_mapping().model_dump(exclude_none=True), {}, "test",
                                    len(rows), int(labels.sum())))
    return folder


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("risk") / "model")


def opened(database_url: str, risk_model: Path | None) -> tuple[Container, TestClient, str]:
    container = build(Settings(database_url=database_url, env="test",
                               ml={"risk_model": risk_model}), migrate=True)
    seed_distributor(container, {("DAL", "SKU1"): 1000})
    token = container.tokens.create("t", "integration", container.deps.clock.now())
    return container, TestClient(create_app(container)), token


@pytest.fixture
def scored(database_url: str, model_folder: Path) -> Iterator[tuple[Container, TestClient, str]]:
    container, client, token = opened(database_url, model_folder)
    with client:
        yield container, client, token
    container.close()


def place(client: TestClient, token: str, n: int, quantity: int) -> dict[str, Any]:
    body = order(external_id=f"R-{n}", customer_po=f"PO-R{n}", lines=[
        {"line_no": 1, "sku": "SKU1", "quantity": quantity, "unit_price": "10.00", "uom": "EA"}])
    answer: dict[str, Any] = post_order(client, token, body).json()
    assert answer["status"] == "accepted", answer
    return answer


def events_of(container: Container, order_id: str, kind: str) -> list[dict[str, Any]]:
    e = t.order_events.c
    with container.engine.connect() as conn:
        return [dict(row.payload) for row in conn.execute(
            select(e.payload).where(e.order_id == order_id, e.type == kind).order_by(e.id))]


def codes(answer: dict[str, Any]) -> list[str]:
    return [f["code"] for f in answer["findings"]]


def test_capture_scores_the_order_the_rule_reads_it_and_the_audit_shows_it(
        scored: tuple[Container, TestClient, str]) -> None:
    container, client, token = scored
    risky, calm = place(client, token, 1, HIGH), place(client, token, 2, LOW)
    assert codes(risky) == ["HIGH_RISK_ORDER"] and codes(calm) == []
    details = risky["findings"][0]["details"]
    assert details["risk_score"] >= 0.8 and details["model_version"]
    assert details["reasons"][0]["feature"] == "total_quantity"
    [event] = events_of(container, risky["order_id"], "OrderRiskScored")
    assert (event["risk_stage"], event["risk_status"], event["risk_decided"]) == (
        "capture", "scored", ["HIGH_RISK_ORDER"])
    entries = audit_of(container.engine, risky["order_id"], "order", 100, 0).rows
    [entry] = [e for e in entries if e["action"] == "OrderRiskScored"]
    assert entry["after"]["risk_score"] == pytest.approx(details["risk_score"])
    assert entry["after"]["risk_model"] == details["model_version"]
    assert entry["after"]["risk_reasons"][0]["feature"] == "total_quantity"
    assert entry["rule_version"] == risky["rule_version"]
    assert "risk at capture" in entry["cause"]
    [calm_event] = events_of(container, calm["order_id"], "OrderRiskScored")
    assert calm_event["risk_score"] < 0.5 and calm_event["risk_decided"] == []
    health = client.get("/api/v1/health").json()["risk_model"]
    assert (health["ok"], health["status"], health["scored"]) == (True, "ready", 2)


def test_before_release_a_high_risk_order_is_pulled_for_review_and_history_labels_it(
        scored: tuple[Container, TestClient, str]) -> None:
    container, client, token = scored
    risky, calm = place(client, token, 1, HIGH), place(client, token, 2, LOW)
    wave = release_wave(container.deps, "DAL")
    assert wave.released == (calm["order_id"],)
    [pulled] = wave.pulled
    assert (pulled.order_id, pulled.codes) == (risky["order_id"], ("RISK_REVIEW",))
    with container.engine.connect() as conn:
        case = conn.execute(select(t.exception_cases).where(
            t.exception_cases.c.id == pulled.case_ids[0])).one()
    assert (case.stage, case.blocking, case.owner_team) == ("release", True, "customer_service")
    assert case.queue == "customer_service-supervisor"
    assert case.details["risk_score"] >= 0.8 and case.details["reasons"]
    release_scores = [e for e in events_of(container, risky["order_id"], "OrderRiskScored")
                      if e["risk_stage"] == "release"]
    assert [(e["wave_id"], e["risk_decided"]) for e in release_scores] == [
        (wave.wave_id, ["RISK_REVIEW"])]
    history = order_history(container.engine)
    assert history.columns == list(HISTORY_COLUMNS)
    labels = dict(zip(history["order_id"], history["label"], strict=True))
    assert labels == {risky["order_id"]: 1, calm["order_id"]: 0}
    second = history.filter(history["order_id"] == calm["order_id"]).row(0, named=True)
    assert (second["customer_orders"], second["total_quantity"]) == (1.0, float(LOW))
    frame, mapping = load_store_history(container.settings)
    assert frame.equals(history) and mapping.label.column == "label"


def test_a_supervisor_releases_the_reviewed_order_and_the_next_wave_takes_it(
        scored: tuple[Container, TestClient, str]) -> None:
    container, client, token = scored
    risky = place(client, token, 1, HIGH)
    [pulled] = release_wave(container.deps, "DAL").pulled
    roles = {role: container.tokens.create(role, role, container.deps.clock.now())
             for role in ("agent", "supervisor")}
    url = f"/api/v1/exceptions/{pulled.case_ids[0]}/actions"
    body = {"action": "release_hold", "reason_code": "REVIEWED"}
    refused = client.post(url, json=body, headers={"Authorization": f"Bearer {roles['agent']}"})
    assert refused.status_code == 403
    taken = client.post(url, json=body,
                        headers={"Authorization": f"Bearer {roles['supervisor']}"})
    assert taken.status_code == 200, taken.text
    again = release_wave(container.deps, "DAL")
    assert (again.released, again.pulled) == ((risky["order_id"],), ())
    scores = [e["risk_decided"] for e in events_of(container, risky["order_id"], "OrderRiskScored")
              if e["risk_stage"] == "release"]
    assert scores == [["RISK_REVIEW"], []]


@pytest.mark.parametrize("broken", ["removed", "corrupted"])
def test_a_missing_or_corrupt_model_takes_orders_says_so_and_degrades_health(
        database_url: str, model_folder: Path, tmp_path: Path, broken: str) -> None:
    folder = tmp_path / "model"
    if broken == "corrupted":
        shutil.copytree(model_folder, folder)
        with (folder / "model.txt").open("a", encoding="utf-8") as text:
            text.write("\n")
    container, client, token = opened(database_url, folder)
    with client:
        answer = place(client, token, 1, HIGH)
        health = client.get("/api/v1/health")
    [event] = events_of(container, answer["order_id"], "OrderRiskScored")
    container.close()
    [finding] = answer["findings"]
    assert (finding["code"], finding["severity"]) == ("RISK_MODEL_UNAVAILABLE", "warn")
    status = "missing" if broken == "removed" else "failing"
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert (health.json()["risk_model"]["ok"], health.json()["risk_model"]["status"]) == (
        False, status)
    assert (event["risk_status"], event["risk_score"]) == (status, None)


def test_without_a_model_nothing_is_scored_and_health_says_not_configured(
        database_url: str) -> None:
    container, client, token = opened(database_url, None)
    with client:
        answer = place(client, token, 1, HIGH)
        health = client.get("/api/v1/health").json()["risk_model"]
        wave = release_wave(container.deps, "DAL")
    scored = events_of(container, answer["order_id"], "OrderRiskScored")
    container.close()
    assert codes(answer) == [] and wave.released == (answer["order_id"],)
    assert scored == []
    assert (health["ok"], health["detail"]) == (True, "not configured")
