"""An order as its partner sent it, read again from the stored interchange: the 850 (or the
ORDERS message) an order's `external_id` names, and its lines as sent. What an 855 / ORDRSP
answering the order again is made of."""

from __future__ import annotations

from datetime import date

from shipshape.adapters.channels import edifact, x12
from shipshape.domain.order_response import DEFAULT_UOM, OrderedLine
from shipshape.domain.orders import OrderDraft
from shipshape.domain.partners import TradingPartner
from shipshape.services.edi_later_responses import EDIFACT, X12

UNREADABLE = (x12.X12SyntaxError, edifact.EdifactSyntaxError, ValueError)


def x12_order(text: str, external_id: str, partner: TradingPartner,
              received: date) -> x12.Order850 | None:
    """The order of the stored X12 interchange whose id is `external_id`
    (`ISA13-GS06-ST02`, `-store` for an SDQ destination); None when it holds none."""
    try:
        for interchange in x12.parse(text):
            for group in interchange.groups:
                for ts in (t for t in group.transaction_sets if t.id == "850"):
                    found = next((o for o in x12.orders_from_850(ts, partner, received)
                                  if o.draft.external_id == external_id), None)
                    if found is not None:
                        return found
    except UNREADABLE:
        return None
    return None


def orders_message(text: str, external_id: str, partner: TradingPartner
                   ) -> tuple[edifact.EdifactMessage, OrderDraft] | None:
    """The ORDERS message of the stored EDIFACT interchange whose id is `external_id`
    (`UNB 0020-UNH 0062`) and its order; None when it holds none."""
    try:
        for interchange in edifact.interchanges(text):
            reference = interchange.control_reference
            for message in interchange.messages:
                if f"{reference}-{message.reference}" == external_id:
                    return message, edifact.order_from_orders(message, partner, reference)
    except UNREADABLE:
        return None
    return None


def sent_lines(standard: str, text: str, external_id: str, partner: TradingPartner,
               received: date) -> tuple[OrderedLine, ...] | None:
    """The order's lines as the partner sent them (line, item as mapped, quantity, unit)."""
    draft: OrderDraft | None = None
    if standard == X12:
        order = x12_order(text, external_id, partner, received)
        draft = order.draft if order else None
    elif standard == EDIFACT:
        found = orders_message(text, external_id, partner)
        draft = found[1] if found else None
    if draft is None:
        return None
    return tuple(OrderedLine(line.line_no, line.sku, line.quantity or 0,
                             line.uom or DEFAULT_UOM) for line in draft.lines)
