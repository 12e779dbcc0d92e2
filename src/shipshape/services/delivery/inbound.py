"""Events the other systems send in (`POST /api/v1/events/{system}`), applied once, in order,
and only from the system that owns the state they change.

* **Once.** The `webhook-id` is the idempotency key: the first answer is stored and a resend
  gets it again, with no second effect; the same id with another body is refused.
* **Owner.** Each event type changes one state (`INBOUND_EVENTS`); the ownership table names
  the one system allowed to change it. From any other system the event is refused and opens
  an `OWNERSHIP_VIOLATION` case: never a silent overwrite.
* **In order.** The last applied `occurred_at` of each (entity, state) is kept; an event no
  newer than that arrived out of order and is recorded as stale without changing anything.
* **Well formed.** Each type's data is checked by its schema (`domain/event_schemas.py`:
  booleans are booleans, numbers numbers, required fields present), and an event dated further
  ahead of our clock than the allowed skew (`SHIPSHAPE_EVENT_MAX_CLOCK_SKEW_S`) is refused: it
  would make every later genuine update of its state look stale. Both are refused before
  anything is stored (422 over HTTP).
* **Isolated.** In a batch a simulated system hands over (`take_events`), a malformed event
  (its schema, its date, a reused id) or one that fails for a technical reason becomes a dead
  letter of `<system>-inbound` with an `INTEGRATION_FAILURE` case; one the effect refuses by a
  business rule is refused as it would be over HTTP; either way the rest are applied.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol, TypeVar

from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import SystemEventReceived, SystemEventRefused
from shipshape.domain.errors import ConcurrencyConflict, Conflict, InvalidInput, ShipshapeError
from shipshape.domain.event_schemas import InvalidEventData, check_event_data
from shipshape.domain.integration import (
    DEFAULT_MAX_CLOCK_SKEW_S,
    INBOUND_EVENTS,
    STATE_STAGES,
    State,
    System,
    SystemEvent,
    ownership_finding,
)
from shipshape.services.cases import open_case
from shipshape.services.delivery.dead_letters import record_dead_letter
from shipshape.services.delivery.inbound_effects import EFFECTS
from shipshape.services.deps import Deps
from shipshape.services.outcomes import Outcome
from shipshape.services.ports import StoredResponse, UnitOfWork
from shipshape.services.ports.messaging import Message

log = logging.getLogger(__name__)
DEFAULT_MAX_CLOCK_SKEW = timedelta(seconds=DEFAULT_MAX_CLOCK_SKEW_S)
TOGETHER = 100
"""Events of a simulated system applied in one transaction (one commit for all)."""
INBOUND_CONSUMER = "{system}-inbound"
"""The consumer named on the dead letters of a simulated system's events."""
T = TypeVar("T")


class InvalidSystemEvent(InvalidInput):
    """The event cannot be read: unknown type, no entity, a bad timestamp."""


class WebhookIdReused(Conflict):
    """The same webhook-id came with a different body."""


def parse_event(system: str, webhook_id: str, body: Mapping[str, object]) -> SystemEvent:
    """The event in `body`, its data checked by the schema of its type; `InvalidInput` (422)
    naming the first field that is wrong."""
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in INBOUND_EVENTS:
        raise InvalidSystemEvent(f"unknown event type {kind!r}; known: "
                                 + ", ".join(sorted(INBOUND_EVENTS)))
    occurred = _occurred_at(body.get("occurred_at"))
    data = body.get("data")
    if not isinstance(data, dict):
        raise InvalidSystemEvent("data must be an object")
    check_event_data(kind, data)
    event = SystemEvent(System(system).value, webhook_id, kind, occurred, data)
    _ = event.entity
    return event


def _occurred_at(value: object) -> datetime:
    """An ISO 8601 time with its offset, in UTC; `InvalidSystemEvent` naming it otherwise."""
    occurred = None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            occurred = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
        except (ValueError, OverflowError):
            occurred = None
    if occurred is None:
        raise InvalidSystemEvent("occurred_at must be an ISO 8601 time with its UTC offset, "
                                 f"got {str(value)[:40]!r}")
    return occurred


def check_clock_skew(event: SystemEvent, now: datetime, max_skew: timedelta) -> None:
    """Refuse an event dated more than `max_skew` ahead of `now`: applied, it would make every
    later genuine update of its state look stale."""
    if event.occurred_at > now + max_skew:
        raise InvalidSystemEvent(
            f"occurred_at {event.occurred_at.isoformat()} is more than "
            f"{max_skew.total_seconds():g} s ahead of our clock ({now.isoformat()}); "
            "the allowed skew is SHIPSHAPE_EVENT_MAX_CLOCK_SKEW_S")


@dataclass(frozen=True, slots=True)
class Received:
    answer: StoredResponse
    resent: bool
    """True when the webhook-id was known: `answer` is the first one, nothing was applied."""


