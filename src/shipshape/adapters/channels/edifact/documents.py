"""`EdiDocumentWriter` for EDIFACT: the DESADV and the INVOIC, one message per interchange,
referenced UNB 0020 = UNH 0062 by the partner's control number; and the ORDRSP that answers an
order again (RFF+ACW naming the ORDERS message)."""

from __future__ import annotations

from datetime import datetime

from shipshape.adapters.channels.edifact.desadv import build_desadv
from shipshape.adapters.channels.edifact.invoic import build_invoic
from shipshape.adapters.channels.edifact.ordrsp import build_ordrsp
from shipshape.adapters.channels.sent_orders import orders_message
from shipshape.domain.billing import Invoice
from shipshape.domain.order_response import OrderResponse
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Shipment
from shipshape.services.edi_later_responses import InboundOrder


class EdifactDocumentWriter:
    def __init__(self, our: OurIdentity, test: bool = False) -> None:
        self._our = our
        self._test = test

    def ship_notice(self, shipment: Shipment, partner: TradingPartner, control_number: int,
                    when: datetime) -> str:
        return build_desadv(shipment, partner, self._our, control_number, when,
                            test=self._test)

    def invoice(self, invoice: Invoice, partner: TradingPartner, control_number: int,
                when: datetime) -> str:
        return build_invoic(invoice, partner, self._our, control_number, when, test=self._test)

    def order_response(self, response: OrderResponse, inbound: InboundOrder,
                       control_number: int, when: datetime) -> str:
        found = orders_message(inbound.interchange or "", inbound.external_id, inbound.partner)
        return build_ordrsp(response, inbound.partner, self._our, control_number, when,
                            message_ref=found[0].reference if found else None, test=self._test)
