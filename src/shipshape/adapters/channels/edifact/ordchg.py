"""EDIFACT ORDCHG (purchase order change request) read into `domain.edi_changes.ChangeRequest`.

BGM: 1001 document name (230 purchase order change request; any is taken in an ORDCHG), 1004
the document number, 1225 message function (1 cancellation, 4 change, 5 replace). The order is
RFF+ON (else the BGM number); with RFF+BO (a call-off against a blanket order, as ORDERS reads
it) the blanket's number is the PO and the call-off's the release. Per LIN: 1082 line number,
1229 action (1 added, 2 deleted, 3 changed), the item (LIN C212, PIA), QTY+21 (or QTY+1) the
new quantity, PRI+AAA/AAB the price.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

from shipshape.adapters.channels.edifact.model import EdifactMessage, EdifactSegment
from shipshape.domain import edi_changes as ec

ORDCHG = "ORDCHG"
PURPOSES = {"1": ec.Purpose.CANCEL, "4": ec.Purpose.CHANGE, "5": ec.Purpose.REPLACE}
ACTIONS = {"1": ec.Ask.ADD, "2": ec.Ask.DELETE, "3": ec.Ask.QUANTITY}
QUANTITIES, PRICES = ("21", "1"), ("AAA", "AAB")
NUMBER = re.compile(r"-?([0-9]{1,15}([.,][0-9]{0,6})?|[.,][0-9]{1,6})")
Group = list[EdifactSegment]


def is_ordchg(message: EdifactMessage) -> bool:
    return message.message_type == ORDCHG


def change_from_ordchg(message: EdifactMessage) -> ec.ChangeRequest:
    """The request of one ORDCHG; a message in error becomes a request with its `problem`."""
    bgm = next((s for _, s in message.positioned("BGM")), None)
    code = bgm.value(3) if bgm else ""
    references = {s.value(1): s.value(1, 2) for _, s in message.positioned("RFF")}
    number = references.get("ON") or (bgm.value(2) if bgm else "")
    blanket = references.get("BO")
    po, release = (blanket, number) if blanket else (number, "")
    lines = tuple(_line(group, index) for index, group in enumerate(_groups(message), 1))
    purpose = PURPOSES.get(code, ec.Purpose.CHANGE)
    fault = ec.text_fault("PO number", po) or ec.text_fault("release number", release)
    request = ec.ChangeRequest("edifact", ORDCHG, _text(message.reference), purpose,
                               _text(code), _text(po), _text(release, 35), lines, fault)
    problem = request.problem or _problem(message, bgm, code, purpose, lines)
    return replace(request, problem=problem) if problem else request


def _problem(message: EdifactMessage, bgm: EdifactSegment | None, code: str,
             purpose: ec.Purpose, lines: tuple[ec.LineAsk, ...]) -> str | None:
    if message.errors:
        return f"the ORDCHG has syntax errors ({_text(message.errors[0].text)}), see the CONTRL"
    if bgm is None:
        return "the ORDCHG has no BGM"
    if code not in PURPOSES:
        return (f"BGM message function {_text(code)!r} is not taken: 1 cancellation, "
                "4 change or 5 replace")
    if purpose is not ec.Purpose.CANCEL and not lines:
        return "the ORDCHG changes no line (no LIN)"
    return None


def _groups(message: EdifactMessage) -> Iterator[Group]:
    group: Group = []
    for segment in message.segments:
        if segment.tag in ("LIN", "UNS", "UNT") and group:
            yield group
            group = []
        if segment.tag in ("UNS", "UNT"):
            return
        if segment.tag == "LIN" or group:
            group.append(segment)
    if group:
        yield group


def _line(group: Group, index: int) -> ec.LineAsk:
    lin = group[0]
    number, action = lin.value(1) or str(index), lin.value(2)
    quantity, uom, bad_quantity = _quantity(group)
    price, bad_price = _price(group)
    ids = tuple((_text(kind) or "EN", _text(value)) for value, kind in _item_ids(group))
    line_no = int(number) if number.isascii() and number.isdigit() and len(number) <= 6 \
        else None
    problem = _line_problem(group, number, line_no, action, bad_quantity or bad_price)
    ask = ACTIONS.get(action, ec.Ask.QUANTITY)
    return ec.LineAsk(line_no, _text(action or "3"), ask, quantity, price, uom, ids, problem)


def _line_problem(group: Group, number: str, line_no: int | None, action: str,
                  bad: str | None) -> str | None:
    if any(not v.isprintable() for s in group for element in s.elements for v in element):
        return "the line holds control characters (e.g. NUL)"
    if line_no is None:
        return f"LIN line number {_text(number)!r} is not a line number"
    if action and action not in ACTIONS:
        return f"LIN action {_text(action)!r} is not taken: 1 added, 2 deleted or 3 changed"
    return bad


def _item_ids(group: Group) -> list[tuple[str, str]]:
    ids = [(group[0].value(3), group[0].value(3, 2))]
    ids += [(s.value(2), s.value(2, 2)) for s in group if s.tag == "PIA"]
    return [(value, kind) for value, kind in ids if value]


def _quantity(group: Group) -> tuple[int | None, str | None, str | None]:
    qty = _qualified(group, "QTY", QUANTITIES)
    if qty is None:
        return None, None, None
    amount = _number(qty.value(1, 2))
    if amount is None or amount != amount.to_integral_value():
        return None, None, f"quantity {_text(qty.value(1, 2))!r} is not a whole number"
    return int(amount), _text(qty.value(1, 3)) or None, None


def _price(group: Group) -> tuple[Decimal | None, str | None]:
    pri = _qualified(group, "PRI", PRICES)
    if pri is None or not pri.value(1, 2):
        return None, None
    price = _number(pri.value(1, 2))
    return (price, None) if price is not None else (
        None, f"price {_text(pri.value(1, 2))!r} is not a number")


def _qualified(group: Group, tag: str, qualifiers: tuple[str, ...]) -> EdifactSegment | None:
    found = {s.value(1): s for s in reversed(group) if s.tag == tag}
    return next((found[q] for q in qualifiers if q in found), None)


def _number(text: str) -> Decimal | None:
    if not NUMBER.fullmatch(text):
        return None
    return Decimal(text.replace(",", "."))


def _text(value: str | None, limit: int = 100) -> str:
    return ec.printable(value or "", limit)
