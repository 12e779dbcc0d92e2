"""Reading typed X12 values (numbers, dates) and noting what is wrong with them as AK4 errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shipshape.adapters.channels.x12.errors import ElementError, SegmentError
from shipshape.adapters.channels.x12.model import Segment, element

NUMBER = re.compile(r"-?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})")
MISSING = "1"
CONDITIONAL_MISSING = "2"
INVALID_CHARACTER = "6"
INVALID_DATE = "8"
ELEMENT_ERRORS = "8"


@dataclass(slots=True)
class SegmentReader:
    """Reads elements of one segment and collects the AK4 errors found on the way."""

    segment: Segment
    position: int
    problems: list[ElementError] = field(default_factory=list)

    def text(self, position: int) -> str | None:
        return element(self.segment, position) or None

    def required(self, position: int, reference: str) -> str | None:
        value = self.text(position)
        if value is None:
            self.problems.append(ElementError(position, reference, MISSING))
        return value

    def decimal(self, position: int, reference: str) -> Decimal | None:
        value = element(self.segment, position)
        if not value:
            return None
        if not (value.isascii() and NUMBER.fullmatch(value)):
            self.problems.append(ElementError(position, reference, INVALID_CHARACTER, value))
            return None
        return Decimal(value)

    def integer(self, position: int, reference: str) -> int | None:
        number = self.decimal(position, reference)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.problems.append(ElementError(position, reference, INVALID_CHARACTER,
                                              element(self.segment, position)))
            return None
        return int(number)

    def date(self, position: int, reference: str, received: date) -> date | None:
        value = element(self.segment, position)
        if not value:
            return None
        parsed = parse_date(value, received)
        if parsed is None:
            self.problems.append(ElementError(position, reference, INVALID_DATE, value))
        return parsed

    def error(self, message: str) -> SegmentError | None:
        """The AK3 for this segment, if any element was at fault."""
        if not self.problems:
            return None
        return SegmentError(self.segment[0], self.position, ELEMENT_ERRORS, message,
                            tuple(self.problems))


def parse_date(value: str, received: date) -> date | None:
    """CCYYMMDD, or YYMMDD (versions before 004010) in the century nearest to `received`."""
    if not (value.isascii() and value.isdigit() and len(value) in (6, 8)):
        return None
    try:
        if len(value) == 8:
            return datetime.strptime(value, "%Y%m%d").date()
        month_day = datetime.strptime("2000" + value[2:], "%Y%m%d").date()
    except ValueError:
        return None
    return _nearest_century(int(value[:2]), month_day, received)


def _nearest_century(year: int, month_day: date, received: date) -> date | None:
    century = received.year // 100 * 100
    candidates = []
    for start in (century - 100, century, century + 100):
        try:
            candidates.append(month_day.replace(year=start + year))
        except ValueError:
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda moment: abs((moment - received).days))
