"""Inbound CONTRL: a partner's syntax acknowledgement of an interchange we sent (DESADV, INVOIC,
ORDRSP...), read into an `AckReport`: UCI (the interchange, action 0083), UCM (each message),
UCS / UCD (the segments and elements in error, 0085 codes)."""

from __future__ import annotations

from shipshape.adapters.channels.edifact.model import EdifactMessage, EdifactSegment
from shipshape.domain.edi_acks import (
    CONTRL_REJECTED,
    AckReport,
    AckStatus,
    ElementNote,
    SegmentNote,
    SetAck,
)

CONTRL = "CONTRL"


def is_contrl(message: EdifactMessage) -> bool:
    return message.message_type == CONTRL


def contrl_report(message: EdifactMessage, ack_control: str) -> AckReport | None:
    """The report of one CONTRL message, or None when it has no UCI."""
    uci = next((s for s in message.segments if s.tag == "UCI"), None)
    if uci is None:
        return None
    sets = _messages(message)
    own = uci.value(5)
    status = _status(uci.value(4), bool(own))
    if status is not AckStatus.REJECTED and any(s.status is AckStatus.REJECTED for s in sets):
        status = AckStatus.ACCEPTED_WITH_ERRORS if len(sets) > 1 else AckStatus.REJECTED
    return AckReport("edifact", CONTRL, ack_control, uci.value(1), "", status,
                     (own,) if own else (), tuple(sets))


def _status(action: str, errors: bool) -> AckStatus:
    if action == CONTRL_REJECTED:
        return AckStatus.REJECTED
    return AckStatus.ACCEPTED_WITH_ERRORS if errors else AckStatus.ACCEPTED


def _messages(message: EdifactMessage) -> list[SetAck]:
    found: list[SetAck] = []
    ucm: EdifactSegment | None = None
    notes: list[SegmentNote] = []
    for segment in (*message.segments, EdifactSegment("UCM", ())):
        if segment.tag == "UCM":
            if ucm is not None:
                found.append(_message(ucm, notes))
            ucm, notes = (segment if segment.elements else None), []
        elif segment.tag == "UCS" and ucm is not None:
            notes.append(SegmentNote("", segment.value(1), segment.value(2), (), "edifact"))
        elif segment.tag == "UCD" and notes:
            last = notes[-1]
            where = ":".join(p for p in segment.composite(2) if p)
            element = ElementNote(where, segment.value(1), "", "edifact")
            notes[-1] = SegmentNote(last.segment_id, last.position, last.code,
                                    (*last.elements, element), "edifact")
    return found


def _message(ucm: EdifactSegment, notes: list[SegmentNote]) -> SetAck:
    code = ucm.value(4)
    status = _status(ucm.value(3), bool(code or notes))
    return SetAck(ucm.value(2), ucm.value(1), status, (code,) if code else (), tuple(notes),
                  "edifact")
