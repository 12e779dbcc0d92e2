"""`EdiDocumentWriter` for X12: the 856 and the 810 of `x12.outbound`, one document per
interchange, numbered ISA13 = GS06 = ST02 by the partner's control number; and the 855 that
answers an order again (BAK01 `05`), echoing the stored 850."""

from __future__ import annotations

from datetime import datetime

from shipshape.adapters.channels.sent_orders import x12_order
from shipshape.adapters.channels.x12.outbound import ControlNumbers, build_810, build_856
from shipshape.adapters.channels.x12.po855 import REPLACE, build_855
from shipshape.domain.billing import Invoice
from shipshape.domain.errors import InvalidInput
from shipshape.domain.order_response import OrderResponse
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Shipment
from shipshape.services.edi_later_responses import InboundOrder


def control_numbers(control_number: int) -> ControlNumbers:
    """One number for the interchange, its one group and its one transaction set."""
    return ControlNumbers(control_number, control_number, control_number)


class X12DocumentWriter:
    def __init__(self, our: OurIdentity, test: bool = False) -> None:
        self._our = our
        self._test = test

    def ship_notice(self, shipment: Shipment, partner: TradingPartner, control_number: int,
                    when: datetime) -> str:
        return build_856(shipment, partner, self._our, control_numbers(control_number), when,
                         test=self._test)

    def invoice(self, invoice: Invoice, partner: TradingPartner, control_number: int,
                when: datetime) -> str:
        return build_810(invoice, partner, self._our, control_numbers(control_number), when,
                         test=self._test)

    def order_response(self, response: OrderResponse, inbound: InboundOrder,
                       control_number: int, when: datetime) -> str:
        order = x12_order(inbound.interchange or "", inbound.external_id, inbound.partner,
                          when.date())
        if order is None:
            raise InvalidInput(f"the 850 of order {inbound.order_id} is not stored")
        return build_855(order, response, control_number, self._our, when, purpose=REPLACE)
