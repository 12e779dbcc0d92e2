"""`/openapi.json`: FastAPI's document, completed with the error answers every route can give.

FastAPI documents a route's success and a 422 of its own shape; the answers that come from
elsewhere (the bearer check, the body limit, the store, the last resort, the URL guard) it does
not know. Here they are added to every operation they apply to, each as problem+json
(`problems.py`), so no route has to repeat them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic.json_schema import models_json_schema

from shipshape.api.deps import Allowed
from shipshape.api.limits import NO_CONTROL_CHARACTERS
from shipshape.api.problems import Problem, ValidationProblem, error_response
from shipshape.domain.access import ROLE_PERMISSIONS, Permission

TAGS: dict[str, str] = {
    "orders": "Order intake and the order reads",
    "order changes": "Cancelling and amending orders (customer service)",
    "master data": "Sites, customers, items, prices and carriers, and their change history",
    "inventory": "Stock receipts, adjustments and positions",
    "exceptions": "Exception cases",
    "edi": "X12 and EDIFACT files in, acknowledgements and orders out",
    "system events": "Events of the ERP, WMS, TMS and finance systems (Standard Webhooks)",
    "waves": "Releasing waves and reading them back",
    "invoices": "Invoices and credit notes",
    "returns": "Returns (RMA): authorised per line, received by the WMS, credited",
    "reconciliation": "Shipped vs invoiced vs the ERP, on demand",
    "audit": "The hash-chained audit trail of decisions, by subject",
    "customer communication": "Customers' contacts for notices, and the notices each order's "
                              "customer was sent",
    "kpis": "Perfect order, exception rate, cost of exceptions, time to resolve, integration "
            "failures: in all and by dimension",
    "operations": "Health and metrics, for those who run Shipshape (no token)",
}
STOCK_PATHS = ("/api/v1/inventory", "/api/v1/items/{sku}/stock")
"""The stock routes, which live with the master data, under their own tag."""
EVERYWHERE = (422, 500, 503)
"""The URL guard answers 422 on any path; any operation may meet the last resort or a store
that is down."""
WITH_TOKEN = (401, 403)
WITH_BODY = (400, 413)
"""A body that cannot be read as JSON (FastAPI's own 400), one over the size limit."""
WITH_PATH_ID = (404,)
"""What the path names may not exist."""
WITH_IDEMPOTENCY_KEY = (409,)
"""The key was used before for another request."""


def install(app: FastAPI) -> None:
    """Serve the completed document (built once, on first use) as the app's `/openapi.json`."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def contract(app: FastAPI) -> dict[str, Any]:
    tags = [{"name": name, "description": text} for name, text in TAGS.items()]
    document = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes, tags=tags)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for fastapi_own in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_own, None)
    schemas.update(problem_schemas())
    roles = roles_by_operation(app)
    every_customer = every_customer_operations(app)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (path, method) in roles:
                operation["x-roles"] = roles[(path, method)]
            if (path, method) in every_customer:
                operation["x-every-customer"] = True  # a customer's token is refused (403)
            _retag(path, operation)
            _guard_url_text(operation)
            _complete_errors(operation)
    return document


def roles_by_operation(app: FastAPI) -> dict[tuple[str, str], list[str]]:
    """(path, method) -> the roles that may call it, for each route behind a permission."""
    found: dict[tuple[str, str], list[str]] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        permission = _permission(route.dependant) if isinstance(route, APIRoute) else None
        if permission is not None and context.path_format:
            roles = [role.value for role, held in ROLE_PERMISSIONS.items() if permission in held]
            found.update({(context.path_format, method.lower()): roles
                          for method in context.methods or ()})
    return found


def every_customer_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of the routes about every customer, which refuse a customer's token."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        check = _allowed(route.dependant) if isinstance(route, APIRoute) else None
        if check is not None and check.every_customer and context.path_format:
            found.update((context.path_format, method.lower())
                         for method in context.methods or ())
    return found


def _allowed(dependant: Dependant) -> Allowed | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Allowed):
            return dependency.call
        inner = _allowed(dependency)
        if inner is not None:
            return inner
    return None


def _permission(dependant: Dependant) -> Permission | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Allowed):
            return dependency.call.permission
        inner = _permission(dependency)
        if inner is not None:
            return inner
    return None


def problem_schemas() -> dict[str, Any]:
    _, top = models_json_schema([(Problem, "serialization"), (ValidationProblem, "serialization")],
                                ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = top["$defs"]
    return definitions


def _retag(path: str, operation: dict[str, Any]) -> None:
    if path.startswith(STOCK_PATHS):
        operation["tags"] = ["inventory"]


def _guard_url_text(operation: dict[str, Any]) -> None:
    """Text in the path or the query may not hold control characters (the URL guard answers
    422): say so on each such parameter that has no pattern of its own."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] not in ("path", "query"):
            continue
        for schema in parameter["schema"].get("anyOf", [parameter["schema"]]):
            if schema.get("type") == "string" and "pattern" not in schema:
                schema["pattern"] = NO_CONTROL_CHARACTERS


def _complete_errors(operation: dict[str, Any]) -> None:
    """Every error status of the operation with a problem+json body: its own ones (keeping the
    route's description and any other body it declares) and those from outside the route."""
    responses: dict[str, Any] = operation["responses"]
    statuses = {int(status) for status in responses if status[0] in "45"} | set(EVERYWHERE)
    if operation.get("security"):
        statuses.update(WITH_TOKEN)
    if "requestBody" in operation:
        statuses.update(WITH_BODY)
    parameters = operation.get("parameters", [])
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.update(WITH_PATH_ID)
    if any(parameter["name"].lower() == "idempotency-key" for parameter in parameters):
        statuses.update(WITH_IDEMPOTENCY_KEY)
    for status in sorted(statuses):
        responses[str(status)] = _with_problem(status, responses.get(str(status), {}))


def _with_problem(status: int, declared: dict[str, Any]) -> dict[str, Any]:
    response = error_response(status)
    if _is_fastapi_422(declared):
        return response
    response["description"] = declared.get("description") or response["description"]
    response["content"] = {**declared.get("content", {}), **response["content"]}
    return response


def _is_fastapi_422(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))
