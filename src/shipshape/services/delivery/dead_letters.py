"""Dead letters: events a consumer could not apply, kept with an `INTEGRATION_FAILURE` case."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import IntegrationFailed, WaveReleased
from shipshape.domain.catalogue.base import ORDER, WAVE
from shipshape.domain.integration import OPERATION_STAGES, integration_failure
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import NewDeadLetter, UnitOfWork
from shipshape.services.ports.messaging import Message, event_type_of

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Failed:
    """What a handler's `prepare` returns when a call to another system failed for good."""

    error: Exception
    attempts: int
    system: str
    operation: str


def record_dead_letter(deps: Deps, uow: UnitOfWork, consumer: str, message: Message,
                       error: Exception, attempts: int, system: str | None = None,
                       operation: str | None = None) -> int:
    """Store the message as a dead letter with an `INTEGRATION_FAILURE` case naming the connector
    and operation (or the consumer), and record `IntegrationFailed` on the order."""
    now = deps.clock.now()
    reason = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    finding = integration_failure(system or consumer, operation or "apply", reason, attempts)
    origin = CaseOrigin(message.key or None, None, Decimal(0), None, now,
                        source_system=system or "shipshape")
    case = open_case(deps, uow, finding, origin, rule_version="",
                     stage=OPERATION_STAGES.get(operation or ""),
                     details={"consumer": consumer, "event_id": message.id}).case
    letter_id = uow.dead_letters.add(NewDeadLetter(
        consumer, message.id, message.subject, message.key, message.payload,
        dict(message.headers), system, operation, reason, attempts, case.id), now)
    if message.key:
        key_type = WAVE if event_type_of(message) == WaveReleased.TYPE else ORDER
        uow.events.append([IntegrationFailed(
            occurred_at=now, key=message.key, key_type=key_type, consumer=consumer,
            event_id=message.id, system=system, operation=operation, dead_letter=letter_id,
            case_id=case.id, error=reason)])
    return letter_id
