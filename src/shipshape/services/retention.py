"""The retention policy: idempotency keys, inbox rows, delivered outbox rows and EDI documents
older than a cutoff are removed by `shipshape purge` (a dry run unless told to apply), so that
the store does not grow for ever. What each kind keeps is in `adapters/db/retention.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shipshape.domain.errors import InvalidInput

UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
DURATION = re.compile(r"^\s*(\d{1,6})\s*([dhm])\s*$")
MIN_AGE = timedelta(hours=1)
"""A shorter retention would forget idempotency keys that clients may still be retrying with."""
MAX_AGE = timedelta(days=36500)


class RetentionStore(Protocol):
    def count_older(self, cutoff: datetime) -> dict[str, int]: ...
    def purge_older(self, cutoff: datetime) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class PurgeReport:
    cutoff: datetime
    applied: bool
    rows: dict[str, int]
    """Per kind: removed when `applied`, else what would be removed."""


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m` -> a timedelta of at least an hour; InvalidInput naming the form."""
    match = DURATION.match(text)
    if match is None:
        raise InvalidInput(f"--older-than takes a number and a unit d, h or m (30d, 12h), "
                           f"got {text!r}")
    age = int(match.group(1)) * UNITS[match.group(2)]
    if not MIN_AGE <= age <= MAX_AGE:
        raise InvalidInput(f"--older-than must be between 1h and 36500d, got {text!r}")
    return age


def purge(store: RetentionStore, now: datetime, older_than: timedelta,
          apply: bool = False) -> PurgeReport:
    """What is older than `older_than` at `now`: counted (dry run), or removed when `apply`."""
    if older_than < MIN_AGE:
        raise InvalidInput("a retention shorter than 1h would forget keys still in use")
    cutoff = now - older_than
    rows = store.purge_older(cutoff) if apply else store.count_older(cutoff)
    return PurgeReport(cutoff, apply, rows)