class EventSource(Protocol):
    """A system whose events are taken in-process (a simulated system)."""

    @property
    def system(self) -> str: ...
    def take_events(self) -> list[dict[str, object]]: ...

    def give_back(self, envelopes: list[dict[str, object]]) -> None:
        """Put events taken but not received back at the head of the queue."""
        ...


def receive_event(deps: Deps, ownership: Mapping[State, System], event: SystemEvent,
                  raw: bytes, max_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW) -> Received:
    """Apply `event` once; returns the answer (outcome and body), the stored one on a resend.
    The webhook-id is an idempotency key of the sending system's own scope, out of any API
    caller's reach."""
    check_clock_skew(event, deps.clock.now(), max_skew)
    with deps.uow() as uow:
        received = _receive_in(deps, uow, ownership, event, raw)
        uow.commit()
    return received


def _receive_in(deps: Deps, uow: UnitOfWork, ownership: Mapping[State, System],
                event: SystemEvent, raw: bytes) -> Received:
    scope, key = f"webhook:{event.system}", event.webhook_id
    digest = hashlib.sha256(raw).hexdigest()
    stored = uow.idempotency.get(scope, key)
    if stored is not None:
        if stored.request_hash != digest:
            raise WebhookIdReused(f"webhook-id {event.webhook_id} was used for another body")
        return Received(stored, resent=True)
    answer = StoredResponse(digest, *_decide(deps, uow, ownership, event))
    uow.idempotency.put(scope, key, answer, deps.clock.now())
    return Received(answer, resent=False)


def take_events(deps: Deps, ownership: Mapping[State, System], source: EventSource,
                max_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW) -> Counter[str]:
    """Receive what `source` sent since the last call, as if it had been posted; counts by
    outcome (applied, stale, refused, resent, invalid, deferred). Up to `TOGETHER` events share
    a transaction; when one of them cannot be applied, that share is taken one event at a
    time: an event that cannot be applied is kept as a dead letter with a case (`invalid`) and
    the others are applied all the same; when the store cannot take writes, the rest go back to
    the source (`deferred`)."""
    counts: Counter[str] = Counter()
    batch = source.take_events()
    for start in range(0, len(batch), TOGETHER):
        part = batch[start:start + TOGETHER]
        together = _take_together(deps, ownership, source.system, part, max_skew)
        if together is not None:
            counts.update(together)
            continue
        taken = _take_alone(deps, ownership, source.system, part, max_skew, counts)
        if taken < len(part):
            rest = batch[start + taken:]
            source.give_back(rest)
            counts["deferred"] += len(rest)
            break
    return counts


def _take_together(deps: Deps, ownership: Mapping[State, System], system: str,
                   envelopes: Sequence[dict[str, object]],
                   max_skew: timedelta) -> Counter[str] | None:
    """Every event of `envelopes` applied in one transaction; None, with nothing written, when
    one of them is malformed or fails."""
    try:
        events = [(parse_event(system, str(envelope.get("id", "")), envelope), _raw(envelope))
                  for envelope in envelopes]
        now = deps.clock.now()
        for event, _ in events:
            check_clock_skew(event, now, max_skew)
        with deps.uow() as uow:
            received = [_receive_in(deps, uow, ownership, event, raw) for event, raw in events]
            uow.commit()
    except Exception as error:  # sorted out event by event in `_take_alone`
        if len(envelopes) > 1:
            log.info("%s: %d events could not be applied together (%s: %s); taking them one "
                     "by one", system, len(envelopes), type(error).__name__, error)
        return None
    return Counter("resent" if r.resent else str(r.answer.body["outcome"]) for r in received)


def _take_alone(deps: Deps, ownership: Mapping[State, System], system: str,
                envelopes: Sequence[dict[str, object]], max_skew: timedelta,
                counts: Counter[str]) -> int:
    """Each event in a transaction of its own, counted in `counts`; how many were taken before
    the store stopped taking writes."""
    for index, envelope in enumerate(envelopes):
        try:
            counts[_take_one(deps, ownership, system, envelope, max_skew)] += 1
        except ConcurrencyConflict as error:  # the store is busy or unwritable: keep the rest
            log.warning("%s: events wait until the store takes writes again: %s", system, error)
            return index
    return len(envelopes)


def _raw(envelope: Mapping[str, object]) -> bytes:
    return json.dumps(envelope, sort_keys=True, default=str).encode()


