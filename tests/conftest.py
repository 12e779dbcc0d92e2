"""Fixtures: a migrated store per test, on SQLite and on PostgreSQL, and an API client.

A test marked `empty_store` gets a store with nothing in it, not even the schema."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from shipshape.adapters.db.migrate import head_revision
from shipshape.adapters.db.tables import metadata
from shipshape.adapters.logs import ACCESS, configure
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from tests.services import POSTGRES_ADMIN, POSTGRES_SQLALCHEMY, postgres_or_skip

if "PYTEST_XDIST_WORKER" in os.environ:
    # pytest-xdist hands its workers the COLUMNS and LINES of its own terminal; the CLI's
    # consoles would take their width from those when imported, where a test sets COLUMNS for
    # the command it runs.
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)

BACKENDS = ["sqlite", "postgres"]
HEAD = head_revision()


CLEAN_SCHEMAS: list[str] = []
"""PostgreSQL schemas at the head revision, emptied after their last test, to be used again:
building the schema anew costs ~0.4 s a test, emptying it ~20 ms."""


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file at the head revision and empty, built once a session: each SQLite test
    gets a copy of it, which costs a fraction of building the schema anew."""
    path = tmp_path_factory.mktemp("migrated") / "shipshape.db"
    build(Settings(database_url=f"sqlite:///{path}", env="test"), migrate=True).close()
    whole = sqlite3.connect(path)  # all in the file, nothing left in a write-ahead log
    whole.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    whole.close()
    leftovers = sorted(p.name for p in path.parent.iterdir() if p != path)
    assert not leftovers, f"the migrated SQLite file is not whole on its own: {leftovers}"
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    backend = getattr(request, "param", "sqlite")
    empty = request.node.get_closest_marker("empty_store") is not None
    if backend == "sqlite":
        path = tmp_path / "shipshape.db"
        if not empty:
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    admin = postgres_or_skip()
    schema = CLEAN_SCHEMAS.pop() if CLEAN_SCHEMAS and not empty else _new_schema(admin)
    try:
        yield f"{POSTGRES_SQLALCHEMY}?options=-csearch_path%3D{schema}"
    finally:
        if not empty and emptied(admin, schema):
            CLEAN_SCHEMAS.append(schema)
        else:
            _drop_schema(admin, schema)


def _new_schema(admin: str) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema


def _drop_schema(admin: str, schema: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def emptied(admin: str, schema: str) -> bool:
    """Delete every row of a schema a test used, if it still is exactly the head schema."""
    try:
        with psycopg.connect(admin) as conn:
            conn.execute("SET lock_timeout = '2s'")
            conn.execute(f"SET search_path TO {schema}")
            tables = {row[0] for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))}
            if tables != {*metadata.tables, "alembic_version"} or conn.execute(
                    "SELECT version_num FROM alembic_version").fetchall() != [(HEAD,)]:
                return False
            for table in reversed(metadata.sorted_tables):
                conn.execute(f"DELETE FROM {table.name}")
            for (sequence,) in conn.execute("SELECT sequence_name FROM information_schema"
                                            ".sequences WHERE sequence_schema = %s",
                                            (schema,)).fetchall():
                conn.execute(f"ALTER SEQUENCE {sequence} RESTART")
            conn.commit()
    except psycopg.Error:
        return False
    return True


def pytest_sessionfinish(session: pytest.Session) -> None:
    if CLEAN_SCHEMAS:
        admin = os.environ.get("SHIPSHAPE_TEST_POSTGRES", POSTGRES_ADMIN)
        for schema in CLEAN_SCHEMAS:
            _drop_schema(admin, schema)


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


@pytest.fixture
def configured_logging(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """The process's logging as `shipshape serve` sets it up (to the standard error `capsys`
    reads), put back as it was afterwards."""
    root, access = logging.getLogger(), logging.getLogger(ACCESS)
    saved = (root.handlers[:], root.level, access.handlers[:], access.propagate, access.level)
    configure("INFO", "text")
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    access.handlers[:], access.propagate, access.level = saved[2], saved[3], saved[4]
