"""The problem details (RFC 9457) that every error answer carries, as the contract names them.

`errors.py` writes these bodies; the models here are what `/openapi.json` says about them, and
`errors(...)` documents a route's own error statuses (404, 409, ...) in its `responses=`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM = "application/problem+json"


class FieldError(BaseModel):
    """One field that failed validation."""

    field: str = Field(description="Dotted path of the field, e.g. `lines.0.quantity`")
    location: str = Field(description="Where the field is: body, query, path, header")
    message: str
    type: str = Field(description="A stable name of the rule that failed, e.g. `int_type`")


class Problem(BaseModel):
    """An error answer. Some carry more members than these (an EDI file stopped part-way
    names what was taken), hence additional properties are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`about:blank`: the status says what went wrong")
    title: str
    status: int
    detail: str
    code: str | None = Field(None, description="The project's code for the error, if any")
    error_id: str | None = Field(
        None, description="500 only: the id under which the error's one log line is found")


class ValidationProblem(Problem):
    """422: the request does not fit the contract (`errors` names each field and why), or the
    domain refuses it as invalid (`code` may say why)."""

    errors: list[FieldError] = Field(
        [], description="Each field that failed validation; none when the request as a whole "
                        "was refused (an unknown reference, a rule of the domain)")


DESCRIPTIONS = {
    400: "The body cannot be read (not JSON, not UTF-8)",
    401: "No valid bearer token (or webhook signature)",
    403: "The token's role may not do this",
    404: "Not found",
    405: "Method not allowed; `Allow` names the methods the path takes",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "The request does not fit the contract; `errors` names each field",
    500: "Internal error; `error_id` names its log line",
    503: "The store is unavailable or busy; retry after `Retry-After` seconds",
}
HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    405: {"Allow": {"description": "The methods the path takes", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}},
}


def problem_ref(status: int) -> dict[str, str]:
    name = ValidationProblem.__name__ if status == 422 else Problem.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's error statuses: each a problem+json body, described."""
    return {status: error_response(status) for status in statuses}


def error_response(status: int) -> dict[str, Any]:
    """The OpenAPI response object of one error status."""
    response: dict[str, Any] = {"description": DESCRIPTIONS.get(status, "Error"),
                                "content": {PROBLEM: {"schema": problem_ref(status)}}}
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response
