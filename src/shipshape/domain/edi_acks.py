"""Acknowledgements of what we send: a 997, 999 or CONTRL read into one shape, what it says about
the document it acknowledges, and its error codes in plain words.

An outbound document waits for its acknowledgement (`AckStatus.AWAITING`) from the moment it is
stored until the partner's window (`TradingPartner.ack_window_hours`; 0: none is expected)
passes. A 997/999 names the document by its group control number (AK1/IK1... AK102) and its
transaction sets (AK202); a CONTRL by the interchange reference (UCI 0020) and its messages
(UCM 0062).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shipshape.domain.findings import Finding, Kind, Team, warn


class AckStatus(StrEnum):
    AWAITING = "awaiting"
    NOT_EXPECTED = "not_expected"
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    REJECTED = "rejected"


ACK_TYPES = frozenset({"997", "999", "TA1", "CONTRL", "APERAK", "MDN"})
"""Documents that are acknowledgements themselves: nothing acknowledges them."""
DEFAULT_ACK_WINDOW_HOURS = 24
REJECTED_CASE = "EDI_DOCUMENT_REJECTED"
MISSING_CASE = "EDI_ACK_MISSING"

SEGMENT_ERRORS = {
    "1": "Unrecognized segment ID",
    "2": "Unexpected segment",
    "3": "Mandatory segment missing",
    "4": "Loop occurs over maximum times",
    "5": "Segment exceeds maximum use",
    "6": "Segment not in defined transaction set",
    "7": "Segment not in proper sequence",
    "8": "Segment has data element errors",
    "I4": "Implementation \"Not Used\" segment present",
    "I6": "Implementation dependent segment missing",
    "I7": "Implementation loop occurs under minimum times",
    "I8": "Implementation segment below minimum use",
    "I9": "Implementation dependent \"Not Used\" segment present",
}
"""X12 element 720 (AK304) and the 999's IK304."""

ELEMENT_ERRORS = {
    "1": "Mandatory data element missing",
    "2": "Conditional required data element missing",
    "3": "Too many data elements",
    "4": "Data element too short",
    "5": "Data element too long",
    "6": "Invalid character in data element",
    "7": "Invalid code value",
    "8": "Invalid date",
    "9": "Invalid time",
    "10": "Exclusion condition violated",
    "12": "Too many repetitions",
    "13": "Too many components",
    "I6": "Code value not used in implementation",
    "I9": "Implementation dependent data element missing",
    "I10": "Implementation \"Not Used\" data element present",
    "I11": "Implementation too few repetitions",
    "I12": "Implementation pattern match failure",
    "I13": "Implementation dependent \"Not Used\" data element present",
}
"""X12 element 723 (AK403) and the 999's IK403."""

SET_ERRORS = {
    "1": "Transaction set not supported",
    "2": "Transaction set trailer missing",
    "3": "Transaction set control number in header and trailer do not match",
    "4": "Number of included segments does not match actual count",
    "5": "One or more segments in error",
    "6": "Missing or invalid transaction set identifier",
    "7": "Missing or invalid transaction set control number",
    "8": "Authentication key name unknown",
    "9": "Encryption key name unknown",
    "10": "Requested service (authentication or encryption) not available",
    "11": "Unknown security recipient",
    "12": "Incorrect message length (encryption only)",
    "13": "Message authentication code failed",
    "15": "Unknown security originator",
    "16": "Syntax error in decrypted text",
    "17": "Security not supported",
    "18": "Transaction set not in functional group",
    "19": "Invalid transaction set implementation convention reference",
    "23": "Transaction set control number not unique within the functional group",
    "I5": "Implementation one or more segments in error",
    "I6": "Implementation convention not supported",
}
"""X12 element 718 (AK502..AK506, IK502..IK506)."""

