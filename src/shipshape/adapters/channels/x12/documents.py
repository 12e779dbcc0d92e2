"""`EdiDocumentWriter` for X12: the 856 and the 810 of `x12.outbound`, one document per
interchange, numbered ISA13 = GS06 = ST02 by the partner's control number."""

from __future__ import annotations

from datetime import datetime

from shipshape.adapters.channels.x12.outbound import ControlNumbers, build_810, build_856
from shipshape.domain.billing import Invoice
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.shipping import Shipment


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
