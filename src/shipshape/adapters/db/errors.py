"""Driver errors translated into the project's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError

from shipshape.domain.errors import ConcurrencyConflict

RETRYABLE_PG_CODES = {"40001", "40P01", "55P03"}


def translate_error(error: BaseException) -> Exception | None:
    """The project's error for a driver error, or None when it is not ours to name."""
    if isinstance(error, IntegrityError):
        return ConcurrencyConflict(f"a concurrent write conflicted: {error.orig}")
    if isinstance(error, DBAPIError) and _retryable(error):
        return ConcurrencyConflict(f"the store was busy: {error.orig}")
    return None


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        mapped = translate_error(error)
        if mapped is None:
            raise
        raise mapped from error


def _retryable(error: DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) in RETRYABLE_PG_CODES:
        return True
    return "database is locked" in str(error.orig)