def _take_one(deps: Deps, ownership: Mapping[State, System], system: str,
              envelope: dict[str, object], max_skew: timedelta) -> str:
    """One event of the batch; never raises. A malformed event (schema, clock skew, a reused
    id) or a technical failure after the retries becomes a dead letter with its case; an event
    the effect refuses by a business rule is refused as over HTTP (logged, nothing stored)."""
    raw = _raw(envelope)
    try:
        event = parse_event(system, str(envelope.get("id", "")), envelope)
    except InvalidInput as error:
        return _refused(deps, system, envelope, raw, error, keep=True)
    try:
        received = _retried(deps, lambda: receive_event(deps, ownership, event, raw, max_skew))
    except ConcurrencyConflict:
        raise
    except (InvalidInput, Conflict) as error:
        return _refused(deps, system, envelope, raw, error, keep=_malformed(error))
    except Exception as error:  # one event that cannot be applied must not stop the batch
        return _refused(deps, system, envelope, raw, error, keep=True)
    return "resent" if received.resent else str(received.answer.body["outcome"])


def _malformed(error: ShipshapeError) -> bool:
    """Whether the event itself is wrong (as against refused by the state it would change)."""
    return isinstance(error, InvalidSystemEvent | InvalidEventData | WebhookIdReused)


def _refused(deps: Deps, system: str, envelope: Mapping[str, object], raw: bytes,
             error: Exception, keep: bool) -> str:
    log.warning("%s sent an event that was refused: %s", system, error)
    if keep:
        _dead_letter(deps, system, envelope, raw, error)
    return "invalid"


def _retried(deps: Deps, work: Callable[[], T]) -> T:
    """`work` again while a concurrent writer got there first, up to `deps.max_attempts`."""
    for attempt in range(1, deps.max_attempts + 1):
        try:
            return work()
        except ConcurrencyConflict:
            if attempt == deps.max_attempts:
                raise
    raise ConcurrencyConflict("no attempt was made")


def _dead_letter(deps: Deps, system: str, envelope: Mapping[str, object], raw: bytes,
                 error: Exception) -> None:
    """Keep the refused event as a dead letter of `<system>-inbound`, with its case."""
    data = envelope.get("data")
    order_id = data.get("order_id") if isinstance(data, dict) else None
    message = Message(str(envelope.get("id", ""))[:200],
                      f"events.{system}.{str(envelope.get('type', ''))[:60]}",
                      order_id if isinstance(order_id, str) and len(order_id) <= 40 else "", raw)
    try:
        with deps.uow() as uow:
            record_dead_letter(deps, uow, INBOUND_CONSUMER.format(system=system), message,
                               error, 1, system=system)
            uow.commit()
    except Exception:  # the store is unwritable: say so, and go on with the next event
        log.exception("%s: the refused event %s could not be kept as a dead letter", system,
                      message.id)


def _decide(deps: Deps, uow: UnitOfWork, ownership: Mapping[State, System],
            event: SystemEvent) -> tuple[Outcome, dict[str, object]]:
    finding = ownership_finding(event.system, event.type, event.state, ownership)
    if finding is not None:
        case = open_case(deps, uow, finding, CaseOrigin(
            event.order_id, None, Decimal(0), None, deps.clock.now(),
            source_system=event.system), rule_version="ownership",
            stage=STATE_STAGES[event.state], details={"webhook_id": event.webhook_id}).case
        _record_refused(deps, uow, event, case.id)
        return Outcome.REFUSED, {"outcome": "refused", "code": "OWNERSHIP_VIOLATION",
                                 "case_id": case.id, "detail": finding.message}
    last = uow.system_states.version(event.entity, event.state.value, lock=True)
    if last is not None and event.occurred_at <= last:
        _record_received(deps, uow, event, stale=True)
        return Outcome.STALE, {"outcome": "stale", "detail": f"{event.state.value} of "
                               f"{event.entity} is at {last.isoformat()} already; "
                               "this update is older"}
    uow.system_states.put(event.entity, event.state.value, event.system, event.occurred_at,
                          event.data, deps.clock.now())
    effect = EFFECTS.get(event.type)
    if effect is not None:
        effect(deps, uow, event)
    _record_received(deps, uow, event, stale=False)
    return Outcome.APPLIED, {"outcome": "applied"}


def _record_received(deps: Deps, uow: UnitOfWork, event: SystemEvent, *, stale: bool) -> None:
    """`SystemEventReceived` on the event's order (none when it names no order)."""
    if event.order_id is None:
        return
    uow.events.append([SystemEventReceived(
        occurred_at=deps.clock.now(), order_id=event.order_id, system=event.system,
        webhook_id=event.webhook_id, event_type=event.type, reported_at=event.occurred_at,
        stale=stale)])


def _record_refused(deps: Deps, uow: UnitOfWork, event: SystemEvent, case_id: str) -> None:
    """`SystemEventRefused` on the event's order (none when it names no order)."""
    if event.order_id is None:
        return
    uow.events.append([SystemEventRefused(
        occurred_at=deps.clock.now(), order_id=event.order_id, system=event.system,
        webhook_id=event.webhook_id, event_type=event.type, reported_at=event.occurred_at,
        case_id=case_id)])
