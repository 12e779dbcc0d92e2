"""Take a whole EDI file: read its interchanges first, then receive each in its transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Literal

from shipshape.adapters.channels.edifact.intake import read_edifact
from shipshape.adapters.channels.x12.intake import read_x12
from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import OurIdentity
from shipshape.services.deps import Deps
from shipshape.services.edi_intake import (
    InterchangeHandler,
    InterchangeOutcome,
    receive_interchange,
    unknown_senders,
)
from shipshape.services.intake import IntakeResult
from shipshape.services.outcomes import Outcome

Standard = Literal["x12", "edifact"]
TRAILERS = {"x12": "IEA", "edifact": "UNZ"}


class UnknownSender(InvalidInput):
    code = "UNKNOWN_SENDER"


class TooManyInterchanges(InvalidInput):
    code = "TOO_MANY_INTERCHANGES"


def _not_gone() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """How much of one body is taken: interchanges, seconds, and while the sender waits."""

    max_interchanges: int | None = None
    """More in one body are refused before anything is stored."""
    seconds: float | None = None
    """Spent, no further interchange is started (the first one always is)."""
    gone: Callable[[], bool] = _not_gone
    """True once the sender has stopped waiting for the answer."""
    clock: Callable[[], float] = time.monotonic


UNBOUNDED = BodyLimits()


@dataclass(frozen=True, slots=True)
class Stopped:
    """A body taken in part: its first `taken` interchanges, each complete, and no other."""

    reason: str
    taken: int
    total: int
    resume_from: str
    """The control number of the first interchange not taken."""


@dataclass(frozen=True, slots=True)
class FileOutcome:
    interchanges: tuple[InterchangeOutcome, ...]
    stopped: Stopped | None = None

    @property
    def all_duplicates(self) -> bool:
        return bool(self.interchanges) and all(i.duplicate for i in self.interchanges)

    @property
    def created(self) -> int:
        return sum(1 for i in self.interchanges for r in i.results
                   if isinstance(r, IntakeResult) and r.outcome is Outcome.CREATED)


def standard_of(name: str, head: bytes) -> Standard:
    """By file extension, else by the first segment's tag."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("x12", "850", "edi") and head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"ISA"):
        return "x12"
    if head.lstrip(b"\xef\xbb\xbf \r\n\t")[:3] in (b"UNA", b"UNB"):
        return "edifact"
    if suffix == "x12":
        return "x12"
    raise InvalidInput(f"{name}: neither X12 (ISA) nor EDIFACT (UNA/UNB) at the start")


def receive_file(deps: Deps, raw: bytes, standard: Standard, our: OurIdentity,
                 at: datetime | None = None, limits: BodyLimits = UNBOUNDED) -> FileOutcome:
    """Unreadable input raises before anything is stored; each interchange is atomic.

    Within `limits`: a body of too many interchanges is refused before anything is stored;
    when time runs out or the sender has gone, what was taken stays and the rest is left.
    """
    moment = at or datetime.now(UTC)
    deadline = None if limits.seconds is None else limits.clock() + limits.seconds
    handlers = _read(raw, standard, our, moment, limits.max_interchanges)
    unknown = unknown_senders(deps, handlers)
    if unknown:
        raise UnknownSender(f"no trading partner is configured for sender {', '.join(unknown)}; "
                            "load one with `shipshape partners load`")
    taken: list[InterchangeOutcome] = []
    for handler in handlers:
        reason = _reason_to_stop(limits, deadline, started=bool(taken))
        if reason:
            return FileOutcome(tuple(taken), Stopped(reason, len(taken), len(handlers),
                                                     handler.control_number))
        taken.append(receive_interchange(deps, handler))
    return FileOutcome(tuple(taken))


def _read(raw: bytes, standard: Standard, our: OurIdentity, moment: datetime,
          most: int | None) -> list[InterchangeHandler]:
    found: Iterable[InterchangeHandler] = (
        read_x12(raw, our, moment) if standard == "x12" else read_edifact(raw, our, moment))
    handlers = list(found if most is None else islice(found, most + 1))
    if not handlers:
        raise InvalidInput(f"the {standard} data holds no interchange")
    if most is not None and len(handlers) > most:
        raise TooManyInterchanges(
            f"the body holds more than {most} interchanges, the most taken in one request "
            f"(SHIPSHAPE_EDI_MAX_INTERCHANGES); nothing was stored: split the file after an "
            f"{TRAILERS[standard]} into parts of at most {most} interchanges and send each, "
            "or take the whole file with `shipshape ingest FILE`")
    return handlers


def _reason_to_stop(limits: BodyLimits, deadline: float | None, started: bool) -> str | None:
    if limits.gone():
        return "the sender stopped waiting for the answer"
    if started and deadline is not None and limits.clock() >= deadline:
        return (f"the time for one request ({limits.seconds:g} s, "
                "SHIPSHAPE_EDI_TIME_BUDGET_S) was spent")
    return None


def outcome_json(outcome: FileOutcome) -> dict[str, object]:
    return {"interchanges": [_interchange_json(i) for i in outcome.interchanges]}


def stopped_detail(stopped: Stopped) -> str:
    """One line for the sender of a body taken in part: what was taken, where to go on."""
    return (f"stopped after {stopped.taken} of {stopped.total} interchanges, each taken whole: "
            f"{stopped.reason}; send the rest, from interchange {stopped.resume_from} on")


def _interchange_json(outcome: InterchangeOutcome) -> dict[str, object]:
    return {
        "partner_id": outcome.partner_id,
        "interchange_id": outcome.interchange_id,
        "duplicate": outcome.duplicate,
        "orders": [r.body if isinstance(r, IntakeResult) else {"status": "rejected",
                                                                  "error": str(r)}
                   for r in outcome.results],
        "acknowledgements": [{"type": a.doc_type, "control_number": a.control_number,
                              "text": a.text} for a in outcome.acknowledgements],
        "changes": [c.as_json() for c in outcome.changes],
    }
