"""`POST /api/v1/cases/from-text`: a message classified by the text model opens a case in its
label's team, is attached to the order's open case of that code when there is one, or goes to
the triage queue when the model is unsure; the classification and the model's version are on
the case and in the audit trail. No model: 503. Hostile input: 422, nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.api.problems import PROBLEM
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.ml_settings import MlSettings
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS
from tests.text_corpus import trained_folder

URL = "/api/v1/cases/from-text"
DAMAGED = "Hello, order 4711 arrived with 3 cartons crushed. Please advise."
UNSURE = "Lorem ipsum dolor sit amet"


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_folder(tmp_path_factory.mktemp("api-text") / "model")


class Api:
    def __init__(self, container: Container, client: TestClient, token: str) -> None:
        self.container, self.client, self.token = container, client, token

    def post(self, body: Any, token: str | None = None) -> Any:
        """`body` as JSON with non-ASCII escaped: a lone surrogate arrives as `\\ud800`."""
        return self.client.post(URL, content=json.dumps(body).encode(), headers={
            **auth(token or self.token), "content-type": "application/json"})

    def post_once(self, body: Any, key: str) -> Any:
        return self.client.post(URL, json=body, headers={**auth(self.token),
                                                         "Idempotency-Key": key})

    def count(self, table: Any) -> int:
        with self.container.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def case(self, case_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/v1/exceptions/{case_id}", headers=auth(self.token))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def order(self) -> str:
        admin = self.container.tokens.create("admin", "admin", datetime.now(UTC))
        answer = post_order(self.client, admin, order())
        assert answer.status_code == 201, answer.text
        return str(answer.json()["order_id"])


def _api(database_url: str, model: Path | None) -> Iterator[Api]:
    container = build(Settings(database_url=database_url, env="test",
                               ml=MlSettings(text_model=model)), migrate=True)
    seed_distributor(container)
    token = container.tokens.create("dana", "agent", datetime.now(UTC))
    with TestClient(create_app(container)) as client:
        yield Api(container, client, token)
    container.close()


@pytest.fixture
def api(database_url: str, model_folder: Path) -> Iterator[Api]:
    yield from _api(database_url, model_folder)


@pytest.fixture
def no_model(database_url: str) -> Iterator[Api]:
    yield from _api(database_url, None)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_confident_message_opens_a_case_then_the_next_is_attached(api: Api) -> None:
    order_id = api.order()
    first = api.post({"text": DAMAGED, "source": "email", "order_id": order_id,
                      "reference": "msg-1"})
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["opened"], body["attached"], body["triage"], body["label"], body["code"],
            body["team"]) == (True, False, False, "damaged", "DAMAGED_ON_DELIVERY", "transport")
    assert body["confidence"] >= body["threshold"] and body["model_version"].startswith("text-")
    case = api.case(body["case_id"])
    assert (case["code"], case["owner_team"], case["order_id"], case["customer_id"]) == (
        "DAMAGED_ON_DELIVERY", "transport", order_id, "C1")
    assert case["details"]["message"] == {"source": "email", "reference": "msg-1",
                                          "text": DAMAGED}
    assert case["details"]["classification"]["model_version"] == body["model_version"]
    again = api.post({"text": "the goods in order 4711 were damaged in transit",
                      "source": "agent_note", "order_id": order_id})
    assert again.status_code == 200, again.text
    assert (again.json()["case_id"], again.json()["attached"], again.json()["occurrences"]) == (
        body["case_id"], True, 2)
    history = [entry["type"] for entry in api.case(body["case_id"])["history"]]
    assert history.count("MessageClassified") == 2 and "ExceptionRecurred" in history


def test_the_classification_and_model_version_are_in_the_audit_trail(api: Api) -> None:
    body = api.post({"text": DAMAGED, "source": "email"}).json()
    answer = api.client.get("/api/v1/audit", params={"subject": body["case_id"]},
                            headers=auth(api.token))
    entries = {e["action"]: e for e in answer.json()["entries"]}
    classified = entries["MessageClassified"]
    assert classified["rule_version"] == body["model_version"]
    assert classified["actor"] == "dana" and "damaged" in classified["cause"]
    assert entries["ExceptionOpened"]["subject_id"] == body["case_id"]


def test_an_unsure_message_goes_to_triage_with_the_best_guesses(api: Api) -> None:
    answer = api.post({"text": UNSURE, "source": "carrier"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["triage"], body["code"], body["team"]) == (True, "TEXT_TRIAGE",
                                                            "customer_service")
    assert body["confidence"] < body["threshold"] and len(body["top"]) == 3
    case = api.case(body["case_id"])
    assert case["code"] == "TEXT_TRIAGE" and case["order_id"] is None
    guesses = case["details"]["classification"]["top"]
    assert [g["label"] for g in guesses] == [g["label"] for g in body["top"]]


def test_without_a_text_model_the_answer_is_503_and_nothing_is_written(no_model: Api) -> None:
    answer = no_model.post({"text": DAMAGED, "source": "email"})
    assert answer.status_code == 503 and answer.headers["content-type"] == PROBLEM
    assert "no text model is configured" in answer.json()["detail"]
    assert no_model.count(t.exception_cases) == 0


def test_a_tampered_model_answers_503(database_url: str, model_folder: Path,
                                      tmp_path: Path) -> None:
    import shutil

    copy = Path(shutil.copytree(model_folder, tmp_path / "m"))
    (copy / "model.skops").write_bytes(b"PK not a model")
    for api in _api(database_url, copy):
        answer = api.post({"text": DAMAGED, "source": "email"})
        assert answer.status_code == 503 and "cannot be used" in answer.json()["detail"]


@pytest.mark.parametrize(("body", "field"), [
    ({"text": "a\x00b", "source": "email"}, "text"),
    ({"text": "x" * 10_001, "source": "email"}, "text"),
    ({"text": "", "source": "email"}, "text"),
    ({"text": "  \n\t ", "source": "email"}, "text"),
    ({"text": "\x1b[31m red", "source": "email"}, "text"),
    ({"text": "lone \ud800 surrogate", "source": "email"}, "text"),
    ({"text": "\x85 next line", "source": "email"}, "text"),
    ({"text": DAMAGED, "source": "fax"}, "source"),
    ({"text": DAMAGED}, "source"),
    ({"text": DAMAGED, "source": "email", "order_id": "o\x00"}, "order_id"),
    ({"text": DAMAGED, "source": "email", "order_id": "o" * 41}, "order_id"),
    ({"text": DAMAGED, "source": "email", "reference": "r" * 201}, "reference"),
    ({"text": DAMAGED, "source": "email", "label": "damaged"}, "label"),
    ({"text": ["a"], "source": "email"}, "text"),
])
def test_hostile_input_is_refused_naming_the_field_and_nothing_is_written(
    api: Api, body: dict[str, Any], field: str,
) -> None:
    answer = api.post(body)
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM, answer.text
    problem = answer.json()
    assert field in {e["field"] for e in problem.get("errors", [])} or problem["detail"].startswith(
        f"{field}:"), problem
    assert api.count(t.exception_cases) == 0 and api.count(t.audit_log) == 0


def test_a_body_far_over_the_size_limit_is_refused(api: Api) -> None:
    answer = api.post({"text": "x" * 3_000_000, "source": "email"})
    assert answer.status_code == 413 and api.count(t.exception_cases) == 0


def test_an_order_or_customer_that_does_not_exist_or_is_not_the_callers_is_404(
    api: Api,
) -> None:
    assert api.post({"text": DAMAGED, "source": "email", "order_id": "ord_x"}
                    ).status_code == 404
    assert api.post({"text": DAMAGED, "source": "email", "customer_id": "C9"}
                    ).status_code == 404
    order_id = api.order()
    mismatch = api.post({"text": DAMAGED, "source": "email", "order_id": order_id,
                         "customer_id": "C2"})
    assert mismatch.status_code == 422 and "customer_id" in mismatch.json()["detail"]
    scoped = api.container.tokens.create("c2", "agent", datetime.now(UTC), customer_id="C2")
    assert api.post({"text": DAMAGED, "source": "email", "order_id": order_id},
                    token=scoped).status_code == 404
    assert api.count(t.exception_cases) == 0


def test_a_viewer_may_not_open_cases_a_mail_gateway_may(api: Api) -> None:
    viewer = api.container.tokens.create("v", "viewer", datetime.now(UTC))
    assert api.post({"text": DAMAGED, "source": "email"}, token=viewer).status_code == 403
    gateway = api.container.tokens.create("mail", "integration", datetime.now(UTC))
    assert api.post({"text": DAMAGED, "source": "email"}, token=gateway).status_code == 201
    assert api.client.post(URL, json={"text": DAMAGED, "source": "email"}).status_code == 401


def test_a_message_sent_again_under_its_idempotency_key_counts_once(api: Api) -> None:
    body = {"text": DAMAGED, "source": "email", "reference": "msg-1"}
    first = api.post_once(body, "mail-msg-1")
    assert first.status_code == 201, first.text
    again = api.post_once(body, "mail-msg-1")
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert again.json() == first.json()
    assert api.count(t.exception_cases) == 1
    assert api.case(first.json()["case_id"])["occurrences"] == 1
    other = api.post_once({**body, "text": "another message"}, "mail-msg-1")
    assert other.status_code == 409
    assert api.count(t.exception_cases) == 1
