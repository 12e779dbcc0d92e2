"""Every process's log: each line with its time, level and logger, as text or as JSON, and the id
of the request it was written for; the access log always as JSON, one line per request."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from shipshape.services import correlation

ACCESS = "shipshape.access"
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ISO_SECONDS = "%Y-%m-%dT%H:%M:%S%z"


class RequestId(logging.Filter):
    """Stamps each record with the id of the request it was written for (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or correlation.request_id()
        return True


class Text(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT, datefmt=ISO_SECONDS)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request = getattr(record, "request_id", None)
        return f"{line} [request {request}]" if request else line


def json_lines() -> JsonFormatter:
    return JsonFormatter("%(levelname)s %(name)s %(message)s", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"})


def configure(level: str = "INFO", form: str = "text") -> None:
    """Log to standard error at `level`, in `form` (text or json); the access log in JSON."""
    root = logging.getLogger()
    root.handlers[:] = [_handler(json_lines() if form == "json" else Text())]
    root.setLevel(level)
    access = logging.getLogger(ACCESS)
    access.handlers[:] = [_handler(json_lines())]
    access.propagate = False
    access.setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)  # each /health


class StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the standard error of the moment, even when it was replaced after start-up."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _ignored: TextIO) -> None:
        pass


def _handler(formatter: logging.Formatter) -> logging.Handler:
    handler = StandardError()
    handler.addFilter(RequestId())
    handler.setFormatter(formatter)
    return handler
