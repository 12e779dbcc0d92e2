"""Interchange structure (ISA/GS/ST ... SE/GE/IEA) and its envelope checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from shipshape.adapters.channels.x12.errors import EnvelopeError, SegmentError
from shipshape.adapters.channels.x12.model import (
    Envelope,
    FunctionalGroup,
    Interchange,
    Segment,
    Separators,
    TransactionSet,
    element,
)

ISA_LENGTH = 106
SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
FUNCTIONAL_IDS = {"850": "PO", "855": "PR", "856": "SH", "810": "IN", "997": "FA", "860": "PC",
                  "204": "SM", "210": "IM", "214": "QM", "990": "GF", "832": "SC", "820": "RA"}


def _ascii_digits(size: int) -> Callable[[str], bool]:
    return lambda value: len(value) == size and value.isascii() and value.isdigit()


def _moment(pattern: str) -> Callable[[str], bool]:
    def valid(value: str) -> bool:
        try:
            datetime.strptime(value, pattern)
        except ValueError:
            return False
        return value.isascii() and value.isdigit()
    return valid


def _qualifier(value: str) -> bool:
    return len(value.strip()) == 2 and value.isascii() and value.isalnum()


ISA_RULES: tuple[tuple[int, str, Callable[[str], bool]], ...] = (
    (5, "005", _qualifier),
    (6, "006", lambda value: value.strip() != ""),
    (7, "007", _qualifier),
    (8, "008", lambda value: value.strip() != ""),
    (9, "014", _moment("%y%m%d")),
    (10, "015", _moment("%H%M")),
    (12, "017", _ascii_digits(5)),
    (13, "018", _ascii_digits(9)),
    (14, "019", lambda value: value in ("0", "1")),
    (15, "020", lambda value: value in ("P", "T", "I")),
)


def new_interchange(isa: Segment, separators: Separators, isa_length: int) -> Interchange:
    """An interchange with its ISA read and nothing else yet."""
    return Interchange(
        sender_qualifier=isa[5].strip(), sender_id=isa[6].strip(),
        receiver_qualifier=isa[7].strip(), receiver_id=isa[8].strip(),
        date=isa[9], time=isa[10], control_number=isa[13], version=isa[12],
        usage_indicator=isa[15], ack_requested=isa[14], separators=separators,
        isa=isa, isa_length=isa_length)


def assemble(interchange: Interchange, segments: list[Segment]) -> Interchange:
    """Sort the segments after the ISA into groups and sets, then run the envelope checks."""
    builder = _Builder(interchange)
    for segment in segments:
        builder.feed(segment)
    check(interchange)
    return interchange


def validate(interchange: Interchange) -> list[EnvelopeError]:
    """Every envelope error of the interchange, its groups and its transaction sets."""
    errors = list(interchange.envelope_errors)
    for group in interchange.groups:
        errors.extend(group.errors)
        for transaction_set in group.transaction_sets:
            errors.extend(transaction_set.errors)
    return errors


class _Builder:
    def __init__(self, interchange: Interchange) -> None:
        self.interchange = interchange
        self.group: FunctionalGroup | None = None
        self.set: TransactionSet | None = None
        self.stray = False
        self.handlers: dict[str, Callable[[Segment], None]] = {
            "GS": self._gs, "GE": self._ge, "ST": self._st, "SE": self._se, "IEA": self._iea,
            "TA1": self._ta1}

    def feed(self, segment: Segment) -> None:
        self.handlers.get(segment[0], self._body)(segment)

    def _gs(self, segment: Segment) -> None:
        self._close_group()
        self.stray = False
        self.group = FunctionalGroup(
            functional_id=element(segment, 1), sender=element(segment, 2),
            receiver=element(segment, 3), date=element(segment, 4), time=element(segment, 5),
            control_number=element(segment, 6), version=element(segment, 8))
        self.interchange.groups.append(self.group)

    def _ge(self, segment: Segment) -> None:
        if self.group is None:
            self._stray(segment)
            return
        self._close_set()
        self.group.trailer = segment
        self.group = None

    def _st(self, segment: Segment) -> None:
        if self.group is None:
            self._stray(segment)
            return
        self._close_set()
        self.stray = False
        self.set = TransactionSet(id=element(segment, 1), control_number=element(segment, 2),
                                  segments=[segment], envelope=_envelope(self.interchange,
                                                                         self.group))
        self.group.transaction_sets.append(self.set)

    def _se(self, segment: Segment) -> None:
        if self.set is None:
            self._stray(segment)
            return
        self.set.segments.append(segment)
        self.set = None

    def _iea(self, segment: Segment) -> None:
        self._close_group()
        self.interchange.trailer = segment

    def _ta1(self, segment: Segment) -> None:
        if self.group is not None:
            self._body(segment)
            return
        self.interchange.ta1.append(segment)

    def _body(self, segment: Segment) -> None:
        if self.set is None:
            self._stray(segment)
            return
        self.set.segments.append(segment)

    def _stray(self, segment: Segment) -> None:
        if not self.stray:
            where = "a transaction set" if self.group else "a functional group"
            self.interchange.envelope_errors.append(EnvelopeError(
                "interchange", "024", f"{segment[0][:3]!r} segment outside {where}",
                self.interchange.control_number))
        self.stray = True

    def _close_set(self) -> None:
        if self.set is not None:
            self.set.errors.append(EnvelopeError(
                "set", "2", f"transaction set {self.set.control_number} has no SE",
                self.set.control_number))
        self.set = None

    def _close_group(self) -> None:
        self._close_set()
        if self.group is not None:
            self.group.errors.append(EnvelopeError(
                "group", "3", f"functional group {self.group.control_number} has no GE",
                self.group.control_number))
        self.group = None


def _envelope(interchange: Interchange, group: FunctionalGroup) -> Envelope:
    return Envelope(
        sender_qualifier=interchange.sender_qualifier, sender_id=interchange.sender_id,
        receiver_qualifier=interchange.receiver_qualifier,
        receiver_id=interchange.receiver_id, interchange_control=interchange.control_number,
        isa_version=interchange.version, isa11=interchange.isa11,
        usage_indicator=interchange.usage_indicator, separators=interchange.separators,
        functional_id=group.functional_id, group_sender=group.sender,
        group_receiver=group.receiver, group_control=group.control_number,
        group_version=group.version)


def check(interchange: Interchange) -> None:
    """Add the ISA, count and control-number errors to the interchange, groups and sets."""
    _check_isa(interchange)
    seen: set[str] = set()
    for group in interchange.groups:
        _check_group(group, seen)
        seen.add(group.control_number)


def _check_isa(interchange: Interchange) -> None:
    control = interchange.control_number
    errors = interchange.envelope_errors

    def fault(code: str, message: str) -> None:
        errors.append(EnvelopeError("interchange", code, message, control))

    if interchange.isa_length != ISA_LENGTH:
        fault("022", f"the ISA is {interchange.isa_length} characters, not {ISA_LENGTH}")
    for position, code, valid in ISA_RULES:
        if not valid(interchange.isa[position]):
            fault(code, f"ISA{position:02d} {interchange.isa[position]!r} is invalid")
    trailer = interchange.trailer or ["IEA"]
    if element(trailer, 2) != control:
        fault("001", f"ISA13 {control!r} and IEA02 {element(trailer, 2)!r} do not match")
    if not _count_is(element(trailer, 1), len(interchange.groups)):
        fault("021", f"IEA01 says {element(trailer, 1)!r} groups, "
                     f"the interchange has {len(interchange.groups)}")


def _check_group(group: FunctionalGroup, seen: set[str]) -> None:
    control = group.control_number

    def fault(code: str, message: str) -> None:
        group.errors.append(EnvelopeError("group", code, message, control))

    if not (1 <= len(control) <= 9 and control.isascii() and control.isdigit()):
        fault("6", f"GS06 {control!r} is not a control number")
    if control in seen:
        fault("19", f"group control number {control} is used twice in the interchange")
    if group.trailer is not None:
        if element(group.trailer, 2) != control:
            fault("4", f"GS06 {control!r} and GE02 {element(group.trailer, 2)!r} do not match")
        count = len(group.transaction_sets)
        if not _count_is(element(group.trailer, 1), count):
            fault("5", f"GE01 says {element(group.trailer, 1)!r} sets, the group has {count}")
    sets_seen: set[str] = set()
    for transaction_set in group.transaction_sets:
        _check_set(transaction_set, group.functional_id, sets_seen)
        sets_seen.add(transaction_set.control_number)


def _check_set(transaction_set: TransactionSet, functional_id: str, seen: set[str]) -> None:
    ts, control = transaction_set, transaction_set.control_number

    def fault(code: str, message: str) -> None:
        ts.errors.append(EnvelopeError("set", code, message, control))

    expected_group = FUNCTIONAL_IDS.get(ts.id)
    if not (len(ts.id) == 3 and ts.id.isalnum()) or expected_group not in (None, functional_id):
        fault("6", f"ST01 {ts.id!r} does not belong in a {functional_id!r} group")
    if not 4 <= len(control) <= 9:
        fault("7", f"ST02 {control!r} is not a control number")
    if control in seen:
        fault("23", f"ST02 {control} is used twice in the group")
    _check_trailer(ts, fault)
    _check_segment_ids(ts, fault)


def _check_trailer(ts: TransactionSet, fault: Callable[[str, str], None]) -> None:
    trailer = ts.segments[-1]
    if trailer[0] != "SE" or len(ts.segments) < 2:
        return
    if element(trailer, 2) != ts.control_number:
        fault("3", f"ST02 {ts.control_number!r} and SE02 {element(trailer, 2)!r} do not match")
    if not _count_is(element(trailer, 1), len(ts.segments)):
        fault("4", f"SE01 says {element(trailer, 1)!r} segments, the set has "
                   f"{len(ts.segments)}")


def _check_segment_ids(ts: TransactionSet, fault: Callable[[str, str], None]) -> None:
    for position, segment in enumerate(ts.segments, start=1):
        if not SEGMENT_ID.fullmatch(segment[0]):
            ts.segment_errors.append(SegmentError(segment[0][:3], position, "1",
                                                  f"{segment[0][:10]!r} is not a segment id"))
    if ts.segment_errors:
        fault("5", "one or more segments in error")


def _count_is(value: str, count: int) -> bool:
    return len(value) <= 10 and value.isascii() and value.isdigit() and int(value) == count
