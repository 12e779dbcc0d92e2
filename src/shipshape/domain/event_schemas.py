"""What the data of each event type another system sends must hold, checked strictly: a boolean
is JSON `true` or `false` (never `"false"`, `0` or null), a number a number (or, for money, a
decimal string such as "120.00"), a required field present. Fields a type does not name are
kept with the event (in `system_states`) but never read.

The one check (`check_event_data`) serves the API and the simulated systems alike, so an event
that bypasses HTTP is held to the same rules. Limits follow what the store keeps: ids as long as
their columns, amounts within NUMERIC(20, 6).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from shipshape.domain.errors import InvalidInput

Check = Callable[[object], str | None]
"""A field's check: None when the value is fine, else what it must be."""

MAX_WHOLE = 1_000_000_000
MAX_INTEGER_DIGITS, MAX_DECIMAL_PLACES = 14, 6
AMOUNT_BOUND = Decimal(10) ** MAX_INTEGER_DIGITS
AMOUNT_STEP = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)


class InvalidEventData(InvalidInput):
    """An event's data does not match the schema of its type; the message names the field."""


def text(limit: int) -> Check:
    def check(value: object) -> str | None:
        if isinstance(value, str) and value.strip() and len(value) <= limit:
            return None
        return f"must be a text of 1 to {limit} characters"
    return check


def boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def whole(minimum: int) -> Check:
    def check(value: object) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and (
                minimum <= value <= MAX_WHOLE):
            return None
        return f"must be a whole number from {minimum} to {MAX_WHOLE}"
    return check


def amount(positive: bool) -> Check:
    """A decimal number (JSON number or decimal string), finite, >= 0 (> 0 when `positive`),
    with at most 14 digits before the point and 6 after."""
    def check(value: object) -> str | None:
        number = _decimal(value)
        if number is not None and (number > 0 or (number == 0 and not positive)):
            return None
        return (f"must be {'positive' if positive else 'at least 0'}: a decimal number with "
                f"at most {MAX_INTEGER_DIGITS} digits before the point and "
                f"{MAX_DECIMAL_PLACES} after")
    return check


