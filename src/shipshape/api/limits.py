"""Limits of a request: its body's size, its URL's characters, the paging, sorting and period
of lists."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import PlainValidator, WithJsonSchema
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shipshape.adapters.db.paging import sort_keys
from shipshape.domain import bounds

NO_CONTROL_CHARACTERS = "^[^\\x00-\\x1f\\x7f]*$"
"""What the URL guard lets through in a path or a query string, and an idempotency key."""
IdempotencyKey = Annotated[str | None, Header(min_length=1, max_length=200,
                                              pattern=NO_CONTROL_CHARACTERS)]
"""The caller's `Idempotency-Key` (a NUL or other control character is refused, 422)."""


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


async def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not take is refused (422 naming it), so that a typo
    (`?stauts=held`) is not read as "no filter" and answered with every record. Async, so
    that it costs a request no trip through the thread pool."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _query_names(route.dependant))
    if unknown:
        raise RequestValidationError([
            {"loc": ("query", name), "type": "extra_forbidden", "input": None,
             "msg": "this route takes no such query parameter"} for name in unknown])


def _query_names(dependant: Dependant) -> frozenset[str]:
    names = frozenset(param.alias for param in dependant.query_params)
    return names.union(*(_query_names(inner) for inner in dependant.dependencies))


MAX_PAGE = 1000
MAX_OFFSET = 1_000_000_000
"""Beyond any list a store here holds; far below what SQLite and PostgreSQL can bind."""
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Filter = Annotated[str | None, Query(min_length=1, max_length=100)]
"""A text filter of a list (status, code, an id): as long as the longest id it can match."""


def sort_query(sorts: Mapping[str, object]) -> Any:
    """The `sort` query parameter of a list: one of its keys, `-key` for descending; anything
    else is a 422 naming `sort`."""
    keys = sort_keys(sorts)
    names = "|".join(re.escape(name) for name in sorts)
    return Query(pattern=f"^-?({names})$", json_schema_extra={"enum": keys},
                 description="the order of the list: a key, or `-key` for descending; ties "
                             "in the list's id")


def _moment(value: object) -> date | datetime:
    """An ISO date (`2026-01-31`) or date-time (`2026-01-31T08:00:00Z`; without an offset, UTC),
    within the dates Shipshape computes with."""
    if isinstance(value, date):
        moment: date | datetime = value
    else:
        text = str(value)
        try:
            moment = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(
                text.replace("z", "Z"))
        except ValueError:
            raise ValueError("an ISO date (2026-01-31) or date-time (2026-01-31T08:00:00Z) "
                             f"is expected, not {text[:40]!r}") from None
    day = moment.date() if isinstance(moment, datetime) else moment
    if not bounds.date_supported(day):
        raise ValueError(bounds.unsupported_date(day))
    return moment


Moment = Annotated[date | datetime, PlainValidator(_moment), WithJsonSchema({
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
    "description": "an ISO date or date-time (UTC without an offset), 2000-01-01 to 2199-12-31",
    "examples": ["2026-01-31", "2026-01-31T08:00:00Z"]})]


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` to `end`, both included; None is open. A `to` date includes its whole day."""

    start: datetime | None = None
    end: datetime | None = None


def period(
    from_: Annotated[Moment | None, Query(alias="from", description=(
        "from this moment on (a date: from its start, UTC)"))] = None,
    to: Annotated[Moment | None, Query(description=(
        "up to this moment (a date: to its end, UTC)"))] = None,
) -> Period:
    """The `from` and `to` query parameters of a list; `from` after `to` is a 422."""
    start = None if from_ is None else _utc(from_, time.min)
    end = None if to is None else _utc(to, time.max)
    if start is not None and end is not None and start > end:
        raise RequestValidationError([{
            "loc": ("query", "from"), "type": "value_error", "input": from_,
            "msg": f"from ({start.isoformat()}) is after to ({end.isoformat()})"}])
    return Period(start, end)


def _utc(moment: date | datetime, at: time) -> datetime:
    if not isinstance(moment, datetime):
        return datetime.combine(moment, at, tzinfo=UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


Between = Annotated[Period, Depends(period)]
