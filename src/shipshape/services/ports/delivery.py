"""What delivery needs from the store: the outbox, the inbox, dead letters, sagas, the other
systems' states and idempotency keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shipshape.services.ports.stores import StoredResponse


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One unsent outbox row as the relay publishes it; `position` is its place in commit order."""

    position: int
    event_id: str
    event_type: str
    stream: str
    """What per-key order is kept by: the order's id, else the id of the object the event is
    about (a wave, a reconciliation run)."""
    subject: str
    payload: Mapping[str, object]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OwedEvent:
    """A published outbox row not yet marked delivered, as far as settling it looks: which
    consumers take it and whether they applied it (its payload is not read)."""

    position: int
    event_id: str
    event_type: str
    stream: str
    subject: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxLag:
    """How far the relay is behind: unsent rows and when the oldest of them was written."""

    unsent: int
    oldest_created_at: datetime | None

    def age_s(self, now: datetime) -> float:
        """Seconds the oldest unsent row has waited; 0 when nothing waits."""
        if self.oldest_created_at is None:
            return 0.0
        return max((now - self.oldest_created_at).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True)
class OwedEvents:
    """Events published and not yet marked delivered: how many, and the oldest one's age."""

    count: int
    oldest_created_at: datetime | None

    def age_s(self, now: datetime) -> float:
        return OutboxLag(self.count, self.oldest_created_at).age_s(now)


class Outbox(Protocol):
    """The relay's side of the outbox: rows written by `EventLog.append`, read in commit order."""

    def unsent(self, limit: int) -> list[OutboxMessage]: ...
    def mark_published(self, positions: Sequence[int], at: datetime) -> None: ...
    def lag(self) -> OutboxLag: ...

    def owed(self, limit: int, after: int = 0) -> list[OwedEvent]:
        """Published rows not yet marked delivered, in id order, from after position `after`."""
        ...

    def owed_lag(self) -> OwedEvents:
        """How many rows are published and not yet delivered, and since when the oldest."""
        ...

    def mark_delivered(self, positions: Sequence[int], at: datetime) -> None: ...

    def rewind_owed(self) -> int:
        """Mark every owed row unsent, so that it is published again; returns how many."""
        ...


class Inbox(Protocol):
    """Which events each consumer has applied, written in the transaction of the effects."""

    def record(self, consumer: str, event_id: str, at: datetime) -> bool:
        """Record the event as applied by `consumer`; False when it already was (no change)."""
        ...

    def seen(self, consumer: str, event_id: str) -> bool:
        """Whether `consumer` has applied the event (a read; `record` decides under races)."""
        ...

    def applied(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Which of `event_ids` `consumer` has applied (or dead-lettered)."""
        ...


@dataclass(frozen=True, slots=True)
class NewDeadLetter:
    """An event a consumer could not apply: the original message, the error and the attempts.
    `system`/`operation` name the connector call that failed (None: the handler itself)."""

    consumer: str
    event_id: str
    subject: str
    key: str
    payload: bytes
    headers: Mapping[str, str]
    system: str | None
    operation: str | None
    error: str
    attempts: int
    case_id: str | None


@dataclass(frozen=True, slots=True)
class DeadLetter(NewDeadLetter):
    """A stored dead letter; `status` is open or replayed."""

    id: int
    status: str
    created_at: datetime
    replayed_at: datetime | None = None


class DeadLetterStore(Protocol):
    def add(self, letter: NewDeadLetter, at: datetime) -> int: ...
    def get(self, letter_id: int) -> DeadLetter | None: ...
    def open(self, limit: int) -> list[DeadLetter]: ...
    def mark_replayed(self, letter_id: int, at: datetime) -> bool:
        """Open -> replayed; False when it was not open (replayed already, by someone else)."""
        ...


@dataclass(frozen=True, slots=True)
class SagaStep:
    saga_id: str
    step_no: int
    name: str
    status: str
    """done, compensating or compensated"""
    data: Mapping[str, object]


class SagaStore(Protocol):
    def start(self, saga_id: str, kind: str, at: datetime) -> bool:
        """Record a new saga; False when it exists already."""
        ...
    def status(self, saga_id: str) -> str | None: ...
    def set_status(self, saga_id: str, status: str, at: datetime, error: str = "") -> None: ...
    def steps(self, saga_id: str) -> list[SagaStep]: ...
    def record_step(self, step: SagaStep, at: datetime) -> None:
        """Insert or update the step's row (by saga id and step number)."""
        ...
    def unfinished(self, kind: str) -> list[str]:
        """Sagas of `kind` still running or compensating (what a restarted worker resumes)."""
        ...


class SystemStateStore(Protocol):
    """The last applied version of each (entity, state) updated by an external system, so that an
    update arriving out of order is recognised as stale."""

    def version(self, entity: str, state: str, lock: bool) -> datetime | None: ...
    def put(self, entity: str, state: str, system: str, version: datetime,
            value: Mapping[str, object], at: datetime) -> None: ...


class IdempotencyStore(Protocol):
    """Stored answers by (scope, key): a scope names whose keys they are (`token:<name>`,
    `channel:<channel>`, `webhook:<system>`), so no caller can use another's key."""

    def get(self, scope: str, key: str) -> StoredResponse | None: ...
    def put(self, scope: str, key: str, response: StoredResponse, at: datetime) -> None: ...
