"""The 855 purchase order acknowledgement: each PO1 of the 850 echoed, with one ACK per outcome
of the line as `domain.order_response` decided it (IA / IB / IQ / IS / IR / IH, its quantity,
unit and, where known, its ship date under qualifier 068; for IS the item shipped instead, as
ACK07 `VN` / ACK08 our SKU). BAK01 is `00` for the answer at intake and `05` (replace) for an
order answered again after intake; BAK02 is the order's response type (AD, AC, RD, AH). Sent in
the sender's envelope, as the other acknowledgements."""

from __future__ import annotations

from datetime import date, datetime

from shipshape.adapters.channels.x12.model import Segment
from shipshape.adapters.channels.x12.po850 import Line850, Order850
from shipshape.adapters.channels.x12.writer import (
    Reply,
    echo,
    functional_group,
    interchange,
    x12_date,
    x12_decimal,
)
from shipshape.domain.order_response import LineResponse, LineStatus, OrderResponse
from shipshape.domain.partners import OurIdentity

CURRENT_SCHEDULE_SHIP = "068"
ORIGINAL, REPLACE = "00", "05"
"""BAK01 transaction set purpose."""
VENDOR_ITEM = "VN"


def build_855(order: Order850, response: OrderResponse, control_number: int,
              our: OurIdentity, at: datetime, purpose: str = ORIGINAL) -> str:
    """An 855: BAK, per PO1 line its ACKs, CTT (PO1 count and the sum of PO102)."""
    reply = Reply.to_envelope(order.envelope)
    body: list[Segment] = [_bak(order, response, at, reply.version, purpose)]
    for line in order.lines:
        acks = response.for_line(line.line_no)
        if not acks:
            raise ValueError(f"no outcome for line {line.line_no}")
        body += _po1_loop(order, line, acks, reply.version)
    quantities = [line.quantity or 0 for line in order.lines]
    body.append(["CTT", str(len(order.lines)), str(sum(quantities))])
    content = functional_group(reply, our, control_number, at, "PR",
                               [("855", echo(body, reply.separators))])
    return interchange(reply, our, control_number, at, content, groups=1)


def _bak(order: Order850, response: OrderResponse, at: datetime, version: str,
         purpose: str) -> Segment:
    return ["BAK", purpose, response.response_type.value, order.po_number,
            x12_date(_as_datetime(order.po_date) or at, version), order.release, "", "",
            order.draft.external_id]


def _as_datetime(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day)


def _po1_loop(order: Order850, line: Line850, acks: tuple[LineResponse, ...],
              version: str) -> list[Segment]:
    ids = [value for pair in line.item_ids for value in pair]
    po1 = ["PO1", line.po101, x12_decimal(line.quantity), line.uom or "",
           x12_decimal(line.unit_price), line.price_basis or "", *ids]
    segments: list[Segment] = [po1]
    if order.store is not None:
        segments.append(["SDQ", line.uom or "EA", line.store_qualifier or "92", order.store,
                         x12_decimal(line.quantity)])
    segments += [_ack(line, ack, version) for ack in acks]
    return segments


def _ack(line: Line850, ack: LineResponse, version: str) -> Segment:
    """ACK01 status, ACK02 quantity, ACK03 unit, ACK04 068 and ACK05 the date when known;
    for a substitute ACK07 VN and ACK08 the SKU shipped instead."""
    quantity = "" if line.quantity is None and ack.status is LineStatus.REJECTED else (
        x12_decimal(ack.quantity))
    segment = ["ACK", ack.status.value, quantity, line.uom or ack.uom]
    substituted = ack.status is LineStatus.SUBSTITUTED
    if ack.date is not None or substituted:
        segment += [CURRENT_SCHEDULE_SHIP if ack.date else "",
                    x12_date(_as_datetime(ack.date), version)]
    if substituted:
        segment += ["", VENDOR_ITEM, ack.sku]
    return segment
