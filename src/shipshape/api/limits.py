"""Limits of a request: its body's size, its URL's characters, the paging of lists."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import Query
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """`max_bytes` everywhere, except under the path prefixes named in `larger`."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        body = await self._read(receive, limit)
        if body is None:
            await self._refuse(send, limit)
            return
        await self.app(scope, self._replay(body, receive), send)

    def _limit(self, path: str) -> int:
        return next((size for prefix, size in self.larger.items() if path.startswith(prefix)),
                    self.max_bytes)

    async def _read(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or None as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                return None
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _replay(body: bytes, receive: Receive) -> Receive:
        """The body read, then the server's own messages: a disconnect when the client goes."""
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return replay

    async def _refuse(self, send: Send, limit: int) -> None:
        await send_problem(send, 413, "Request body too large", f"the limit is {limit} bytes")


class UrlGuard:
    """Refuse a path or query string holding control characters (a NUL above all, which
    PostgreSQL cannot compare with) with 422, before any route reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            where = _control_character_in(scope)
            if where is not None:
                await send_problem(send, 422, "Invalid request",
                                   f"the {where} must not contain control characters",
                                   errors=[{"field": where, "location": where,
                                            "message": "control characters are not allowed",
                                            "type": "control_character"}])
                return
        await self.app(scope, receive, send)


def _control_character_in(scope: Scope) -> str | None:
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in scope.get("path", "")):
        return "path"
    query = unquote_to_bytes(scope.get("query_string", b""))
    if any(byte < 0x20 or byte == 0x7F for byte in query):
        return "query"
    return None


async def send_problem(send: Send, status: int, title: str, detail: str, **extra: Any) -> None:
    """A problem+json answer written straight to the ASGI `send`, for middleware."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail, **extra}
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


MAX_PAGE = 1000
MAX_OFFSET = 1_000_000_000
"""Beyond any list a store here holds; far below what SQLite and PostgreSQL can bind."""
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Filter = Annotated[str | None, Query(max_length=100)]
"""A text filter of a list (status, code, an id): as long as the longest id it can match."""
