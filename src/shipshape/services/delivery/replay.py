"""`shipshape dlq`: list the dead letters and replay them, each applied once.

A replay runs the consumer's handler again on the stored message. Its effects, the inbox row
of `<consumer>:replay` and the dead letter's change to `replayed` commit together, and the
change is conditional on the letter still being open: a letter replayed twice, or by two
people at once, is applied once. Calls to other systems carry the original event id as their
idempotency key, so a call repeated by a replay that lost that race is applied once too. The
letter's `INTEGRATION_FAILURE` case is resolved by the replay that applied it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.dead_letters import Failed
from shipshape.services.deps import Deps
from shipshape.services.ports import DeadLetter
from shipshape.services.ports.messaging import Message

REPLAY_SUFFIX = ":replay"


@dataclass(frozen=True, slots=True)
class ReplayResult:
    letter_id: int
    outcome: str
    """replayed, already (not open), unknown (no such letter), failed (still failing) or
    no-handler (no consumer of that name runs here)."""
    detail: str = ""


def open_letters(deps: Deps, limit: int = 1000) -> list[DeadLetter]:
    with deps.uow.reading() as uow:
        return uow.dead_letters.open(limit)


def message_of(letter: DeadLetter) -> Message:
    return Message(letter.event_id, letter.subject, letter.key, letter.payload,
                   dict(letter.headers))


def replay(deps: Deps, handlers: Mapping[str, Handler], letter_id: int,
           actor: str = "cli") -> ReplayResult:
    with deps.uow.reading() as uow:
        letter = uow.dead_letters.get(letter_id)
    if letter is None:
        return ReplayResult(letter_id, "unknown", "no dead letter has this id")
    if letter.status != "open":
        return ReplayResult(letter_id, "already", f"{letter.status} at {letter.replayed_at}")
    handler = handlers.get(letter.consumer)
    if handler is None:
        return ReplayResult(letter_id, "no-handler", f"no consumer {letter.consumer!r} here")
    try:
        return _run(deps, handler, letter, actor)
    except Exception as error:
        return ReplayResult(letter_id, "failed", f"{type(error).__name__}: {error}")


def replay_all(deps: Deps, handlers: Mapping[str, Handler],
               actor: str = "cli") -> list[ReplayResult]:
    return [replay(deps, handlers, letter.id, actor) for letter in open_letters(deps)]


def _run(deps: Deps, handler: Handler, letter: DeadLetter, actor: str) -> ReplayResult:
    message = message_of(letter)
    prepared = handler.prepare(message)
    if isinstance(prepared, Failed):
        return ReplayResult(letter.id, "failed", str(prepared.error))
    now = deps.clock.now()
    with deps.uow() as uow:
        if not uow.dead_letters.mark_replayed(letter.id, now):
            return ReplayResult(letter.id, "already", "replayed meanwhile by someone else")
        if uow.inbox.record(letter.consumer + REPLAY_SUFFIX, letter.event_id, now):
            handler.apply(uow, message, prepared)
        if letter.case_id:
            uow.cases.resolve(letter.case_id, "dlq_replay", f"dead letter {letter.id} replayed",
                              actor, now, automatic=False)
        uow.commit()
    return ReplayResult(letter.id, "replayed")
