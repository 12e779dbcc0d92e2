"""Driver errors translated into the project's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    StatementError,
)

from shipshape.domain.errors import ConcurrencyConflict, InvalidInput

RETRYABLE_PG_CODES = {"40001", "40P01", "55P03"}
UNAVAILABLE_PG_CLASSES = ("08", "53", "57", "58")
"""Connection lost, insufficient resources (53100: disk full), shut down, system I/O error."""
READ_ONLY_PG_CODE = "25006"
DISK_FULL_PG_CODE = "53100"
SQLITE_UNAVAILABLE = {"SQLITE_READONLY": "the database is read-only",
                      "SQLITE_FULL": "the database or its disk is full",
                      "SQLITE_IOERR": "the database file cannot be written",
                      "SQLITE_CANTOPEN": "the database file cannot be opened"}
SQLITE_MESSAGES = {"readonly database": "SQLITE_READONLY",
                   "database or disk is full": "SQLITE_FULL", "disk I/O error": "SQLITE_IOERR",
                   "unable to open database": "SQLITE_CANTOPEN"}


class StoreUnavailable(ConcurrencyConflict):
    """The store cannot take writes now (read-only, disk full, unreachable). Nothing was
    written; like a conflict, the command may be tried again once the cause is gone."""

    def __init__(self, reason: str, cause: str) -> None:
        super().__init__(f"{reason}; nothing was written, try again once that is fixed "
                         f"({cause})")
        self.reason = reason


def translate_error(error: BaseException) -> Exception | None:
    """The project's error for a driver error, or None when it is not ours to name."""
    if isinstance(error, IntegrityError):
        return ConcurrencyConflict(f"a concurrent write conflicted: {first_line(error.orig)}")
    if isinstance(error, DBAPIError) and _retryable(error):
        return ConcurrencyConflict(f"the store was busy: {first_line(error.orig)}")
    if isinstance(error, DBAPIError) and (reason := _unavailable(error)):
        return StoreUnavailable(reason, first_line(error.orig))
    if isinstance(error, DataError) or _unbindable(error):
        return InvalidInput(f"the store cannot keep a value of this request: "
                            f"{first_line(getattr(error, 'orig', error))}")
    return None


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except StatementError as error:
        mapped = translate_error(error)
        if mapped is None:
            raise
        raise mapped from error


def first_line(error: BaseException | None) -> str:
    """A driver's message without the SQL and the context lines it adds, at most 300 chars."""
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def _retryable(error: DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) in RETRYABLE_PG_CODES:
        return True
    return "database is locked" in str(error.orig)


def _unavailable(error: DBAPIError) -> str | None:
    """Why the store cannot take writes, when that is what `error` says."""
    state = getattr(error.orig, "sqlstate", None)
    if state == READ_ONLY_PG_CODE:
        return "the database is read-only"
    if state == DISK_FULL_PG_CODE:
        return "the database's disk is full"
    if state is not None and state[:2] in UNAVAILABLE_PG_CLASSES:
        return "the database cannot take this work now"
    if error.connection_invalidated:
        return "the connection to the database was lost"
    if isinstance(error, OperationalError) and hasattr(error.orig, "sqlstate") and state is None:
        return "the database cannot be reached"
    name = getattr(error.orig, "sqlite_errorname", None) or _sqlite_name(str(error.orig))
    return next((reason for code, reason in SQLITE_UNAVAILABLE.items()
                 if name and name.startswith(code)), None)


def _sqlite_name(message: str) -> str | None:
    return next((code for text, code in SQLITE_MESSAGES.items() if text in message), None)


def _unbindable(error: BaseException) -> bool:
    """A value the driver refused to send (a NUL in a PostgreSQL string, an integer too large
    for SQLite): the value is wrong, not the store."""
    if not isinstance(error, StatementError) or isinstance(error, DBAPIError):
        return False
    return isinstance(error.orig, (ValueError, OverflowError))
