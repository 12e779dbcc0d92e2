"""An X12 interchange as the EDI service sees it: partner, orders, and the answers it wants."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shipshape.adapters.channels import x12
from shipshape.adapters.channels.x12.ack_in import ack_reports
from shipshape.adapters.channels.x12.po865 import X12Changes
from shipshape.domain import edi_changes as ec
from shipshape.domain.edi_acks import AckReport
from shipshape.domain.order_response import OrderResponse
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.services.edi_intake import Allocate, OutboundDocument, Result
from shipshape.services.intake import SubmitOrder
from shipshape.services.ports import EdiStore

DUPLICATE_NOTE = "025"


@dataclass
class X12Interchange:
    interchange: x12.Interchange
    our: OurIdentity
    at: datetime
    standard: str = "x12"
    _orders: list[x12.Order850] = field(default_factory=list)
    _sets: dict[str, list[x12.SetResult]] = field(default_factory=dict)
    _changes: X12Changes = field(default_factory=X12Changes)

    @property
    def control_number(self) -> str:
        return self.interchange.control_number

    @property
    def raw(self) -> bytes:
        """This interchange's own bytes, not the whole file's."""
        return self.interchange.source

    @property
    def sender(self) -> str:
        return f"{self.interchange.sender_qualifier}:{self.interchange.sender_id.strip()}"

    @property
    def rejected(self) -> bool:
        return x12.ta1_note(self.interchange) != "000"

    def find_partner(self, store: EdiStore) -> TradingPartner | None:
        return store.partner_by_x12(self.interchange.sender_qualifier,
                                    self.interchange.sender_id)

    def orders(self, partner: TradingPartner) -> list[SubmitOrder]:
        if x12.ta1_note(self.interchange) != "000":
            return []
        for group in self.interchange.groups:
            self._sets[group.control_number] = [
                self._take_set(ts, partner, importable=not group.errors)
                for ts in group.transaction_sets]
        return [SubmitOrder(o.draft, f"x12:{partner.id}:{o.draft.external_id}")
                for o in self._orders]

    def acknowledgements(self) -> list[AckReport]:
        """The 997s and 999s of its FA groups (acknowledging what we sent)."""
        return ack_reports(self.interchange)

    def _take_set(self, ts: x12.TransactionSet, partner: TradingPartner,
                  importable: bool) -> x12.SetResult:
        if self._changes.wants(ts):  # an 860, an 850 that cancels or replaces an order
            return self._changes.take(ts, partner, self.at.date(), importable)
        if ts.id != "850":
            return x12.set_result(ts, codes=("1",))
        mapped = x12.orders_from_850(ts, partner, self.at.date())
        result = x12.set_result(ts, mapped)
        if importable and result.accepted:
            self._orders.extend(mapped)
        return result

    def consult(self, known: Callable[[str, str], bool]) -> None:
        self._changes.known = known

    def change_requests(self) -> list[ec.ChangeRequest]:
        return self._changes.requests()

    def change_answers(self, partner: TradingPartner, outcomes: Sequence[ec.ChangeOutcome],
                       allocate: Allocate) -> list[OutboundDocument]:
        """An 865 per change request, when the partner wants them."""
        return self._changes.answers(partner, outcomes, allocate, self.our, self.at)

    def answers(self, partner: TradingPartner, results: Sequence[Result], allocate: Allocate,
                duplicate: bool, responses: Sequence[OrderResponse] = ()
                ) -> list[OutboundDocument]:
        """997s (and TA1), then per order taken its 855 with each line's own outcome."""
        note = DUPLICATE_NOTE if duplicate else x12.ta1_note(self.interchange)
        if note != "000":
            return self._ta1(partner, note, allocate)
        documents = self._997s(partner, allocate) if partner.wants("997") else []
        if partner.wants("855"):
            documents += [self._855(order, response, allocate)
                          for order, response in zip(self._orders, responses, strict=True)]
        return documents

    def _ta1(self, partner: TradingPartner, note: str, allocate: Allocate
             ) -> list[OutboundDocument]:
        if not partner.wants("TA1"):
            return []
        control = allocate("interchange")
        text = x12.build_ta1(self.interchange, note, control, self.our, self.at)
        return [OutboundDocument("TA1", str(control), text)]

    def _997s(self, partner: TradingPartner, allocate: Allocate) -> list[OutboundDocument]:
        documents = []
        for group in self.interchange.groups:
            if group.functional_id == "FA":
                continue  # acknowledging an acknowledgement would start a loop
            control = allocate("interchange")
            text = x12.build_997(self.interchange, group, self._sets.get(group.control_number),
                                 control, self.our, self.at)
            documents.append(OutboundDocument("997", str(control), text))
        return documents

    def _855(self, order: x12.Order850, response: OrderResponse, allocate: Allocate
             ) -> OutboundDocument:
        control = allocate("interchange")
        text = x12.build_855(order, response, control, self.our, self.at)
        return OutboundDocument("855", str(control), text)


def read_x12(raw: bytes, our: OurIdentity, at: datetime) -> Iterator[X12Interchange]:
    """Each interchange of a file, read as it is taken; X12SyntaxError where it is not X12."""
    return (X12Interchange(ix, our, at) for ix in x12.interchanges(raw))
