"""Reaching the shared services: run when reachable, skip (or fail in CI) when not."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_SQLALCHEMY = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHARED_NATS = "nats://127.0.0.1:4222"


def require_services() -> bool:
    return os.environ.get("SHIPSHAPE_REQUIRE_SERVICES") == "1"


def postgres_or_skip() -> str:
    """The admin URL of the shared PostgreSQL, or a skip (a failure under CI) with the reason."""
    import psycopg

    url = os.environ.get("SHIPSHAPE_TEST_POSTGRES", POSTGRES_ADMIN)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at {url} is not reachable: {error}"
        if require_services():
            pytest.fail(reason + " (SHIPSHAPE_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    return url


def shared_nats_or_skip() -> str:
    """The URL of the shared NATS server, or a skip (a failure under CI) with the reason."""
    url = os.environ.get("SHIPSHAPE_TEST_NATS", SHARED_NATS)
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 4222), 3).close()
    except OSError as error:
        reason = f"NATS at {url} is not reachable: {error}"
        if require_services():
            pytest.fail(reason + " (SHIPSHAPE_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    return url
