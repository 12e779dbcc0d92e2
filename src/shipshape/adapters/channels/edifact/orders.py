"""EDIFACT ORDERS to canonical order (OrderDraft)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from shipshape.adapters.channels.edifact.model import (
    EdifactError,
    EdifactMessage,
    EdifactSegment,
    EdifactSyntaxError,
    is_number,
)
from shipshape.domain.orders import Channel, OrderDraft, OrderLine, ShipTo
from shipshape.domain.partners import TradingPartner

ORDERS = "ORDERS"
_NUMBER = re.compile(r"-?([0-9]+([.,][0-9]*)?|[.,][0-9]+)")
_ITEM_TYPES = {"EN": "EN", "SRV": "EN", "UP": "UP", "IN": "IN", "SA": "VN", "VN": "VN",
               "BP": "BP", "MF": "MF"}
"""7143 item type to the qualifiers of TradingPartner.sku_for."""
_ITEM_AGENCIES = {"9": "EN", "91": "VN", "92": "IN"}
"""3055 responsible agency, when 7143 is blank (GS1, supplier, buyer)."""
_SHIP_DATES = ("2", "10", "64", "69", "63", "37")
_DATE_FORMATS = {"101": "%y%m%d", "102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}
_FORMAT_BY_LENGTH = {6: "101", 8: "102", 12: "203", 14: "204"}
_SHIP_TO_PARTIES = ("DP", "ST")
_QUANTITIES = ("21", "1")
_PRICES = ("AAA", "AAB")
CALL_OFF_ORDER = "226"
"""1001 document name code: split quantities and dates referring to a previous blanket order."""
BLANKET_ORDER = "BO"
"""1153 reference code qualifier: the number the order issuer gave to a blanket order."""
RELEASE_MAX = 35


def is_orders(message: EdifactMessage) -> bool:
    return message.message_type == ORDERS


def unsupported_message_error(message: EdifactMessage) -> EdifactError:
    """What a CONTRL says about a message type this channel does not take."""
    return EdifactError("17", f"message type {message.message_type!r} is not supported",
                        "UNH", 1, 2, 1, message.reference, message.group_reference)


def order_from_orders(message: EdifactMessage, partner: TradingPartner,
                      interchange_ref: str) -> OrderDraft:
    """The canonical order of one clean ORDERS message; EdifactSyntaxError otherwise."""
    if message.errors:
        raise EdifactSyntaxError(message.errors[0])
    if not is_orders(message):
        raise EdifactSyntaxError(unsupported_message_error(message))
    number = _po_number(message)
    blanket = _blanket_order(message, number)
    return OrderDraft(
        channel=Channel.EDI.value, external_id=f"{interchange_ref}-{message.reference}",
        customer_id=partner.customer_id, customer_po=blanket or number,
        requested_ship_date=_requested_date(message), ship_to=_ship_to(message),
        lines=_lines(message, partner), release_number=number if blanket else None)


def _fail_in(message: EdifactMessage, code: str, text: str, tag: str,
             position: int | None = None, element: int | None = None,
             component: int | None = None) -> NoReturn:
    raise EdifactSyntaxError(EdifactError(code, text, tag, position, element, component,
                                          message.reference, message.group_reference))


def _po_number(message: EdifactMessage) -> str:
    for position, bgm in message.positioned("BGM"):
        if not bgm.value(2):
            _fail_in(message, "13", "BGM has no document number", "BGM", position, 2, 1)
        return bgm.value(2)
    _fail_in(message, "13", "ORDERS without BGM", "BGM")


def _blanket_order(message: EdifactMessage, number: str) -> str | None:
    """The blanket order a call-off order (BGM 1001 226) releases against, from RFF+BO.

    Such a call-off is read as X12 reads a release (BEG02 RL): the blanket's number is the
    PO and the call-off's own document number (BGM 1004, `number`) the release number.
    """
    position, bgm = next(message.positioned("BGM"))
    found = _qualified(list(_header(message)), "RFF", (BLANKET_ORDER,))
    if bgm.value(1) != CALL_OFF_ORDER or found is None or not found[1].value(1, 2):
        return None
    if len(number) > RELEASE_MAX:
        _fail_in(message, "39", f"the call-off number is longer than {RELEASE_MAX} "
                                "characters", "BGM", position, 2, 1)
    return found[1].value(1, 2)


def _header(message: EdifactMessage) -> Iterator[tuple[int, EdifactSegment]]:
    for position, segment in enumerate(message.segments, start=1):
        if segment.tag in ("LIN", "UNS"):
            return
        yield position, segment


def _requested_date(message: EdifactMessage) -> date | None:
    found = _qualified(list(_header(message)), "DTM", _SHIP_DATES)
    return _date(message, *found) if found else None


def _date(message: EdifactMessage, position: int, dtm: EdifactSegment) -> date:
    value, code = dtm.value(1, 2), dtm.value(1, 3)
    if code == "718":
        value, code = value[:8], "102"
    pattern = _DATE_FORMATS.get(code or _FORMAT_BY_LENGTH.get(len(value), ""))
    try:
        if pattern is None or not is_number(value):
            raise ValueError(code)
        return datetime.strptime(value, pattern).date()
    except ValueError:
        _fail_in(message, "12", f"DTM {value!r} is not a date in format {code!r}", "DTM",
                 position, 1, 2)


def delivery_party_id(message: EdifactMessage) -> str | None:
    """The party id (often a GLN) of NAD+DP or NAD+ST, for a location lookup."""
    party = _ship_to_party(message)
    return party.value(2) or None if party else None


def _ship_to_party(message: EdifactMessage) -> EdifactSegment | None:
    found = _qualified(list(message.positioned("NAD")), "NAD", _SHIP_TO_PARTIES)
    return found[1] if found else None


def _ship_to(message: EdifactMessage) -> ShipTo:
    nad = _ship_to_party(message)
    if nad is None:
        return ShipTo()
    unstructured = nad.composite(3)
    name = _join(nad.composite(4)[:5], " ") or _join(unstructured[:1], " ")
    street = _join(nad.composite(5), ", ") or _join(unstructured[1:2], " ")
    return ShipTo(name=name, line1=street, city=nad.value(6) or None,
                  region=nad.value(7) or None, postal_code=nad.value(8) or None,
                  country=nad.value(9) or None)


def _join(parts: Sequence[str], separator: str) -> str | None:
    return separator.join(p.strip() for p in parts if p.strip()) or None


def _lines(message: EdifactMessage, partner: TradingPartner) -> tuple[OrderLine, ...]:
    groups = list(_line_groups(message))
    if not groups:
        _fail_in(message, "13", "ORDERS without any LIN", "LIN")
    return tuple(_line(message, group, index, partner)
                 for index, group in enumerate(groups, start=1))


def _line_groups(message: EdifactMessage) -> Iterator[list[tuple[int, EdifactSegment]]]:
    group: list[tuple[int, EdifactSegment]] = []
    for position, segment in enumerate(message.segments, start=1):
        if segment.tag in ("LIN", "UNS", "UNT") and group:
            yield group
            group = []
        if segment.tag in ("UNS", "UNT"):
            return
        if segment.tag == "LIN" or group:
            group.append((position, segment))
    if group:
        yield group


def _line(message: EdifactMessage, group: list[tuple[int, EdifactSegment]], index: int,
          partner: TradingPartner) -> OrderLine:
    position, lin = group[0]
    ids = _item_ids(group)
    if not ids:
        _fail_in(message, "13", f"line {lin.value(1) or index} has no item number", "LIN",
                 position, 3, 1)
    number = lin.value(1) or str(index)
    if not is_number(number):
        _fail_in(message, "12", f"line number {number!r} is not a number", "LIN", position, 1)
    quantity, uom = _quantity(message, group)
    sku = partner.sku_for(ids) or next(iter(ids.values()))
    return OrderLine(line_no=int(number), sku=sku, quantity=quantity,
                     unit_price=_price(message, group), uom=uom)


def _item_ids(group: list[tuple[int, EdifactSegment]]) -> dict[str, str]:
    """Qualifier to value, LIN03 first, then PIA+1/PIA+5 ids; the first of each kind wins."""
    lin = group[0][1]
    numbers = [lin.composite(3)]
    for _, pia in group:
        if pia.tag == "PIA" and pia.value(1) in ("1", "5"):
            numbers.extend(pia.composite(element) for element in range(2, 7))
    ids: dict[str, str] = {}
    for number in numbers:
        value, kind, _, agency = (*number, "", "", "", "")[:4]
        if value:
            ids.setdefault(_ITEM_TYPES.get(kind, kind) or _ITEM_AGENCIES.get(agency, ""), value)
    return ids


def _quantity(message: EdifactMessage, group: list[tuple[int, EdifactSegment]]
              ) -> tuple[int | None, str | None]:
    found = _qualified(group, "QTY", _QUANTITIES)
    if found is None:
        return None, None
    position, qty = found
    amount = _decimal(message, qty.value(1, 2), "QTY", position)
    if amount is None or amount != amount.to_integral_value():
        _fail_in(message, "12", f"quantity {qty.value(1, 2)!r} is not a whole number", "QTY",
                 position, 1, 2)
    return int(amount), qty.value(1, 3) or None


def _price(message: EdifactMessage, group: list[tuple[int, EdifactSegment]]) -> Decimal | None:
    found = _qualified(group, "PRI", _PRICES)
    if found is None:
        return None
    position, pri = found
    price = _decimal(message, pri.value(1, 2), "PRI", position)
    basis = _decimal(message, pri.value(1, 5), "PRI", position, component=5)
    return price / basis if price is not None and basis else price


def _qualified(group: list[tuple[int, EdifactSegment]], tag: str, qualifiers: Sequence[str]
               ) -> tuple[int, EdifactSegment] | None:
    """The first `tag` segment with the most preferred qualifier (its first element)."""
    found = {s.value(1): (p, s) for p, s in reversed(group) if s.tag == tag}
    return next((found[q] for q in qualifiers if q in found), None)


def _decimal(message: EdifactMessage, text: str, tag: str, position: int,
             component: int = 2) -> Decimal | None:
    if not text:
        return None
    try:
        if not _NUMBER.fullmatch(text):
            raise InvalidOperation(text)
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        _fail_in(message, "12", f"{text!r} is not a number", tag, position, 1, component)
