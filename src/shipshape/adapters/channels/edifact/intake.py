"""An EDIFACT interchange as the EDI service sees it: partner, orders, CONTRL and APERAK."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shipshape.adapters.channels import edifact
from shipshape.adapters.channels.edifact.contrl_in import contrl_report, is_contrl
from shipshape.adapters.channels.edifact.ordchg import is_ordchg
from shipshape.adapters.channels.edifact.ordrsp import build_ordrsp
from shipshape.adapters.channels.edifact.ordrsp_change import EdifactChanges
from shipshape.domain import edi_changes as ec
from shipshape.domain.edi_acks import AckReport
from shipshape.domain.errors import InvalidInput
from shipshape.domain.order_response import OrderResponse
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.services.edi_intake import Allocate, OutboundDocument, Result
from shipshape.services.intake import IntakeResult, SubmitOrder
from shipshape.services.ports import EdiStore

DUPLICATE = "26"
HELD_ERROR = "2"
"""Application error code in ERC for an order that was received but is on hold."""


@dataclass
class EdifactInterchangeIn:
    interchange: edifact.EdifactInterchange
    our: OurIdentity
    at: datetime
    standard: str = "edifact"
    _taken: list[tuple[edifact.EdifactMessage, str]] = field(default_factory=list)
    _errors: list[edifact.EdifactError] = field(default_factory=list)
    _changes: EdifactChanges = field(default_factory=EdifactChanges)

    @property
    def control_number(self) -> str:
        return self.interchange.control_reference

    @property
    def raw(self) -> bytes:
        """This interchange's own bytes (after its UNA), not the whole file's."""
        return self.interchange.source

    @property
    def sender(self) -> str:
        return self.interchange.sender_id

    @property
    def rejected(self) -> bool:
        return bool(self.interchange.errors)

    def find_partner(self, store: EdiStore) -> TradingPartner | None:
        """A profile may name the sender with its qualifier ("id:qualifier") or without."""
        ix = self.interchange
        qualified = f"{ix.sender_id}:{ix.sender_qualifier}" if ix.sender_qualifier else None
        found = store.partner_by_edifact(qualified) if qualified else None
        return found or store.partner_by_edifact(ix.sender_id)

    def orders(self, partner: TradingPartner) -> list[SubmitOrder]:
        if self.interchange.errors:
            return []
        commands = []
        for message in self.interchange.messages:
            if is_contrl(message):
                continue  # an acknowledgement of ours: `acknowledgements`
            if is_ordchg(message):  # an order change: `change_requests`
                self._changes.take(message)
                continue
            try:
                draft = edifact.order_from_orders(message, partner, self.control_number)
            except edifact.EdifactSyntaxError as error:
                self._errors.append(error.error)
                continue
            self._taken.append((message, draft.customer_po or ""))
            commands.append(SubmitOrder(draft, f"edifact:{partner.id}:{draft.external_id}"))
        return commands

    def answers(self, partner: TradingPartner, results: Sequence[Result], allocate: Allocate,
                duplicate: bool, responses: Sequence[OrderResponse] = ()
                ) -> list[OutboundDocument]:
        documents = []
        if partner.wants("CONTRL") and not self._only_contrl:
            documents.append(self._contrl(duplicate, allocate))
        if partner.wants("APERAK") and not duplicate:
            documents += [self._aperak(partner, message, po, result, allocate)
                          for (message, po), result in zip(self._taken, results, strict=True)
                          if _complaints(result)]
        if partner.wants("ORDRSP") and not duplicate and responses:
            documents += self._ordrsps(partner, responses, allocate)
        return documents

    def _ordrsps(self, partner: TradingPartner, responses: Sequence[OrderResponse],
                 allocate: Allocate) -> list[OutboundDocument]:
        """Per order taken, its ORDRSP with each line's own outcome. A response EDIFACT cannot
        carry (a value too long for its element) is left out rather than failing the intake."""
        documents = []
        for (message, _), response in zip(self._taken, responses, strict=True):
            try:
                build_ordrsp(response, partner, self.our, 1, self.at,
                             message_ref=message.reference)
            except InvalidInput:
                continue
            control = allocate("interchange")
            text = build_ordrsp(response, partner, self.our, control, self.at,
                                message_ref=message.reference)
            documents.append(OutboundDocument("ORDRSP", str(control), text))
        return documents

    def consult(self, known: Callable[[str, str], bool]) -> None:
        """ORDCHG names its purpose; nothing to tell apart."""

    def change_requests(self) -> list[ec.ChangeRequest]:
        return self._changes.requests()

    def change_answers(self, partner: TradingPartner, outcomes: Sequence[ec.ChangeOutcome],
                       allocate: Allocate) -> list[OutboundDocument]:
        """An ORDRSP per ORDCHG, when the partner wants them."""
        return self._changes.answers(partner, outcomes, allocate, self.our, self.at)

    def acknowledgements(self) -> list[AckReport]:
        """The CONTRL messages in it (acknowledging what we sent)."""
        found = (contrl_report(m, self.control_number) for m in self.interchange.messages
                 if is_contrl(m))
        return [report for report in found if report is not None]

    @property
    def _only_contrl(self) -> bool:
        """A CONTRL is never answered with a CONTRL: that would start a loop."""
        messages = self.interchange.messages
        return bool(messages) and all(is_contrl(m) for m in messages)

    def _contrl(self, duplicate: bool, allocate: Allocate) -> OutboundDocument:
        errors = list(self._errors)
        if duplicate:
            errors.append(edifact.EdifactError(
                DUPLICATE, "interchange control reference already received", "UNB"))
        control = str(allocate("interchange"))
        text = edifact.build_contrl(self.interchange, errors, control, self.our, now=self.at)
        return OutboundDocument("CONTRL", control, text)

    def _aperak(self, partner: TradingPartner, message: edifact.EdifactMessage, po: str,
                result: Result, allocate: Allocate) -> OutboundDocument:
        control = str(allocate("interchange"))
        text = edifact.build_aperak(po, message.reference, _complaints(result), control,
                                    partner, self.our, now=self.at)
        return OutboundDocument("APERAK", control, text)


def _complaints(result: Result) -> list[tuple[str, str]]:
    """The blocking findings of an order that was not simply accepted, as ERC code and text."""
    if not isinstance(result, IntakeResult):
        return [("13", str(result))]
    if result.status == "accepted":
        return []
    findings = result.body.get("findings")
    listed = findings if isinstance(findings, list) else []
    blocking = [f for f in listed if isinstance(f, dict) and f.get("severity") == "block"]
    texts = [f"{f.get('code')}: {f.get('message')}" for f in blocking] or [result.status]
    return [(HELD_ERROR, text) for text in texts]


def read_edifact(raw: bytes, our: OurIdentity, at: datetime) -> Iterator[EdifactInterchangeIn]:
    """Each interchange of a file, read as it is taken; EdifactSyntaxError where it is not."""
    return (EdifactInterchangeIn(ix, our, at) for ix in edifact.interchanges(raw))
