"""What a parsed X12 file holds: interchanges, functional groups, transaction sets."""

from __future__ import annotations

from dataclasses import dataclass, field

from shipshape.adapters.channels.x12.errors import EnvelopeError, SegmentError

Segment = list[str]
"""A segment as its elements; element 0 is the segment id."""


@dataclass(frozen=True, slots=True)
class Separators:
    element: str
    component: str
    segment: str
    repetition: str | None = None

    @property
    def reserved(self) -> str:
        return self.element + self.component + self.segment + (self.repetition or "")


@dataclass(frozen=True, slots=True)
class Envelope:
    """The ISA/GS context of a transaction set: who sent it, how, and under which numbers."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    interchange_control: str
    isa_version: str
    isa11: str
    usage_indicator: str
    separators: Separators
    functional_id: str
    group_sender: str
    group_receiver: str
    group_control: str
    group_version: str


@dataclass(slots=True)
class TransactionSet:
    id: str
    control_number: str
    segments: list[Segment]
    """ST to SE inclusive, so that segments[i] is at AK3 position i + 1."""
    envelope: Envelope
    errors: list[EnvelopeError] = field(default_factory=list)
    segment_errors: list[SegmentError] = field(default_factory=list)


@dataclass(slots=True)
class FunctionalGroup:
    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    version: str
    transaction_sets: list[TransactionSet] = field(default_factory=list)
    errors: list[EnvelopeError] = field(default_factory=list)
    trailer: Segment | None = None


@dataclass(slots=True)
class Interchange:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    control_number: str
    version: str
    usage_indicator: str
    ack_requested: str
    separators: Separators
    isa: Segment
    isa_length: int
    """Characters from "ISA" to the segment terminator, line breaks added by wrapping excluded."""
    groups: list[FunctionalGroup] = field(default_factory=list)
    envelope_errors: list[EnvelopeError] = field(default_factory=list)
    trailer: Segment | None = None
    ta1: list[Segment] = field(default_factory=list)
    """TA1 segments (interchange acknowledgements) carried outside any group."""
    source: bytes = field(default=b"", compare=False, repr=False)
    """The interchange's own bytes as received, "ISA" through the IEA's terminator."""

    @property
    def isa11(self) -> str:
        return self.isa[11]


def element(segment: Segment, position: int) -> str:
    """The element at an X12 position (1-based), or "" when the segment is shorter."""
    return segment[position] if position < len(segment) else ""
