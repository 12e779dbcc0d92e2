"""One JSON line per request (method, path, status, latency, the caller's token name, never the
token) under a request id: the caller's `X-Request-Id` when it is a sane one, else a new one. The
id goes back in the answer's `X-Request-Id` and into every event and log line the request writes.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shipshape.adapters.logs import ACCESS
from shipshape.services.correlation import serving

HEADER = b"x-request-id"
SANE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
log = logging.getLogger(ACCESS)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        status = 500
        started = time.perf_counter()

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (HEADER, request_id.encode())]
            await send(message)

        with serving(request_id):
            try:
                await self.app(scope, receive, answer)
            finally:
                _log(scope, status, time.perf_counter() - started, request_id)


def _request_id(scope: Scope) -> str:
    given = dict(scope.get("headers", [])).get(HEADER, b"")
    return given.decode() if SANE_ID.match(given) else uuid.uuid4().hex


def _log(scope: Scope, status: int, seconds: float, request_id: str) -> None:
    client = scope.get("client")
    log.info("request", extra={
        "request_id": request_id, "method": scope.get("method"), "path": scope.get("path"),
        "status": status, "latency_ms": round(seconds * 1000, 3),
        "principal": scope.get("state", {}).get("principal"),
        "client": client[0] if client else None})
