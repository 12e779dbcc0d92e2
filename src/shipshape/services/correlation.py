"""The id of the request being served, carried into what it writes: its events, its log lines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("shipshape_request_id", default=None)


def request_id() -> str | None:
    """The id of the request this code runs for; None outside a request (a worker, the CLI)."""
    return _current.get()


@contextmanager
def serving(request: str) -> Iterator[None]:
    token = _current.set(request)
    try:
        yield
    finally:
        _current.reset(token)
