"""Acknowledgements: 997 per functional group, TA1 on envelope errors, 855 per order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from shipshape.adapters.channels.x12.errors import SegmentError
from shipshape.adapters.channels.x12.model import (
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
    element,
)
from shipshape.adapters.channels.x12.po850 import Line850, Order850
from shipshape.adapters.channels.x12.writer import (
    Reply,
    clean,
    echo,
    functional_group,
    interchange,
    x12_date,
    x12_decimal,
)
from shipshape.domain.partners import OurIdentity

SEGMENTS_IN_ERROR = "5"
MAX_AK5_CODES = 5
AK404_LIMIT = 99
FIRST_5010_VERSION = "005010"


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    HELD = "held"
    REJECTED = "rejected"


ACK01_CODES = {LineStatus.ACCEPTED: "IA", LineStatus.HELD: "IH", LineStatus.REJECTED: "IR"}
QUANTITY_CHANGED = "IQ"


@dataclass(frozen=True, slots=True)
class LineOutcome:
    """What became of a line; `quantity` when less (or more) than ordered was accepted."""

    status: LineStatus
    quantity: int | None = None


@dataclass(frozen=True, slots=True)
class SetResult:
    """How a transaction set fared beyond its envelope: the mapper's AK3/AK4 and extra AK5 codes."""

    transaction_set: TransactionSet
    segment_errors: tuple[SegmentError, ...] = ()
    codes: tuple[str, ...] = ()

    @property
    def all_segment_errors(self) -> tuple[SegmentError, ...]:
        return tuple(self.transaction_set.segment_errors) + self.segment_errors

    @property
    def ak5_codes(self) -> tuple[str, ...]:
        codes = [e.code for e in self.transaction_set.errors] + list(self.codes)
        if self.all_segment_errors:
            codes.append(SEGMENTS_IN_ERROR)
        return tuple(dict.fromkeys(codes))

    @property
    def accepted(self) -> bool:
        return not self.ak5_codes


def set_result(ts: TransactionSet, orders: Sequence[Order850] = (),
               codes: Sequence[str] = ()) -> SetResult:
    """The result of a set from the orders mapped out of it (store splits share their errors)."""
    errors = dict.fromkeys(e for order in orders for e in order.all_errors)
    return SetResult(ts, tuple(errors), tuple(codes))


def build_997(interchange_: Interchange, group: FunctionalGroup,
              set_results: Sequence[SetResult] | None, control_number: int,
              our: OurIdentity, at: datetime | None = None) -> str:
    """A 997 for one functional group: AK1, AK2..AK5 per set, AK9."""
    moment = at or datetime.now(UTC)
    reply = Reply.to_interchange(interchange_, group)
    results = [_result_for(ts, set_results or ()) for ts in group.transaction_sets]
    ak1 = ["AK1", group.functional_id, group.control_number]
    if group.version[:6] >= FIRST_5010_VERSION:
        ak1.append(group.version)
    body = echo([ak1, *(s for result in results for s in _ak2_loop(result, reply)),
                 _ak9(group, results)], reply.separators)
    content = functional_group(reply, our, control_number, moment, "FA", [("997", body)])
    return interchange(reply, our, control_number, moment, content, groups=1)


def ta1_note(interchange_: Interchange) -> str:
    """The TA105 note for an interchange: its first envelope error, or 000."""
    return next((e.code for e in interchange_.envelope_errors), "000")


def build_ta1(interchange_: Interchange, note_code: str, control_number: int,
              our: OurIdentity, at: datetime | None = None, ack_code: str | None = None) -> str:
    """A TA1 alone in an interchange: A with note 000, otherwise R unless `ack_code` says E."""
    moment = at or datetime.now(UTC)
    reply = Reply.to_interchange(interchange_, None)
    code = ack_code or ("A" if note_code == "000" else "R")
    ta1 = ["TA1", interchange_.control_number, interchange_.date, interchange_.time,
           code, note_code]
    return interchange(reply, our, control_number, moment, echo([ta1], reply.separators),
                       groups=0)


