"""The one place where errors become HTTP answers (RFC 9457 problem details).

Every error body is `application/problem+json`: the project's errors by their type, routing's
404 and 405, validation's 422, the body limit's 413, a store that cannot take writes (503) and,
last, anything unforeseen (500, with an id to find its one log line by; nothing internal in it).
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shipshape.adapters.db.errors import StoreUnavailable, first_line, translate_error
from shipshape.adapters.systems.signing import SignatureError
from shipshape.api.limits import UrlGuard
from shipshape.api.problems import PROBLEM
from shipshape.domain import errors as e

log = logging.getLogger(__name__)

STATUS_OF: dict[type[e.ShipshapeError], int] = {
    e.NotFound: 404,
    e.Conflict: 409,
    e.IllegalTransition: 409,
    e.InvalidInput: 422,
    e.ConcurrencyConflict: 503,
    e.Unauthorized: 401,
    SignatureError: 401,
    e.Forbidden: 403,
}

TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Request body too large",
          422: "Invalid request", 500: "Internal error", 503: "Busy, try again"}
STORE_RETRY_AFTER_S = 30
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def problem(status: int, detail: str, *, retry_after_s: int = 1,
            headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, **extra}
    sent = dict(headers or {})
    if status == 401:
        sent["WWW-Authenticate"] = "Bearer"
    if status == 503:
        sent["Retry-After"] = str(retry_after_s)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=sent)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(e.ShipshapeError, _ours)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(StatementError, _store)
    app.add_middleware(LastResort)
    app.add_middleware(UrlGuard)


async def _invalid(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):
        raise error
    errors = [{"field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
               "location": str(err["loc"][0]), "message": err["msg"], "type": err["type"]}
              for err in error.errors()]
    return problem(422, f"{len(errors)} field(s) failed validation", errors=errors)


async def _ours(request: Request, error: Exception) -> JSONResponse:
    return _answer(request, error)


def _answer(request: Request | None, error: Exception) -> JSONResponse:
    """The problem for one of the project's errors; a store that cannot take writes is logged."""
    status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)
    code = getattr(error, "code", None)
    extra: dict[str, Any] = {"code": str(code)} if code is not None else {}
    if isinstance(error, StoreUnavailable):
        where = f"{request.method} {request.url.path}" if request is not None else "a request"
        log.warning("%s: store unavailable: %s", where, error)
        return problem(503, str(error), retry_after_s=STORE_RETRY_AFTER_S,
                       title="Store unavailable", **extra)
    return problem(status, str(error), **extra)


async def _http(request: Request, error: Exception) -> JSONResponse:
    """Routing's 404 and 405 (with its `Allow`), and any other HTTPException with its headers."""
    if not isinstance(error, HTTPException):
        raise error
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request, headers.get("Allow", ""))
    return problem(error.status_code, str(error.detail), headers=headers)


def _allowed_methods(request: Request, named: str) -> str:
    """Every method the path takes. Routing names only those of the first route matching the
    path; the others of a path that several routers serve come from the OpenAPI document."""
    methods = {method.strip() for method in named.split(",") if method.strip()}
    for template, operations in request.app.openapi()["paths"].items():
        if _template_of(template).fullmatch(request.scope["path"]):
            methods.update(method.upper() for method in operations if method in HTTP_METHODS)
    return ", ".join(sorted(methods))


@functools.cache
def _template_of(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)))


async def _store(request: Request, error: Exception) -> JSONResponse:
    """A driver error that reached a route unnamed (a read outside a unit of work)."""
    mapped = translate_error(error)
    if mapped is None:
        return internal_error(request.method, request.url.path, error)
    return _answer(request, mapped)


def internal_error(method: str, path: str, error: BaseException) -> JSONResponse:
    """500, logged on one line under an id that the answer names; nothing internal in it."""
    error_id = uuid.uuid4().hex[:12]
    log.error("%s %s failed [error %s]: %s: %s", method, path, error_id,
              type(error).__name__, first_line(getattr(error, "orig", None) or error))
    return problem(500, f"an internal error occurred; it is logged as error {error_id}",
                   error_id=error_id)


class LastResort:
    """Answers what no handler took with a problem+json 500 and one log line, instead of the
    server's plain-text 500 and multi-line traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:  # the last resort: whatever no handler answered
            response = internal_error(scope.get("method", ""), scope.get("path", ""), error)
            if not started:
                await response(scope, receive, send)
