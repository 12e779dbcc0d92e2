"""Delivery accounting: an event written is an event applied, and a loss is seen.

An outbox row goes through three states: *unsent* (written by a business transaction),
*owed* (published by the relay, not yet applied by every consumer that takes it) and
*delivered* (each of those consumers has applied it or stored it as a dead letter: both leave
an inbox row). `settle` moves owed rows to delivered by reading the inbox; the relay runs it as
it goes. What the transport acked is not trusted: only the inbox says an event was applied.

**Embedded mode.** The in-process transport keeps nothing across a restart, so on start-up
`rewind` marks every owed row unsent again and the relay publishes it once more, in outbox
order; consumers that applied it already find it in their inbox and skip it.

**Monitors.** `debt` lists the owed events that some consumer has not applied: `/health`,
`/metrics` and `shipshape check` report it, and the oldest one's age against the stated lag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from shipshape.domain.consistency import DELIVERY, Violation
from shipshape.services.delivery.consume import Handler
from shipshape.services.deps import Deps
from shipshape.services.ports import OwedEvent, UnitOfWork
from shipshape.services.ports.messaging import EVENT_TYPE_HEADER, Message

SETTLE_PAGE = 1000
"""Owed rows read, checked and marked per transaction."""
SCAN_LIMIT = 5000
"""Owed rows `debt` looks at, oldest first."""

Consumers = Mapping[str, Handler]
"""Every consumer (inbox name) that takes events, with the handler that says which."""


@dataclass(frozen=True, slots=True)
class Unapplied:
    """An owed event that the named consumers have not applied yet."""

    position: int
    event_id: str
    event_type: str
    order_id: str
    created_at: datetime
    consumers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeliveryDebt:
    owed: int
    """Events published and not yet marked delivered (some may be applied, not yet settled)."""
    unsent: int
    """Events written and not yet published."""
    oldest_unsent_at: datetime | None
    unapplied: tuple[Unapplied, ...]
    """Among the oldest `SCAN_LIMIT` owed events, those some consumer has not applied."""

    @property
    def by_consumer(self) -> dict[str, int]:
        return dict(Counter(name for event in self.unapplied for name in event.consumers))

    @property
    def oldest_at(self) -> datetime | None:
        """When the oldest event not yet applied (or not yet published) was written."""
        moments = [m for m in (self.oldest_unsent_at,
                               self.unapplied[0].created_at if self.unapplied else None) if m]
        return min(moments) if moments else None

    def age_s(self, now: datetime) -> float:
        oldest = self.oldest_at
        return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def settle(deps: Deps, consumers: Consumers, pages: int | None = None) -> int:
    """Mark delivered the owed events that every consumer taking them has applied, `pages`
    pages of `SETTLE_PAGE` at most (None: all); returns how many were marked."""
    marked, after, page = 0, 0, 0
    while pages is None or page < pages:
        with deps.uow() as uow:
            rows = uow.outbox.owed(SETTLE_PAGE, after)
            missing = _missing(uow, consumers, rows)
            done = [row.position for row in rows if row.event_id not in missing]
            uow.outbox.mark_delivered(done, deps.clock.now())
            uow.commit()
        marked, page = marked + len(done), page + 1
        if len(rows) < SETTLE_PAGE:
            break
        after = rows[-1].position
    return marked


def debt(deps: Deps, consumers: Consumers, limit: int = SCAN_LIMIT) -> DeliveryDebt:
    """What is written or published and not yet applied, read in one transaction."""
    with deps.uow.reading() as uow:
        owed, unsent = uow.outbox.owed_lag(), uow.outbox.lag()
        rows = uow.outbox.owed(limit)
        missing = _missing(uow, consumers, rows)
    unapplied = tuple(Unapplied(row.position, row.event_id, row.event_type, row.stream,
                                row.created_at, tuple(missing[row.event_id]))
                      for row in rows if row.event_id in missing)
    return DeliveryDebt(owed.count, unsent.unsent, unsent.oldest_created_at, unapplied)


def rewind(deps: Deps, consumers: Consumers) -> int:
    """Embedded start-up: settle everything, then make what is still owed unsent again, so
    that the relay delivers it anew. Returns how many events will be delivered again."""
    settle(deps, consumers)
    with deps.uow() as uow:
        count = uow.outbox.rewind_owed()
        uow.commit()
    return count


def violations(debt_now: DeliveryDebt, now: datetime, max_lag_s: float) -> list[Violation]:
    """The delivery condition of `shipshape check`: nothing written waits for publication, and
    nothing published waits for a consumer, longer than `max_lag_s`."""
    found: list[Violation] = []
    late_unsent = debt_now.oldest_unsent_at and _age(debt_now.oldest_unsent_at, now) > max_lag_s
    if late_unsent:
        found.append(Violation(DELIVERY, "relay", (
            f"{debt_now.unsent} events not published, the oldest written "
            f"{_age(debt_now.oldest_unsent_at, now):.0f} s ago (is the relay running?)")))
    late = [e for e in debt_now.unapplied if _age(e.created_at, now) > max_lag_s]
    for name, count in sorted(Counter(n for e in late for n in e.consumers).items()):
        oldest = next(e for e in late if name in e.consumers)
        found.append(Violation(DELIVERY, name, (
            f"{count} events published and not applied for more than {max_lag_s:.0f} s; the "
            f"oldest: {oldest.event_type} {oldest.event_id} of {oldest.order_id or '-'}, "
            f"written {_age(oldest.created_at, now):.0f} s ago")))
    return found


def _age(moment: datetime | None, now: datetime) -> float:
    return (now - moment).total_seconds() if moment else 0.0


def _missing(uow: UnitOfWork, consumers: Consumers,
             rows: Sequence[OwedEvent]) -> dict[str, list[str]]:
    """Event id -> the consumers that take it and have not applied it."""
    messages = [(row.event_id, _probe(row)) for row in rows]
    missing: dict[str, list[str]] = {}
    for name, handler in consumers.items():
        wanted = [event_id for event_id, message in messages if handler.wants(message)]
        applied = uow.inbox.applied(name, wanted) if wanted else set()
        for event_id in wanted:
            if event_id not in applied:
                missing.setdefault(event_id, []).append(name)
    return missing


def _probe(row: OwedEvent) -> Message:
    """The message of a row as far as `Handler.wants` looks: its id, subject, key and type."""
    return Message(row.event_id, row.subject, row.stream, b"",
                   {EVENT_TYPE_HEADER: row.event_type})
