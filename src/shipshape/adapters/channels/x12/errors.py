"""X12 error types and the code lists used in TA1, 997 and 855 acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from shipshape.domain.errors import InvalidInput

if TYPE_CHECKING:
    from shipshape.adapters.channels.x12.model import Interchange

Level = Literal["interchange", "group", "set"]

TA1_NOTES = {
    "000": "No error",
    "001": "Interchange control number in header and trailer do not match",
    "004": "Segment terminator is invalid",
    "005": "Invalid interchange ID qualifier for sender",
    "006": "Invalid interchange sender ID",
    "007": "Invalid interchange ID qualifier for receiver",
    "008": "Invalid interchange receiver ID",
    "014": "Invalid interchange date value",
    "015": "Invalid interchange time value",
    "017": "Invalid interchange version ID value",
    "018": "Invalid interchange control number value",
    "019": "Invalid acknowledgment requested value",
    "020": "Invalid test indicator value",
    "021": "Invalid number of included groups value",
    "022": "Invalid control structure",
    "023": "Improper (premature) end-of-file (transmission)",
    "024": "Invalid interchange content",
    "025": "Duplicate interchange control number",
    "026": "Invalid data element separator",
    "027": "Invalid component element separator",
}
"""TA105 interchange note codes."""

AK9_CODES = {
    "3": "Functional group trailer missing",
    "4": "Group control number in the functional group header and trailer do not agree",
    "5": "Number of included transaction sets does not match actual count",
    "6": "Group control number violates syntax",
    "19": "Functional group control number not unique within interchange",
}
"""AK905-AK909 functional group syntax error codes."""

AK5_CODES = {
    "1": "Transaction set not supported",
    "2": "Transaction set trailer missing",
    "3": "Transaction set control number in header and trailer do not match",
    "4": "Number of included segments does not match actual count",
    "5": "One or more segments in error",
    "6": "Missing or invalid transaction set identifier",
    "7": "Missing or invalid transaction set control number",
    "23": "Transaction set control number not unique within the functional group",
}
"""AK502-AK506 transaction set syntax error codes."""

AK3_CODES = {
    "1": "Unrecognized segment ID",
    "3": "Mandatory segment missing",
    "7": "Segment not in proper sequence",
    "8": "Segment has data element errors",
}
"""AK304 segment syntax error codes."""

AK4_CODES = {
    "1": "Mandatory data element missing",
    "2": "Conditional required data element missing",
    "6": "Invalid character in data element",
    "7": "Invalid code value",
    "8": "Invalid date",
}
"""AK403 data element syntax error codes."""


class X12SyntaxError(InvalidInput):
    """Input that is not readable X12.

    `code` is the TA1 note code that fits best; `reason` is one of empty, ebcdic, binary,
    not_x12, truncated, separators.
    """

    def __init__(self, code: str, message: str, reason: str,
                 header: Interchange | None = None) -> None:
        super().__init__(f"X12 {code}: {message}")
        self.code = code
        self.reason = reason
        self.header = header
        """The interchange header, when the ISA could be read (a TA1 can then be sent)."""


@dataclass(frozen=True, slots=True)
class EnvelopeError:
    """An envelope fault: a TA105 code (interchange), AK905 (group) or AK502 (set)."""

    level: Level
    code: str
    message: str
    control_number: str = ""


@dataclass(frozen=True, slots=True)
class ElementError:
    """One AK4: element position in its segment, data element number, AK403 code, bad value."""

    position: int
    reference: str
    code: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class SegmentError:
    """One AK3: segment id, position in the set (ST is 1), AK304 code, its element errors."""

    segment_id: str
    position: int
    code: str
    message: str
    elements: tuple[ElementError, ...] = ()
