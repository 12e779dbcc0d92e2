"""Take a whole EDI file: read every interchange first, then receive each in its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from shipshape.adapters.channels.edifact_intake import read_edifact
from shipshape.adapters.channels.x12_intake import read_x12
from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import OurIdentity
from shipshape.services.deps import Deps
from shipshape.services.edi import (
    InterchangeHandler,
    InterchangeOutcome,
    receive_interchange,
    unknown_senders,
)
from shipshape.services.intake import IntakeResult

Standard = Literal["x12", "edifact"]


class UnknownSender(InvalidInput):
    code = "UNKNOWN_SENDER"


@dataclass(frozen=True, slots=True)
class FileOutcome:
    interchanges: tuple[InterchangeOutcome, ...]

    @property
    def all_duplicates(self) -> bool:
        return bool(self.interchanges) and all(i.duplicate for i in self.interchanges)

    @property
    def created(self) -> int:
        return sum(1 for i in self.interchanges for r in i.results
                   if isinstance(r, IntakeResult) and r.status_code == 201)


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
                 at: datetime | None = None) -> FileOutcome:
    """Unreadable input raises before anything is stored; each interchange is atomic."""
    moment = at or datetime.now(UTC)
    handlers: Sequence[InterchangeHandler] = (
        read_x12(raw, our, moment) if standard == "x12" else read_edifact(raw, our, moment))
    if not handlers:
        raise InvalidInput(f"the {standard} data holds no interchange")
    unknown = unknown_senders(deps, handlers)
    if unknown:
        raise UnknownSender(f"no trading partner is configured for sender {', '.join(unknown)}; "
                            "load one with `shipshape partners load`")
    return FileOutcome(tuple(receive_interchange(deps, h) for h in handlers))


def outcome_json(outcome: FileOutcome) -> dict[str, object]:
    return {"interchanges": [_interchange_json(i) for i in outcome.interchanges]}


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
    }