GROUP_ERRORS = {
    "1": "Functional group not supported",
    "2": "Functional group version not supported",
    "3": "Functional group trailer missing",
    "4": "Group control number in the functional group header and trailer do not agree",
    "5": "Number of included transaction sets does not match actual count",
    "6": "Group control number violates syntax",
    "10": "Authentication key name unknown",
    "11": "Encryption key name unknown",
    "12": "Requested service (authentication or encryption) not available",
    "13": "Unknown security recipient",
    "14": "Unknown security originator",
    "15": "Syntax error in decrypted text",
    "16": "Security not supported",
    "17": "Incorrect message length (encryption only)",
    "18": "Message authentication code failed",
    "19": "Functional group control number not unique within interchange",
    "23": "S3E security end segment missing for S3S security start segment",
    "24": "S3S security start segment missing for S3E security end segment",
    "25": "S4E security end segment missing for S4S security start segment",
    "26": "S4S security start segment missing for S4E security end segment",
}
"""X12 element 716 (AK905..AK909)."""

SYNTAX_ERRORS = {
    "2": "Syntax version or level not supported",
    "7": "Interchange recipient not actual recipient",
    "12": "Invalid value",
    "13": "Missing",
    "14": "Value not supported in this position",
    "15": "Not supported in this position",
    "16": "Too many constituents",
    "17": "No agreement",
    "18": "Unspecified error",
    "19": "Invalid decimal notation",
    "20": "Character invalid as service character",
    "21": "Invalid character(s)",
    "22": "Invalid service character(s)",
    "23": "Unknown interchange sender",
    "24": "Too old",
    "25": "Test indicator not supported",
    "26": "Duplicate detected",
    "27": "Security function not supported",
    "28": "References do not match",
    "29": "Control count does not match number of instances received",
    "30": "Functional groups and messages mixed",
    "31": "More than one message type in group",
    "32": "Lower level empty",
    "33": "Invalid occurrence outside message, package or group",
    "35": "Too many segment repetitions",
    "36": "Too many segment group repetitions",
    "37": "Invalid type of character(s)",
    "38": "Missing digit in front of decimal sign",
    "39": "Data element too long",
    "40": "Data element too short",
    "45": "Trailing separator",
    "46": "Character set not supported",
    "47": "Envelope functionality not supported",
}
"""EDIFACT element 0085, the syntax errors of UCI, UCM, UCS and UCD."""

X12_STATUS = {"A": AckStatus.ACCEPTED, "E": AckStatus.ACCEPTED_WITH_ERRORS,
              "P": AckStatus.ACCEPTED_WITH_ERRORS}
"""AK501/AK901 (and IK501): any other code (R, M, W, X) rejects."""
CONTRL_REJECTED = "4"
"""0083 action: this level and all lower levels rejected."""


def words(table: dict[str, str], code: str) -> str:
    code = code.strip()
    found = table.get(code) or table.get(code.lstrip("0") or code)
    return f"{code} {found}" if found else f"{code} (an unknown code)"


@dataclass(frozen=True, slots=True)
class ElementNote:
    """An element in error: its position in the segment (AK401/IK401, UCD S011) and code."""

    position: str
    code: str
    value: str = ""
    standard: str = "x12"

    def plain(self) -> str:
        table = ELEMENT_ERRORS if self.standard == "x12" else SYNTAX_ERRORS
        bad = f" (value {self.value!r})" if self.value else ""
        return f"element {self.position}: {words(table, self.code)}{bad}"


@dataclass(frozen=True, slots=True)
class SegmentNote:
    """A segment in error: its id, position in the set (counted from ST/UNH = 1) and code."""

    segment_id: str
    position: str
    code: str
    elements: tuple[ElementNote, ...] = ()
    standard: str = "x12"

    def plain(self) -> str:
        table = SEGMENT_ERRORS if self.standard == "x12" else SYNTAX_ERRORS
        where = f"segment {self.segment_id or '?'} at position {self.position or '?'}"
        head = f"{where}: {words(table, self.code)}" if self.code else where
        return "; ".join([head, *(e.plain() for e in self.elements)])


@dataclass(frozen=True, slots=True)
class SetAck:
    """One transaction set (X12) or message (EDIFACT) acknowledged: accepted or why not."""

    set_id: str
    control_number: str
    status: AckStatus
    codes: tuple[str, ...] = ()
    segments: tuple[SegmentNote, ...] = ()
    standard: str = "x12"

    def plain(self) -> list[str]:
        table = SET_ERRORS if self.standard == "x12" else SYNTAX_ERRORS
        what = "message" if self.standard == "edifact" else "transaction set"
        head = f"{what} {self.set_id} {self.control_number}: {self.status.value}"
        if self.codes:
            head += " (" + "; ".join(words(table, c) for c in self.codes) + ")"
        return [head, *(f"  {s.plain()}" for s in self.segments)]


