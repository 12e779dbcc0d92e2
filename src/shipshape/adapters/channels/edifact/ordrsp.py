"""ORDRSP (D.96A purchase order response) for an order taken from an ORDERS: the EDIFACT twin of
the 855, made of the same `OrderResponse` (each line's own outcomes).

    BGM+231+<our order id or PO>+<1225>   DTM+137 (issued)
    RFF+ON:<PO>  (RFF+ACW:<ORDERS message reference>)                 SG1
    NAD+SU (us)  NAD+BY (the partner)                                 SG3
    per ordered line: LIN+<line>+<1229>  PIA+5+<SKU>:SA  QTY+21:<ordered>:<unit>
      QTY+113:<to be delivered>  QTY+83:<backordered>
      DTM+11:<despatch date of the quantity to deliver>:102
      DTM+69:<date promised for the backorder>:102
      FTX+AAI+++<reason of a rejection>                               SG26
    UNS+S  CNT+2:<lines>

BGM 1225 (the order as a whole): 29 accepted without amendment (every line as sent), 27 not
accepted (every line rejected), 12 not processed (every line on hold), 4 change otherwise.
LIN 1229 (each line): 5 accepted without amendment, 3 changed (a quantity or the item changed,
or part backordered), 7 not accepted, 4 no action (on hold: availability not known yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydifact.segments import Segment

from shipshape.adapters.channels.edifact import writer as w
from shipshape.adapters.channels.edifact.desadv import parties
from shipshape.domain.errors import InvalidInput
from shipshape.domain.order_response import (
    LineResponse,
    LineStatus,
    OrderResponse,
    ResponseType,
)
from shipshape.domain.partners import OurIdentity, TradingPartner

ORDER_RESPONSE = "231"
ACCEPTED, CHANGED, NOT_ACCEPTED, NO_ACTION = "5", "3", "7", "4"
"""1229 action codes of a line."""
BGM_CODES = {ResponseType.ACCEPTED: "29", ResponseType.REJECTED: "27",
             ResponseType.HELD: "12", ResponseType.CHANGED: "4"}
"""1225 message function by the order's response type."""
ORDERED, TO_DELIVER, BACKORDER = "21", "113", "83"
"""6063 quantity qualifiers."""
DESPATCH_DATE, PROMISED_FOR = "11", "69"
"""2005 date qualifiers."""


def build_ordrsp(response: OrderResponse, partner: TradingPartner, our: OurIdentity,
                 control_number: int, when: datetime, *, message_ref: str | None = None,
                 test: bool = False) -> str:
    """The ORDRSP answering the order of `response`; `message_ref` is the ORDERS' UNH 0062."""
    if not response.lines:
        raise InvalidInput("an order response needs at least one line")
    po = w.text(response.customer_po, "customer PO")
    number = w.required(response.order_id or po, "order id")
    body = [w.seg("BGM", ORDER_RESPONSE, number, BGM_CODES[response.response_type]),
            w.seg("DTM", ["137", when.strftime("%Y%m%d%H%M"), w.STAMP_FORMAT])]
    if po:
        body.append(w.seg("RFF", ["ON", po]))
    if message_ref:
        body.append(w.seg("RFF", ["ACW", w.text(message_ref, "message reference")]))
    body += parties(our, partner)
    for line_no in response.line_nos:
        body += _line(line_no, response.for_line(line_no))
    body += [w.seg("UNS", "S"), w.seg("CNT", ["2", str(len(response.line_nos))])]
    return w.interchange("ORDRSP", body, w.Envelope(partner, our, control_number, when, test))


def line_action(outcomes: Sequence[LineResponse]) -> str:
    """1229 for an ordered line from its outcomes."""
    statuses = {outcome.status for outcome in outcomes}
    if statuses == {LineStatus.REJECTED}:
        return NOT_ACCEPTED
    if statuses == {LineStatus.HELD}:
        return NO_ACTION
    if statuses == {LineStatus.ACCEPTED}:
        return ACCEPTED
    return CHANGED


def _line(line_no: int, outcomes: Sequence[LineResponse]) -> list[Segment]:
    first = outcomes[0]
    unit = w.required(first.uom, f"line {line_no} unit", 3)
    segments = [w.seg("LIN", str(line_no), line_action(outcomes)),
                w.seg("PIA", "5", [w.required(first.sku, f"line {line_no} SKU"), "SA"]),
                w.seg("QTY", [ORDERED, str(first.ordered), unit])]
    shipping = [o for o in outcomes
                if o.status in (LineStatus.ACCEPTED, LineStatus.QUANTITY_CHANGED)]
    backordered = [o for o in outcomes if o.status == LineStatus.BACKORDERED]
    parts = [(TO_DELIVER, DESPATCH_DATE, shipping)] if shipping or backordered else []
    if backordered:
        parts.append((BACKORDER, PROMISED_FOR, backordered))
    segments += [w.seg("QTY", [code, str(sum(o.quantity for o in part)), unit])
                 for code, _, part in parts]
    segments += [w.seg("DTM", [code, w.day(min(dates)), w.DATE_FORMAT])
                 for _, code, part in parts if (dates := [o.date for o in part if o.date])]
    reasons = [o.reason for o in outcomes if o.status == LineStatus.REJECTED and o.reason]
    if reasons:
        segments.append(w.seg("FTX", "AAI", "", "", w.split_text(reasons[0], "reason", 5, 70)))
    return segments

