"""Reading the fields of another system's event data, with errors that name the event and field."""

from __future__ import annotations

from datetime import date
from typing import TypeGuard

from shipshape.domain.errors import InvalidInput


def is_whole(value: object) -> TypeGuard[int]:
    """An int that is not a bool (JSON `true` is not a quantity)."""
    return isinstance(value, int) and not isinstance(value, bool)


def text(event: str, value: object, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidInput(f"{event}: {name} must be a text of 1 to {limit} characters")
    return value


def optional_date(event: str, value: object, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidInput(f"{event}: {name} must be a date (YYYY-MM-DD)") from error