@dataclass(frozen=True, slots=True)
class AckReport:
    """What one acknowledgement says about one group (X12) or interchange (EDIFACT) we sent."""

    standard: str
    ack_type: str
    """997, 999 or CONTRL."""
    ack_control: str
    """The acknowledgement's own interchange control number."""
    reference: str
    """What it acknowledges: our GS06 (X12) or UNB interchange reference (EDIFACT)."""
    functional_id: str
    group_status: AckStatus
    group_codes: tuple[str, ...] = ()
    sets: tuple[SetAck, ...] = ()

    @property
    def key(self) -> str:
        return ack_key(self.standard, self.reference, self.functional_id)

    def plain(self) -> list[str]:
        table = GROUP_ERRORS if self.standard == "x12" else SYNTAX_ERRORS
        what = "functional group" if self.standard == "x12" else "interchange"
        head = f"{self.ack_type}: {what} {self.reference}: {self.group_status.value}"
        if self.group_codes:
            head += " (" + "; ".join(words(table, c) for c in self.group_codes) + ")"
        return [head, *(line for s in self.sets for line in s.plain())]


def ack_key(standard: str, reference: str, functional_id: str = "") -> str:
    """How a document and its acknowledgement find each other: the standard, the X12 functional
    id and the group control number as a number (AK102 may drop leading zeros), else the
    EDIFACT interchange reference as written."""
    if standard == "x12":
        number = reference.strip().lstrip("0") or "0"
        return f"x12:{functional_id.strip()}:{number}"
    return f"edifact:{reference.strip()}"


def x12_status(code: str) -> AckStatus:
    return X12_STATUS.get(code.strip(), AckStatus.REJECTED)


def document_status(report: AckReport, set_controls: Sequence[str] = ()) -> AckStatus:
    """The document's status: the worst of its sets the report names (by `set_controls` when
    given), else the group's own."""
    wanted = {c.lstrip("0") for c in set_controls}
    named = [s for s in report.sets
             if not wanted or s.control_number.strip().lstrip("0") in wanted]
    if not named:
        return report.group_status
    order = (AckStatus.REJECTED, AckStatus.ACCEPTED_WITH_ERRORS, AckStatus.ACCEPTED)
    return next(status for status in order if any(s.status is status for s in named)
                or status is AckStatus.ACCEPTED)


def due_at(sent_at: datetime, window_hours: float) -> datetime | None:
    """When an acknowledgement is due, or None when the partner sends none."""
    return sent_at + timedelta(hours=window_hours) if window_hours > 0 else None


def rejected_finding(doc_type: str, partner_id: str, control_number: str,
                     report: AckReport) -> Finding:
    """`EDI_DOCUMENT_REJECTED`: the partner refused what we sent; the errors in plain words."""
    errors = report.plain()
    return warn(REJECTED_CASE, Kind.INTEGRATION, Team.INTEGRATION,
                f"partner {partner_id} rejected our {doc_type} {control_number} "
                f"({report.ack_type} {report.ack_control}): " + " | ".join(
                    line.strip() for line in errors),
                document=doc_type, partner=partner_id, control_number=control_number,
                subject=f"edi:{partner_id}:{doc_type}:{control_number}",
                acknowledgement=report.ack_type, ack_control=report.ack_control,
                errors=errors)


def missing_finding(doc_type: str, partner_id: str, control_number: str, sent_at: datetime,
                    window_hours: float) -> Finding:
    """`EDI_ACK_MISSING`: the partner did not acknowledge the document within its window."""
    return warn(MISSING_CASE, Kind.INTEGRATION, Team.INTEGRATION,
                f"partner {partner_id} has not acknowledged our {doc_type} {control_number} "
                f"sent {sent_at.isoformat()} within {window_hours:g} h",
                document=doc_type, partner=partner_id, control_number=control_number,
                subject=f"edi:{partner_id}:{doc_type}:{control_number}",
                sent_at=sent_at.isoformat(), window_hours=window_hours)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0-1) of `values`, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]
