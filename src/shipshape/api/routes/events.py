"""Events from the ERP, WMS, TMS and finance systems, signed per Standard Webhooks."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shipshape.adapters.systems.signing import verify
from shipshape.api.deps import container
from shipshape.api.outcomes import http_status
from shipshape.api.problems import errors
from shipshape.bootstrap import Container
from shipshape.domain.bounds import date_supported, text_problem, unsupported_date
from shipshape.domain.errors import NotFound, Unauthorized
from shipshape.domain.integration import EXTERNAL_SYSTEMS
from shipshape.services.delivery.inbound import InvalidSystemEvent, parse_event, receive_event

router = APIRouter()
App = Annotated[Container, Depends(container)]
SYSTEMS = frozenset(system.value for system in EXTERNAL_SYSTEMS)
MAX_WEBHOOK_ID = 100
"""With its `webhook:<system>:` prefix, within the 200 characters an idempotency key may have."""
MAX_EVENT_TEXT = 2000
WEBHOOK_HEADERS = [
    {"name": name, "in": "header", "required": True, "schema": {"type": "string"},
     "description": description}
    for name, description in (
        ("webhook-id", "The event's id; a resend carries the same one"),
        ("webhook-timestamp", "Seconds since the epoch when it was signed"),
        ("webhook-signature", "`v1,<base64 HMAC-SHA256>` of id, timestamp and body"))]
EVENT_BODY = {"parameters": WEBHOOK_HEADERS, "requestBody": {
    "required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["type", "occurred_at", "data"],
        "properties": {"type": {"type": "string"}, "occurred_at": {"type": "string"},
                       "data": {"type": "object"}}}}}}}


class SystemEventOut(BaseModel):
    """What became of the event; a resend (same `webhook-id`) answers this again."""

    outcome: Literal["applied", "stale", "refused"]
    detail: str | None = None
    code: str | None = Field(None, description="Why it was refused: `OWNERSHIP_VIOLATION`")
    case_id: str | None = Field(None, description="The exception case a refusal opened")


ANSWERS: dict[int | str, dict[str, Any]] = {
    **errors(401, 404),
    200: {"model": SystemEventOut, "description": "Applied, or stale (older than what is known)"},
    409: {"model": SystemEventOut, "description": "Refused: another system owns that state (a case "
          "is opened); or, as a problem, the `webhook-id` was used for another body"},
}


@router.post("/events/{system}", openapi_extra=EVENT_BODY, response_model=SystemEventOut,
             responses=ANSWERS)
async def post_event(system: str, request: Request, c: App) -> JSONResponse:
    """One event of `system` (erp, wms, tms, finance). Authenticated by its Standard Webhooks
    signature (no bearer token); `webhook-id` makes a resend answer the first answer again."""
    if system not in SYSTEMS:
        raise NotFound(f"no system {system!r}; events come from {', '.join(sorted(SYSTEMS))}")
    secrets = c.connectors.secrets(system)
    if not secrets:
        raise Unauthorized(f"no secret is configured for {system}, so its events are refused "
                           f"(set connectors.{system}.secret)")
    raw = await request.body()
    webhook_id = verify(secrets, dict(request.headers), raw, c.deps.clock.now())
    if problem := text_problem(webhook_id, MAX_WEBHOOK_ID):
        raise InvalidSystemEvent(f"webhook-id: {problem}")
    event = parse_event(system, webhook_id, _json_object(raw))
    if not date_supported(event.occurred_at.date()):
        raise InvalidSystemEvent(f"occurred_at: {unsupported_date(event.occurred_at.date())}")
    skew = timedelta(seconds=c.settings.event_max_clock_skew_s)
    received = await run_in_threadpool(receive_event, c.deps, c.ownership, event, raw,
                                       skew)
    return JSONResponse(received.answer.body, status_code=http_status(received.answer.outcome))


def _json_object(raw: bytes) -> dict[str, object]:
    """The body as a JSON object of finite numbers and text the store can keep."""
    try:
        body = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError) as error:
        raise InvalidSystemEvent(f"the body is not JSON: {str(error)[:200]}") from error
    if not isinstance(body, dict):
        raise InvalidSystemEvent("the body must be a JSON object")
    if problem := _unfit_text(body, ""):
        raise InvalidSystemEvent(problem)
    return body


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:40]} is too large a number")
    return number


def _unfit_text(value: object, path: str) -> str | None:
    """The first key or string under `value` that the store could not keep, as "path: why"."""
    if isinstance(value, str):
        problem = text_problem(value, MAX_EVENT_TEXT, layout=True)
        return f"{path or 'body'}: {problem}" if problem else None
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if found := _unfit_text(str(key), where) or _unfit_text(item, where):
            return found
    return None
