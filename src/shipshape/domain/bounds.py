"""What the domain can compute and the store can keep: the bounds every channel is held to.

* **Dates** from EARLIEST_DATE to LATEST_DATE. Date arithmetic on them (a ship date plus ten
  years of shelf life, an SLA clock) never leaves what `datetime.date` can hold.
* **Quantities** up to MAX_QUANTITY per line and **amounts** up to MAX_AMOUNT (18 digits, 6 of
  them decimals), an order's value included, so that sums of them fit the store's columns.
* **Text** without control characters (NUL above all: PostgreSQL cannot store it) or lone
  surrogates, and no longer than its column.

The API's schemas take their limits from here; `draft_problems` holds every other channel (EDI,
files) to the same bounds before anything is written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from shipshape.domain.orders import OrderDraft, OrderLine

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2199, 12, 31)
MAX_QUANTITY = 10_000_000
MAX_LINES = 10_000
MAX_LINE_NO = 100_000
MONEY_DIGITS = 18
MONEY_PLACES = 6
MAX_AMOUNT = Decimal("999999999999.999999")
LAYOUT = frozenset("\t\n\r")
"""The control characters free text (a reason, a description) may hold; names and ids hold none."""

TEXT_LIMITS = {"external_id": 100, "customer_id": 60, "customer_po": 100, "carrier_service": 60,
               "release_number": 35}
SHIP_TO_LIMITS = {"name": 200, "line1": 200, "city": 100, "region": 100, "postal_code": 20,
                  "country": 2}
LINE_LIMITS = {"sku": 60, "uom": 10}


def date_supported(value: date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def unsupported_date(value: date) -> str:
    return (f"{value.isoformat()} is outside the supported dates "
            f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}")


def text_problem(value: str, max_length: int, layout: bool = False) -> str | None:
    """Why `value` cannot be kept (None: it can). `layout` allows tabs and line breaks."""
    if len(value) > max_length:
        return f"at most {max_length} characters, got {len(value)}"
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            return "holds an unpaired surrogate, which is not a character"
        if category == "Cc" and not (layout and char in LAYOUT):
            return f"must not contain control characters, found {char!r}"
    return None


def amount_problem(value: Decimal) -> str | None:
    """Why `value` cannot be kept as an amount (None: it can)."""
    if not value.is_finite():
        return f"must be a number, got {value}"
    if abs(value) > MAX_AMOUNT:
        return f"at most {MAX_AMOUNT}, got {value}"
    exponent = value.normalize().as_tuple().exponent  # 0.50 has 1 place, not 2
    if isinstance(exponent, int) and -exponent > MONEY_PLACES:
        return f"at most {MONEY_PLACES} decimal places, got {value}"
    return None


def draft_problems(draft: OrderDraft) -> list[str]:
    """Each value of `draft` the domain cannot compute with or the store cannot keep, as
    "field: reason"; empty when the draft is fit to be taken."""
    return list(_draft_problems(draft))


def _draft_problems(draft: OrderDraft) -> Iterator[str]:
    for name, limit in TEXT_LIMITS.items():
        yield from _text(name, getattr(draft, name), limit)
    for name, limit in SHIP_TO_LIMITS.items():
        yield from _text(f"ship_to.{name}", getattr(draft.ship_to, name), limit)
    if len(draft.lines) > MAX_LINES:
        yield f"lines: at most {MAX_LINES} lines, got {len(draft.lines)}"
    lines = [problem for i, line in enumerate(draft.lines) for problem in _line(i, line)]
    yield from lines
    if not lines and draft.value > MAX_AMOUNT:
        yield f"lines: the order's value {draft.value} is over {MAX_AMOUNT}, the most kept"


def _line(i: int, line: OrderLine) -> Iterator[str]:
    for name, limit in LINE_LIMITS.items():
        yield from _text(f"lines.{i}.{name}", getattr(line, name), limit)
    if not 1 <= line.line_no <= MAX_LINE_NO:
        yield f"lines.{i}.line_no: from 1 to {MAX_LINE_NO}, got {line.line_no}"
    if line.quantity is not None and not 0 <= line.quantity <= MAX_QUANTITY:
        yield f"lines.{i}.quantity: from 0 to {MAX_QUANTITY}, got {line.quantity}"
    if line.unit_price is not None and (problem := amount_problem(line.unit_price)):
        yield f"lines.{i}.unit_price: {problem}"


def _text(field: str, value: str | None, limit: int) -> Iterator[str]:
    problem = text_problem(value, limit) if value is not None else None
    if problem:
        yield f"{field}: {problem}"
