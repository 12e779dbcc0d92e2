"""Driver errors become the project's own: a store that cannot take writes, a value refused."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from shipshape.adapters.db.errors import StoreUnavailable, translate_error
from shipshape.domain.errors import ConcurrencyConflict, InvalidInput


class PgError(Exception):
    """What psycopg raises: the message, and the SQLSTATE in `sqlstate`."""

    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def sqlite_error(message: str, name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize(("orig", "reason"), [
    (sqlite_error("attempt to write a readonly database", "SQLITE_READONLY"),
     "the database is read-only"),
    (sqlite_error("database or disk is full", "SQLITE_FULL"), "the database or its disk is full"),
    (sqlite3.OperationalError("database or disk is full"), "the database or its disk is full"),
    (PgError("could not extend file: No space left on device", "53100"),
     "the database's disk is full"),
    (PgError("cannot execute INSERT in a read-only transaction", "25006"),
     "the database is read-only"),
    (PgError("terminating connection due to administrator command", "57P01"),
     "the database cannot take this work now"),
    (PgError("connection refused", None), "the database cannot be reached"),
])
def test_a_store_that_cannot_take_writes_is_unavailable_with_its_reason(
    orig: Exception, reason: str
) -> None:
    mapped = translate_error(OperationalError("INSERT INTO orders ...", {}, orig))
    assert isinstance(mapped, StoreUnavailable)
    assert isinstance(mapped, ConcurrencyConflict), "callers retry it later"
    assert mapped.reason == reason
    assert str(mapped).startswith(f"{reason}; nothing was written")


def test_a_value_the_store_refuses_is_invalid_input_named_by_the_driver_first_line() -> None:
    orig = PgError("value too long for type character varying(60)\nCONTEXT: ...", "22001")
    mapped = translate_error(DataError("INSERT INTO lots ...", {}, orig))
    assert isinstance(mapped, InvalidInput)
    assert str(mapped).endswith("value too long for type character varying(60)")


def test_conflicts_stay_conflicts_and_other_errors_are_not_named() -> None:
    unique = translate_error(IntegrityError("INSERT", {}, PgError("duplicate key", "23505")))
    assert type(unique) is ConcurrencyConflict
    locked = translate_error(OperationalError("UPDATE", {}, sqlite_error(
        "database is locked", "SQLITE_BUSY")))
    assert type(locked) is ConcurrencyConflict
    syntax = OperationalError("SELEC", {}, sqlite_error("near SELEC: syntax error", "SQLITE_ERROR"))
    assert translate_error(syntax) is None
    assert translate_error(RuntimeError("a bug")) is None
