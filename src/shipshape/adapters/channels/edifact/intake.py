"""An EDIFACT interchange as the EDI service sees it: partner, orders, CONTRL and APERAK."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shipshape.adapters.channels import edifact
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
            try:
                draft = edifact.order_from_orders(message, partner, self.control_number)
            except edifact.EdifactSyntaxError as error:
                self._errors.append(error.error)
                continue
            self._taken.append((message, draft.customer_po or ""))
            commands.append(SubmitOrder(draft, f"edifact:{partner.id}:{draft.external_id}"))
        return commands

    def answers(self, partner: TradingPartner, results: Sequence[Result], allocate: Allocate,
                duplicate: bool) -> list[OutboundDocument]:
        documents = []
        if partner.wants("CONTRL"):
            documents.append(self._contrl(duplicate, allocate))
        if partner.wants("APERAK") and not duplicate:
            documents += [self._aperak(partner, message, po, result, allocate)
                          for (message, po), result in zip(self._taken, results, strict=True)
                          if _complaints(result)]
        return documents

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
