"""Engines for the embedded default (SQLite in WAL mode) and for PostgreSQL."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

from shipshape.adapters.db.errors import StoreUnavailable, first_line, translate_error

WRITE = "shipshape_write"


def make_engine(url: str, sqlite_synchronous: str = "FULL", pool_size: int = 10) -> Engine:
    """Errors name their statement but never its bound values (`hide_parameters`): those may be
    megabytes of a request, or personal data, and have no place in a log."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, sqlite_synchronous)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         hide_parameters=True)


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front, so two of them never both read and then collide.
        writes = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


MIN_FREE_BYTES = 16 * 1024 * 1024
"""Below this much room for the SQLite file to grow, the store reports itself full."""


def write_problem(engine: Engine) -> str | None:
    """Why the store cannot take a write now (None: it can), found by a write that is rolled
    back, plus, on SQLite, the room the file has left to grow. A store busy with another writer
    is writable."""
    try:
        with engine.connect() as conn:
            conn.begin()
            try:
                _probe(conn)
            finally:
                conn.rollback()
    except Exception as error:  # the probe reports, it does not raise
        mapped = translate_error(error)
        if isinstance(mapped, StoreUnavailable):
            return f"{mapped.reason} ({first_line(getattr(error, 'orig', error))})"
        if "database is locked" in str(error) or "lock timeout" in str(error):
            return None
        return f"a write failed: {type(error).__name__}"
    return _sqlite_room(engine) if is_sqlite(engine) else None


def _probe(conn: Connection) -> None:
    if is_sqlite(conn.engine):
        conn.exec_driver_sql("PRAGMA busy_timeout=200")
    else:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
    try:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
    finally:
        if is_sqlite(conn.engine):
            conn.exec_driver_sql("PRAGMA busy_timeout=30000")


def _sqlite_room(engine: Engine) -> str | None:
    """"full" when the file cannot grow: at its page limit, or its disk nearly full."""
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        most = conn.exec_driver_sql("PRAGMA max_page_count").scalar_one()
        free_pages = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
    if pages >= most and not free_pages:
        return "the database is full (it is at its max_page_count)"
    folder = os.path.dirname(os.path.abspath(engine.url.database or "")) or "."
    stats = os.statvfs(folder)
    if stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES:
        return f"the disk of the database is full (less than {MIN_FREE_BYTES >> 20} MiB left)"
    return None
