"""`/openapi.json` is a complete contract: every operation tagged and described, a schema for
each success, every error as problem+json, the bearer token declared where it is needed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shipshape.api.app import create_app
from shipshape.api.openapi import TAGS
from shipshape.api.problems import PROBLEM
from shipshape.bootstrap import build
from shipshape.config import Settings

Operation = tuple[str, dict[str, Any]]


@pytest.fixture(scope="module")
def app() -> Iterator[FastAPI]:
    """Over an unmigrated in-memory store: the document and routing need none."""
    container = build(Settings(database_url="sqlite://", env="test"))
    try:
        yield create_app(container)
    finally:
        container.close()


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(document: dict[str, Any]) -> list[Operation]:
    return [(f"{method.upper()} {path}", operation)
            for path, item in document["paths"].items() for method, operation in item.items()]


def failing(document: dict[str, Any], problem: Any) -> list[str]:
    return [name for name, operation in operations(document) if problem(operation)]


def test_every_operation_has_a_declared_tag_a_summary_and_a_description(
        document: dict[str, Any]) -> None:
    declared = {tag["name"] for tag in document["tags"]}
    assert declared == set(TAGS)
    assert failing(document, lambda op: not op.get("tags") or set(op["tags"]) - declared) == []
    assert failing(document, lambda op: not op.get("summary")) == []
    assert failing(document, lambda op: not op.get("description", "").strip()) == []


def test_every_success_has_a_schema(document: dict[str, Any]) -> None:
    def without_schema(operation: dict[str, Any]) -> bool:
        return any(not content.get("schema")
                   for status, response in operation["responses"].items() if status[0] == "2"
                   for content in response.get("content", {"": {}}).values())
    assert failing(document, without_schema) == []


def test_every_error_answer_is_a_problem(document: dict[str, Any]) -> None:
    def error_without_problem(operation: dict[str, Any]) -> bool:
        return any(PROBLEM not in response.get("content", {})
                   for status, response in operation["responses"].items() if status[0] in "45")
    assert failing(document, error_without_problem) == []


def test_422_is_the_validation_problem_and_fastapis_own_shape_is_gone(
        document: dict[str, Any]) -> None:
    def other_422(operation: dict[str, Any]) -> bool:
        answer = operation["responses"].get("422", {}).get("content", {})
        return answer != {PROBLEM: {"schema": {"$ref": "#/components/schemas/ValidationProblem"}}}
    assert failing(document, other_422) == []
    text = json.dumps(document)
    assert "HTTPValidationError" not in text
    assert '"#/components/schemas/ValidationError"' not in text
    errors = document["components"]["schemas"]["ValidationProblem"]["properties"]["errors"]
    assert errors["items"] == {"$ref": "#/components/schemas/FieldError"}


def test_the_bearer_token_is_declared_and_its_refusals_documented(
        document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    secured = [name for name, operation in operations(document) if operation.get("security")]
    unsecured = {name for name, _ in operations(document)} - set(secured)
    # the AS2 endpoint proves its partner by the message's signature, the events endpoint by
    # the webhook signature
    assert unsecured == {"GET /api/v1/health", "GET /metrics", "POST /api/v1/events/{system}",
                         "POST /api/v1/as2"}
    assert failing(document, lambda op: op.get("security") and not {"401", "403"}
                   <= set(op["responses"])) == []


@pytest.mark.parametrize("status", ["422", "500", "503"])
def test_what_any_operation_may_answer_is_documented_on_every_one(
        document: dict[str, Any], status: str) -> None:
    assert failing(document, lambda op: status not in op["responses"]) == []


def test_a_body_may_be_too_large_and_a_named_resource_missing(document: dict[str, Any]) -> None:
    assert failing(document, lambda op: "requestBody" in op
                   and "413" not in op["responses"]) == []
    assert failing(document, lambda op: any(p["in"] == "path" for p in op.get("parameters", []))
                   and "404" not in op["responses"]) == []


def test_the_order_body_has_an_example_that_fits_it(document: dict[str, Any]) -> None:
    from shipshape.adapters.channels.canonical import OrderIn

    examples = document["components"]["schemas"]["OrderIn"]["examples"]
    assert examples
    for example in examples:
        OrderIn.model_validate(example)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/api/v1/orders", "GET, POST"),
    ("PUT", "/api/v1/orders/ord_1", "GET, PATCH"),
    ("POST", "/metrics", "GET"),
])
def test_a_method_not_allowed_names_every_method_the_path_takes(
        app: FastAPI, method: str, path: str, allowed: str) -> None:
    answer = TestClient(app).request(method, path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allowed
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["status"] == 405