def _decimal(value: object) -> Decimal | None:
    """The value as a Decimal the store can keep, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or abs(number) >= AMOUNT_BOUND:
            return None
        return number if number == number.quantize(AMOUNT_STEP) else None
    except InvalidOperation:
        return None


def iso_date(value: object) -> str | None:
    if isinstance(value, str):
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return "must be a date (YYYY-MM-DD)"


@dataclass(frozen=True, slots=True)
class Field:
    check: Check
    required: bool = True


def optional(check: Check) -> Field:
    return Field(check, required=False)


Schema = Mapping[str, Field]
ORDER_ID, CUSTOMER_ID, INVOICE_ID, SITE = text(40), text(60), text(40), text(60)
ORDER = {"order_id": Field(ORDER_ID)}
INVOICE = {"invoice_id": Field(INVOICE_ID), "order_id": optional(ORDER_ID)}
PICKED_LINE: Schema = {"line_no": Field(whole(1)), "quantity": Field(whole(0)),
                       "lot": optional(text(60)), "expiry": optional(iso_date)}
SHIPPED_LINE: Schema = {"line_no": Field(whole(1)), "quantity": Field(whole(0)),
                        "lot": optional(text(60))}
SHIPMENT = {"shipment_id": Field(text(60)), "order_id": optional(ORDER_ID)}
RETURNED_LINE: Schema = {"line_no": Field(whole(1)), "good": optional(whole(0)),
                         "damaged": optional(whole(0)), "scrapped": optional(whole(0))}
DISCREPANT_LINE: Schema = {"line_no": Field(whole(1)), "damaged": optional(whole(0)),
                           "short": optional(whole(0))}


def lines(schema: Schema, non_empty: bool) -> Check:
    """A list of objects, each matching `schema` (the element's problem names its index)."""
    def check(value: object) -> str | None:
        if not isinstance(value, list) or (non_empty and not value):
            return "must be a non-empty list" if non_empty else "must be a list"
        for index, entry in enumerate(value):
            if not isinstance(entry, Mapping):
                return f"[{index}] must be an object"
            problem = _first_problem(schema, entry, f"[{index}].")
            if problem is not None:
                return problem
        return None
    return check


SCHEMAS: Mapping[str, Schema] = {
    "order_acknowledged": {**ORDER, "erp_ref": optional(text(100))},
    "credit_status_changed": {"customer_id": Field(CUSTOMER_ID), "on_hold": Field(boolean),
                              "credit_limit": optional(amount(positive=False)),
                              "order_id": optional(ORDER_ID)},
    "invoice_posted": {**INVOICE, "erp_ref": optional(text(100)),
                       "total": optional(amount(positive=False))},
    "invoice_rejected": {**INVOICE, "reason": optional(text(500))},
    "payment_received": {**INVOICE, "amount": Field(amount(positive=True))},
    "task_status_changed": {**ORDER, "status": optional(text(40))},
    "pick_confirmed": {**ORDER, "site": Field(SITE),
                       "lines": Field(lines(PICKED_LINE, non_empty=True))},
    "shipment_confirmed": {**ORDER, "site": Field(SITE), "shipment_id": Field(text(60)),
                           "ship_date": optional(iso_date),
                           "lines": Field(lines(SHIPPED_LINE, non_empty=False))},
    "tender_accepted": {**ORDER, "carrier_service": optional(text(60)),
                        "tracking_number": optional(text(100))},
    "tender_rejected": {**ORDER, "carrier_service": optional(text(60)),
                        "reason": optional(text(500))},
    "tracking_updated": {**ORDER, "tracking_number": optional(text(100)),
                         "status": optional(text(40))},
    "reservation_changed": ORDER,
    "order_status_changed": {**ORDER, "status": optional(text(40))},
    "return_received": {"return_id": Field(text(40)), "order_id": optional(ORDER_ID),
                        "lines": Field(lines(RETURNED_LINE, non_empty=True))},
    "shipment_in_transit": {**SHIPMENT, "location": optional(text(200))},
    "shipment_out_for_delivery": {**SHIPMENT, "location": optional(text(200))},
    "shipment_delivered": {**SHIPMENT, "delivered_at": optional(text(40)),
                           "pod_reference": optional(text(200)), "signee": optional(text(200))},
    "delivery_failed": {**SHIPMENT, "reason": Field(text(500))},
    "delivery_discrepancy": {**SHIPMENT, "lines": Field(lines(DISCREPANT_LINE, non_empty=True))},
}
"""Per inbound event type (`integration.INBOUND_EVENTS`), the fields of its data."""


def check_event_data(event_type: str, data: Mapping[str, object]) -> None:
    """Refuse (`InvalidEventData`, naming the field) data that does not match the type's
    schema; an unknown type is refused as well."""
    schema = SCHEMAS.get(event_type)
    if schema is None:
        raise InvalidEventData(f"unknown event type {event_type!r}; known: "
                               + ", ".join(sorted(SCHEMAS)))
    problem = _first_problem(schema, data, "")
    if problem is not None:
        raise InvalidEventData(f"{event_type}: data.{problem}")


def _first_problem(schema: Schema, data: Mapping[str, object], prefix: str) -> str | None:
    """The first field of `data` that breaks `schema`, as `<prefix><name> <what it must be>`
    (an absent or null optional field is fine)."""
    for name, field in schema.items():
        if name not in data or (data[name] is None and not field.required):
            if field.required:
                return f"{prefix}{name} is required"
            continue
        problem = field.check(data[name])
        if problem is None:
            continue
        if problem.startswith("["):  # a list's element names itself
            return f"{prefix}{name}{problem}"
        return f"{prefix}{name} {problem}, got {_shown(data[name])}"
    return None


def _shown(value: object) -> str:
    try:
        shown = json.dumps(value)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
