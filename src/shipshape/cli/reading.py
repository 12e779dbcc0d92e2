"""What the read commands (`list`, `show`) share: one look at the store, and the `--from` and
`--to` options, read as the API reads its `from` and `to`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, TypeVar

import typer

from shipshape.bootstrap import Container, build
from shipshape.domain.errors import NotFound

T = TypeVar("T")
FromOption = Annotated[str | None, typer.Option(
    "--from", help="created from this moment on (ISO; a date: from its start, UTC)")]
ToOption = Annotated[str | None, typer.Option(
    "--to", help="created up to this moment (ISO; a date: to its end, UTC)")]


def read(look: Callable[[Container], T]) -> T:
    """`look` at the configured store, closed afterwards."""
    container = build(migrate="embedded")
    try:
        return look(container)
    finally:
        container.close()


def found(record: T | None, what: str) -> T:
    """`record`, or NotFound saying that `what` does not exist."""
    if record is None:
        raise NotFound(f"{what} does not exist")
    return record


def period(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """`--from` and `--to` as moments; a usage error names the one that cannot be read."""
    first = None if start is None else moment("--from", start, time.min)
    last = None if end is None else moment("--to", end, time.max)
    if first is not None and last is not None and first > last:
        raise typer.BadParameter(f"--from ({first.isoformat()}) is after --to "
                                 f"({last.isoformat()})")
    return first, last


def moment(option: str, text: str, time_of_day: time) -> datetime:
    """An ISO date (at `time_of_day`, UTC) or date and time (UTC unless it names its zone)."""
    try:
        if len(text.strip()) == len("2024-01-31"):
            return datetime.combine(date.fromisoformat(text.strip()), time_of_day, UTC)
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO date (2024-01-31) or date and time "
                                 "(2024-01-31T14:00:00+02:00)", param_hint=option) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
