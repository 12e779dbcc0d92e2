"""Inbound 997 and 999: the acknowledgements partners send for our 855s, 856s, 810s... read
into `AckReport`s, one per AK1 (the group of ours each acknowledges)."""

from __future__ import annotations

from collections.abc import Iterator

from shipshape.adapters.channels.x12.model import Interchange, Segment, TransactionSet, element
from shipshape.domain.edi_acks import (
    AckReport,
    AckStatus,
    ElementNote,
    SegmentNote,
    SetAck,
    x12_status,
)

ACK_SETS = frozenset({"997", "999"})
ACK_FUNCTIONAL_ID = "FA"
SEGMENT_TAGS = {"AK3", "IK3"}
ELEMENT_TAGS = {"AK4", "IK4"}
SET_TRAILERS = {"AK5", "IK5"}


def ack_reports(interchange: Interchange) -> list[AckReport]:
    """Every 997/999 of the interchange's FA groups, read; other sets are left alone."""
    return [report for group in interchange.groups if group.functional_id == ACK_FUNCTIONAL_ID
            for ts in group.transaction_sets if ts.id in ACK_SETS
            for report in _reports(ts, interchange.control_number)]


def _reports(ts: TransactionSet, ack_control: str) -> Iterator[AckReport]:
    reader = _Reader(ts.id, ack_control)
    for segment in ts.segments:
        reader.feed(segment)
    yield from reader.done()


class _Reader:
    """Reads AK1 / AK2 [AK3 [AK4...]...] AK5 ... AK9 (IK3, IK4, IK5 in a 999)."""

    def __init__(self, ack_type: str, ack_control: str) -> None:
        self.ack_type, self.ack_control = ack_type, ack_control
        self.reports: list[AckReport] = []
        self.group: Segment | None = None
        self.sets: list[SetAck] = []
        self.current: Segment | None = None
        self.segments: list[SegmentNote] = []

    def feed(self, segment: Segment) -> None:
        tag = segment[0]
        if tag == "AK1":
            self._close_group(None)
            self.group = segment
        elif tag == "AK2":
            self._close_set(None)
            self.current = segment
        elif tag in SEGMENT_TAGS:
            self.segments.append(SegmentNote(element(segment, 1), element(segment, 2),
                                             element(segment, 4)))
        elif tag in ELEMENT_TAGS and self.segments:
            self._element(segment)
        elif tag in SET_TRAILERS:
            self._close_set(segment)
        elif tag == "AK9":
            self._close_group(segment)

    def _element(self, segment: Segment) -> None:
        last = self.segments[-1]
        position = element(segment, 1).replace(">", ":").replace("^", ":")
        note = ElementNote(position, element(segment, 3), element(segment, 4))
        self.segments[-1] = SegmentNote(last.segment_id, last.position, last.code,
                                        (*last.elements, note))

    def _close_set(self, trailer: Segment | None) -> None:
        if self.current is None:
            return
        code = element(trailer, 1) if trailer else ("E" if self.segments else "A")
        codes = tuple(c for c in (trailer or [])[2:] if c)
        self.sets.append(SetAck(element(self.current, 1), element(self.current, 2),
                                x12_status(code), codes, tuple(self.segments)))
        self.current, self.segments = None, []

    def _close_group(self, trailer: Segment | None) -> None:
        self._close_set(None)
        if self.group is None:
            return
        status = x12_status(element(trailer, 1)) if trailer else _from_sets(self.sets)
        codes = tuple(c for c in (trailer or [])[5:] if c)
        self.reports.append(AckReport("x12", self.ack_type, self.ack_control,
                                      element(self.group, 2), element(self.group, 1), status,
                                      codes, tuple(self.sets)))
        self.group, self.sets = None, []

    def done(self) -> list[AckReport]:
        self._close_group(None)
        return self.reports


def _from_sets(sets: list[SetAck]) -> AckStatus:
    """A group without AK9 (a truncated acknowledgement): rejected when a set is."""
    if any(s.status is AckStatus.REJECTED for s in sets):
        return AckStatus.REJECTED
    return AckStatus.ACCEPTED
