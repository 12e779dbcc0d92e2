"""Acknowledgements: 997 per functional group, TA1 on envelope errors (the 855: `po855`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shipshape.adapters.channels.x12.errors import SegmentError
from shipshape.adapters.channels.x12.model import (
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
    element,
)
from shipshape.adapters.channels.x12.po850 import Order850
from shipshape.adapters.channels.x12.writer import (
    Reply,
    clean,
    echo,
    functional_group,
    interchange,
)
from shipshape.domain.partners import OurIdentity

SEGMENTS_IN_ERROR = "5"
MAX_AK5_CODES = 5
AK404_LIMIT = 99
FIRST_5010_VERSION = "005010"


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
