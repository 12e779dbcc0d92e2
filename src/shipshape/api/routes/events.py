"""Events from the ERP, WMS, TMS and finance systems, signed per Standard Webhooks."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shipshape.adapters.systems.signing import verify
from shipshape.api.deps import container
from shipshape.bootstrap import Container
from shipshape.domain.errors import NotFound, Unauthorized
from shipshape.domain.integration import EXTERNAL_SYSTEMS
from shipshape.services.inbound import InvalidSystemEvent, parse_event, receive_event

router = APIRouter()
App = Annotated[Container, Depends(container)]
SYSTEMS = frozenset(system.value for system in EXTERNAL_SYSTEMS)
EVENT_BODY = {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "required": ["type", "occurred_at", "data"],
    "properties": {"type": {"type": "string"}, "occurred_at": {"type": "string"},
                   "data": {"type": "object"}}}}}}}


@router.post("/events/{system}", openapi_extra=EVENT_BODY)
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
    event = parse_event(system, webhook_id, _json_object(raw))
    received = await run_in_threadpool(receive_event, c.deps, c.ownership, event, raw)
    return JSONResponse(received.answer.body, status_code=received.answer.status_code)


def _json_object(raw: bytes) -> dict[str, object]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidSystemEvent(f"the body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise InvalidSystemEvent("the body must be a JSON object")
    return body
