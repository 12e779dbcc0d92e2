"""The one place where errors become HTTP answers (RFC 9457 problem details)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shipshape.adapters.systems.signing import SignatureError
from shipshape.domain import errors as e

PROBLEM = "application/problem+json"

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
          409: "Conflict", 413: "Request body too large", 422: "Invalid request",
          503: "Busy, try again"}


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "1"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(e.ShipshapeError, _ours)
    app.add_exception_handler(HTTPException, _http)


async def _invalid(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):
        raise error
    errors = [{"field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
               "location": str(err["loc"][0]), "message": err["msg"], "type": err["type"]}
              for err in error.errors()]
    return problem(422, f"{len(errors)} field(s) failed validation", errors=errors)


async def _ours(_request: Request, error: Exception) -> JSONResponse:
    status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)
    code = getattr(error, "code", None)
    return problem(status, str(error), **({"code": str(code)} if code is not None else {}))


async def _http(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, HTTPException):
        raise error
    return problem(error.status_code, str(error.detail))
