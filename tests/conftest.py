"""Fixtures: a migrated store per test, on SQLite and on PostgreSQL, and an API client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from tests.services import POSTGRES_SQLALCHEMY, postgres_or_skip

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'shipshape.db'}"
        return
    admin = postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_SQLALCHEMY}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def container(database_url: str) -> Iterator[Container]:
    built = build(Settings(database_url=database_url, env="test"), migrate=True)
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def tokens(container: Container) -> dict[str, str]:
    from datetime import UTC, datetime

    return {role: container.tokens.create(f"test-{role}", role, datetime.now(UTC))
            for role in ("admin", "integration", "agent", "viewer")}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(item, "callspec", None)
        if params is not None and params.params.get("database_url") == "postgres":
            item.add_marker(pytest.mark.postgres)
