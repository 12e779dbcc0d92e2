"""`EdiDocumentWriter` for EDIFACT: the DESADV and the INVOIC, one message per interchange,
referenced UNB 0020 = UNH 0062 by the partner's control number."""

from __future__ import annotations

from datetime import datetime

from shipshape.adapters.channels.edifact.desadv import build_desadv
from shipshape.adapters.channels.edifact.invoic import build_invoic
from shipshape.domain.billing import Invoice
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Shipment


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
