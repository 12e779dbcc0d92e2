"""Events the other systems send in (`POST /api/v1/events/{system}`), applied once, in order,
and only from the system that owns the state they change.

* **Once.** The `webhook-id` is the idempotency key: the first answer is stored and a resend
  gets it again, with no second effect; the same id with another body is refused.
* **Owner.** Each event type changes one state (`INBOUND_EVENTS`); the ownership table names
  the one system allowed to change it. From any other system the event is refused and opens
  an `OWNERSHIP_VIOLATION` case: never a silent overwrite.
* **In order.** The last applied `occurred_at` of each (entity, state) is kept; an event no
  newer than that arrived out of order and is recorded as stale without changing anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from shipshape.domain.cases import CaseOrigin, open_case
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.events import Event
from shipshape.domain.integration import (
    INBOUND_EVENTS,
    STATE_STAGES,
    State,
    System,
    SystemEvent,
    ownership_finding,
)
from shipshape.services.deps import Deps
from shipshape.services.effects import EFFECTS
from shipshape.services.ports import StoredResponse, UnitOfWork

log = logging.getLogger(__name__)
RECEIVED = "SystemEventReceived"
REFUSED = "SystemEventRefused"


class InvalidSystemEvent(InvalidInput):
    """The event cannot be read: unknown type, no entity, a bad timestamp."""


class WebhookIdReused(Conflict):
    """The same webhook-id came with a different body."""


def parse_event(system: str, webhook_id: str, body: Mapping[str, object]) -> SystemEvent:
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in INBOUND_EVENTS:
        raise InvalidSystemEvent(f"unknown event type {kind!r}; known: "
                                 + ", ".join(sorted(INBOUND_EVENTS)))
    try:
        occurred = datetime.fromisoformat(str(body.get("occurred_at")))
    except ValueError as error:
        raise InvalidSystemEvent("occurred_at must be an ISO 8601 time with its offset") from error
    if occurred.tzinfo is None:
        raise InvalidSystemEvent("occurred_at must carry its UTC offset")
    data = body.get("data")
    if not isinstance(data, dict):
        raise InvalidSystemEvent("data must be an object")
    event = SystemEvent(System(system).value, webhook_id, kind, occurred, data)
    _ = event.entity
    return event


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


def receive_event(deps: Deps, ownership: Mapping[State, System], event: SystemEvent,
                  raw: bytes) -> Received:
    """Apply `event` once; returns the answer (status and body), the stored one on a resend."""
    key = f"webhook:{event.system}:{event.webhook_id}"
    digest = hashlib.sha256(raw).hexdigest()
    with deps.uow() as uow:
        stored = uow.idempotency.get(key)
        if stored is not None:
            if stored.request_hash != digest:
                raise WebhookIdReused(f"webhook-id {event.webhook_id} was used for another body")
            return Received(stored, resent=True)
        answer = StoredResponse(digest, *_decide(deps, uow, ownership, event))
        uow.idempotency.put(key, answer, deps.clock.now())
        uow.commit()
    return Received(answer, resent=False)


def take_events(deps: Deps, ownership: Mapping[State, System],
                source: EventSource) -> Counter[str]:
    """Receive what `source` sent since the last call, as if it had been posted; counts by
    outcome (applied, stale, refused, resent, invalid)."""
    counts: Counter[str] = Counter()
    for envelope in source.take_events():
        raw = json.dumps(envelope, sort_keys=True, default=str).encode()
        try:
            event = parse_event(source.system, str(envelope.get("id", "")), envelope)
            received = receive_event(deps, ownership, event, raw)
        except (InvalidInput, Conflict) as error:
            log.warning("%s sent an event that was refused: %s", source.system, error)
            counts["invalid"] += 1
            continue
        counts["resent" if received.resent else str(received.answer.body["outcome"])] += 1
    return counts


def _decide(deps: Deps, uow: UnitOfWork, ownership: Mapping[State, System],
            event: SystemEvent) -> tuple[int, dict[str, object]]:
    finding = ownership_finding(event.system, event.type, event.state, ownership)
    if finding is not None:
        case = open_case(deps.new_id("exc"), finding, CaseOrigin(
            event.order_id, None, Decimal(0), None, deps.clock.now(),
            source_system=event.system), rule_version="ownership")
        case.stage = STATE_STAGES[event.state]
        case.details = {**case.details, "webhook_id": event.webhook_id}
        uow.cases.add(case)
        _record(deps, uow, REFUSED, event, {"case_id": case.id})
        return 409, {"outcome": "refused", "code": "OWNERSHIP_VIOLATION", "case_id": case.id,
                     "detail": finding.message}
    last = uow.system_states.version(event.entity, event.state.value, lock=True)
    if last is not None and event.occurred_at <= last:
        _record(deps, uow, RECEIVED, event, {"stale": True})
        return 200, {"outcome": "stale", "detail": f"{event.state.value} of {event.entity} "
                     f"is at {last.isoformat()} already; this update is older"}
    uow.system_states.put(event.entity, event.state.value, event.system, event.occurred_at,
                          event.data, deps.clock.now())
    effect = EFFECTS.get(event.type)
    if effect is not None:
        effect(deps, uow, event)
    _record(deps, uow, RECEIVED, event, {"stale": False})
    return 200, {"outcome": "applied"}


def _record(deps: Deps, uow: UnitOfWork, kind: str, event: SystemEvent,
            extra: dict[str, object]) -> None:
    if event.order_id is None:
        return
    uow.events.append([Event(kind, event.order_id, deps.clock.now(), {
        "system": event.system, "webhook_id": event.webhook_id, "event_type": event.type,
        "occurred_at": event.occurred_at.isoformat(), **extra})])