def build_855(order: Order850, outcome: LineStatus | Mapping[int, LineStatus | LineOutcome],
              control_number: int, our: OurIdentity, at: datetime | None = None) -> str:
    """An 855: BAK (AD all accepted, RD all rejected, AH all held, AC otherwise), PO1 + ACK."""
    moment = at or datetime.now(UTC)
    reply = Reply.to_envelope(order.envelope)
    outcomes = [_outcome(line, outcome) for line in order.lines]
    codes = [_ack01(line, result) for line, result in zip(order.lines, outcomes, strict=True)]
    body: list[Segment] = [_bak(order, codes, moment, reply.version)]
    for line, result, code in zip(order.lines, outcomes, codes, strict=True):
        body += _po1_loop(order, line, result, code)
    quantities = [line.quantity or 0 for line in order.lines]
    body.append(["CTT", str(len(order.lines)), str(sum(quantities))])
    content = functional_group(reply, our, control_number, moment, "PR",
                               [("855", echo(body, reply.separators))])
    return interchange(reply, our, control_number, moment, content, groups=1)


def _result_for(ts: TransactionSet, results: Sequence[SetResult]) -> SetResult:
    return next((r for r in results if r.transaction_set is ts), SetResult(ts))


def _ak2_loop(result: SetResult, reply: Reply) -> list[Segment]:
    ts = result.transaction_set
    segments: list[Segment] = [["AK2", ts.id, ts.control_number]]
    for error in sorted(result.all_segment_errors, key=lambda e: e.position):
        segments.append(["AK3", error.segment_id, str(error.position), "", error.code])
        segments += [["AK4", str(e.position), e.reference, e.code,
                      clean(e.value, reply.separators, AK404_LIMIT)] for e in error.elements]
    codes = result.ak5_codes[:MAX_AK5_CODES]
    segments.append(["AK5", "R" if codes else "A", *codes])
    return segments


def _ak9(group: FunctionalGroup, results: list[SetResult]) -> Segment:
    received = len(results)
    group_codes = list(dict.fromkeys(e.code for e in group.errors))[:MAX_AK5_CODES]
    accepted = 0 if group_codes else sum(1 for r in results if r.accepted)
    if group_codes or (received and not accepted):
        status = "R"
    else:
        status = "A" if accepted == received else "P"
    stated = element(group.trailer or ["GE"], 1)
    included = stated if stated.isascii() and stated.isdigit() else str(received)
    return ["AK9", status, included, str(received), str(accepted), *group_codes]


def _outcome(line: Line850, outcome: LineStatus | Mapping[int, LineStatus | LineOutcome]
             ) -> LineOutcome:
    if isinstance(outcome, LineStatus):
        return LineOutcome(outcome)
    found = outcome.get(line.line_no)
    if found is None:
        raise ValueError(f"no outcome for line {line.line_no}")
    return found if isinstance(found, LineOutcome) else LineOutcome(found)


def _ack01(line: Line850, result: LineOutcome) -> str:
    changed = result.quantity is not None and result.quantity != line.quantity
    if result.status is LineStatus.ACCEPTED and changed:
        return QUANTITY_CHANGED
    return ACK01_CODES[result.status]


def _bak(order: Order850, codes: list[str], moment: datetime, version: str) -> Segment:
    distinct = set(codes)
    if distinct <= {"IA"}:
        kind = "AD"
    elif distinct == {"IR"}:
        kind = "RD"
    elif distinct == {"IH"}:
        kind = "AH"
    else:
        kind = "AC"
    return ["BAK", "00", kind, order.po_number,
            x12_date(_as_datetime(order) or moment, version), order.release, "", "",
            order.draft.external_id]


def _as_datetime(order: Order850) -> datetime | None:
    if order.po_date is None:
        return None
    return datetime(order.po_date.year, order.po_date.month, order.po_date.day)


def _po1_loop(order: Order850, line: Line850, result: LineOutcome, code: str) -> list[Segment]:
    ids = [value for pair in line.item_ids for value in pair]
    po1 = ["PO1", line.po101, x12_decimal(line.quantity), line.uom or "",
           x12_decimal(line.unit_price), line.price_basis or "", *ids]
    segments: list[Segment] = [po1]
    if order.store is not None:
        segments.append(["SDQ", line.uom or "EA", line.store_qualifier or "92", order.store,
                         x12_decimal(line.quantity)])
    segments.append(["ACK", code, x12_decimal(_acknowledged(line, result)), line.uom or ""])
    return segments


def _acknowledged(line: Line850, result: LineOutcome) -> int | None:
    if result.status is LineStatus.REJECTED:
        return 0 if line.quantity is not None else None
    return result.quantity if result.quantity is not None else line.quantity
