"""EDI interchanges: refuse resends, take the orders in one transaction, keep every document."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shipshape.domain.edi_acks import AckReport
from shipshape.domain.edi_changes import ChangeOutcome
from shipshape.domain.errors import Conflict, NotFound
from shipshape.domain.order_response import OrderResponse
from shipshape.domain.partners import TradingPartner, with_as2_start
from shipshape.services.deps import Deps
from shipshape.services.edi_ack_intake import take_acknowledgements
from shipshape.services.edi_changes import answer_changes, consult_orders, take_changes
from shipshape.services.intake import IntakeResult, SubmitOrder, submit_in
from shipshape.services.order_responses import order_responses
from shipshape.services.ports import EdiStore, InterchangeRecord, UnitOfWork

Result = IntakeResult | Conflict
Allocate = Callable[[str], int]
"""The partner's next control number of a kind (one counter for everything sent to it)."""


@dataclass(frozen=True, slots=True)
class OutboundDocument:
    doc_type: str
    control_number: str
    text: str


class InterchangeHandler(Protocol):
    """What a channel adapter supplies: how to find the partner, map orders, answer."""

    @property
    def standard(self) -> str: ...
    @property
    def control_number(self) -> str: ...
    @property
    def raw(self) -> bytes:
        """This interchange's own bytes, as received."""
        ...
    @property
    def sender(self) -> str: ...
    @property
    def rejected(self) -> bool:
        """The envelope itself was refused: no order was taken, a corrected resend is welcome."""
        ...
    def find_partner(self, store: EdiStore) -> TradingPartner | None: ...
    def orders(self, partner: TradingPartner) -> list[SubmitOrder]: ...
    def acknowledgements(self) -> list[AckReport]:
        """The 997s, 999s or CONTRLs in the interchange: what the partner says of ours."""
        ...
    def answers(self, partner: TradingPartner, results: Sequence[Result], allocate: Allocate,
                duplicate: bool, responses: Sequence[OrderResponse] = ()
                ) -> list[OutboundDocument]:
        """The acknowledgements; `responses`: per order taken, each line's outcome (855)."""
        ...


@dataclass(frozen=True, slots=True)
class InterchangeOutcome:
    interchange_id: int
    partner_id: str
    duplicate: bool
    results: tuple[Result, ...]
    acknowledgements: tuple[OutboundDocument, ...]
    changes: tuple[ChangeOutcome, ...] = ()
    """What became of the order changes and cancellations it carried (860, ORDCHG)."""


def upsert_partners(deps: Deps, partners: Sequence[TradingPartner]) -> int:
    now = deps.clock.now()
    with deps.uow() as uow:
        for partner in partners:
            uow.edi.upsert_partner(with_as2_start(partner, uow.edi.partner(partner.id), now))
        uow.commit()
    return len(partners)


def unknown_senders(deps: Deps, handlers: Sequence[InterchangeHandler]) -> list[str]:
    """Senders of these interchanges that no partner profile names, checked before any write."""
    with deps.uow.reading() as uow:
        return sorted({h.sender for h in handlers if h.find_partner(uow.edi) is None})


def receive_interchange(deps: Deps, handler: InterchangeHandler) -> InterchangeOutcome:
    """One transaction: the duplicate check, every order, the log and the acknowledgements.

    The interchange's bytes are stored once: a resend of the very same bytes is logged with
    their content hash, which names the copy already kept.
    """
    with deps.uow() as uow:
        partner = _partner(uow, handler)
        now = deps.clock.now()
        duplicate = _resent(uow, partner, handler, now)
        consult_orders(uow, partner, handler)
        commands = [] if duplicate else handler.orders(partner)
        results = tuple(submit_in(deps, uow, commands)) if commands else ()
        changes = () if duplicate else take_changes(deps, uow, partner, handler)
        status = "duplicate" if duplicate else "rejected" if handler.rejected else "accepted"
        record = _record(partner, handler, results, status, now)
        kept = uow.edi.holds_copy(partner.id, handler.standard, handler.control_number,
                                  record.content_hash)
        interchange_id = uow.edi.record_interchange(record)
        if not kept:
            uow.edi.store_document(partner.id, "in", handler.standard, handler.control_number,
                                   interchange_id, as_text(handler.raw), now)
        responses = order_responses(uow, commands, results, now.date(), deps.replenishment)
        acks = _answer(uow, partner, handler, results, duplicate, interchange_id, now,
                       responses)
        acks += answer_changes(uow, partner, handler, changes, interchange_id, now)
        if not duplicate:
            take_acknowledgements(deps, uow, partner, handler.acknowledgements(), now)
        uow.commit()
    return InterchangeOutcome(interchange_id, partner.id, duplicate, results, acks,
                              changes=changes)


def as_text(raw: bytes) -> str:
    """Received bytes as storable text: Latin-1 keeps every byte; NUL (padding) is spelled out."""
    return raw.decode("latin-1").replace("\x00", "\\x00")


def _partner(uow: UnitOfWork, handler: InterchangeHandler) -> TradingPartner:
    found = handler.find_partner(uow.edi)
    if found is None:
        raise NotFound(f"no trading partner is configured for this {handler.standard} sender")
    uow.edi.lock_partner(found.id)
    return found


def _resent(uow: UnitOfWork, partner: TradingPartner, handler: InterchangeHandler,
            now: datetime) -> bool:
    since = now - timedelta(days=partner.duplicate_window_days)
    return uow.edi.seen_interchange(partner.id, handler.standard, handler.control_number, since)


def _answer(
    uow: UnitOfWork, partner: TradingPartner, handler: InterchangeHandler,
    results: Sequence[Result], duplicate: bool, interchange_id: int, now: datetime,
    responses: Sequence[OrderResponse] = (),
) -> tuple[OutboundDocument, ...]:
    def allocate(kind: str) -> int:
        return uow.edi.next_control_number(partner.id, kind)
    acks = handler.answers(partner, results, allocate, duplicate, responses=responses)
    for ack in acks:
        uow.edi.store_document(partner.id, "out", ack.doc_type, ack.control_number,
                               interchange_id, ack.text, now)
    return tuple(acks)


def _record(partner: TradingPartner, handler: InterchangeHandler, results: Sequence[Result],
            status: str, now: datetime) -> InterchangeRecord:
    order_ids = tuple(str(r.body.get("order_id") or r.body.get("duplicate_of") or "")
                      for r in results if isinstance(r, IntakeResult))
    return InterchangeRecord(partner.id, handler.standard, handler.control_number,
                             hashlib.sha256(handler.raw).hexdigest(), status, order_ids, now)
