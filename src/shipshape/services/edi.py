"""EDI interchanges: refuse resends, take the orders in one transaction, keep every document."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shipshape.domain.errors import Conflict, NotFound
from shipshape.domain.partners import TradingPartner
from shipshape.services.deps import Deps
from shipshape.services.intake import IntakeResult, SubmitOrder, submit_in
from shipshape.services.ports import InterchangeRecord, UnitOfWork


@dataclass(frozen=True, slots=True)
class InboundInterchange:
    partner_id: str
    standard: str
    control_number: str
    raw: bytes
    orders: tuple[SubmitOrder, ...]


@dataclass(frozen=True, slots=True)
class InterchangeOutcome:
    interchange_id: int | None
    duplicate: bool
    results: tuple[IntakeResult | Conflict, ...]
    acknowledgements: tuple[OutboundDocument, ...]


@dataclass(frozen=True, slots=True)
class OutboundDocument:
    doc_type: str
    control_number: str
    text: str


Allocate = Callable[[str], int]
"""Next control number of a kind ("interchange", "group", "set") for the partner."""
AckBuilder = Callable[[Sequence[IntakeResult | Conflict], Allocate, bool], list[OutboundDocument]]
"""The answers to an interchange from its order results; the flag says it was a resend."""


def upsert_partners(deps: Deps, partners: Sequence[TradingPartner]) -> int:
    with deps.uow() as uow:
        for partner in partners:
            uow.edi.upsert_partner(partner)
        uow.commit()
    return len(partners)


def receive_interchange(
    deps: Deps, inbound: InboundInterchange, build_acks: AckBuilder
) -> InterchangeOutcome:
    """One transaction: the duplicate check, every order, the log and the acknowledgements."""
    with deps.uow() as uow:
        partner = uow.edi.partner(inbound.partner_id, lock=True)
        if partner is None:
            raise NotFound(f"trading partner {inbound.partner_id} is not configured")
        now = deps.clock.now()
        if _resent(uow, partner, inbound, now):
            return _refuse_duplicate(uow, partner, inbound, build_acks, now)
        results = tuple(submit_in(deps, uow, list(inbound.orders)))
        interchange_id = uow.edi.record_interchange(_record(inbound, results, "accepted", now))
        acks = _store_acks(uow, partner, interchange_id, results, build_acks, now)
        _store_inbound(uow, partner, inbound, interchange_id, now)
        uow.commit()
    return InterchangeOutcome(interchange_id, False, results, acks)


def _resent(uow: UnitOfWork, partner: TradingPartner, inbound: InboundInterchange,
            now: datetime) -> bool:
    since = now - timedelta(days=partner.duplicate_window_days)
    return uow.edi.seen_interchange(partner.id, inbound.standard, inbound.control_number, since)


def _refuse_duplicate(
    uow: UnitOfWork, partner: TradingPartner, inbound: InboundInterchange,
    build_acks: AckBuilder, now: datetime,
) -> InterchangeOutcome:
    interchange_id = uow.edi.record_interchange(_record(inbound, (), "duplicate", now))
    _store_inbound(uow, partner, inbound, interchange_id, now)
    acks = _store_acks(uow, partner, interchange_id, (), build_acks, now, duplicate=True)
    uow.commit()
    return InterchangeOutcome(interchange_id, True, (), acks)


def _store_acks(
    uow: UnitOfWork, partner: TradingPartner, interchange_id: int,
    results: Sequence[IntakeResult | Conflict], build_acks: AckBuilder, now: datetime,
    duplicate: bool = False,
) -> tuple[OutboundDocument, ...]:
    def allocate(kind: str) -> int:
        return uow.edi.next_control_number(partner.id, kind)
    acks = build_acks(results, allocate, duplicate)
    for ack in acks:
        uow.edi.store_document(partner.id, "out", ack.doc_type, ack.control_number,
                               interchange_id, ack.text, now)
    return tuple(acks)


def _store_inbound(uow: UnitOfWork, partner: TradingPartner, inbound: InboundInterchange,
                   interchange_id: int, now: datetime) -> None:
    uow.edi.store_document(partner.id, "in", inbound.standard, inbound.control_number,
                           interchange_id, inbound.raw.decode("latin-1"), now)


def _record(inbound: InboundInterchange, results: Sequence[IntakeResult | Conflict],
            status: str, now: datetime) -> InterchangeRecord:
    order_ids = tuple(str(r.body.get("order_id") or r.body.get("duplicate_of") or "")
                      for r in results if isinstance(r, IntakeResult))
    return InterchangeRecord(inbound.partner_id, inbound.standard, inbound.control_number,
                             hashlib.sha256(inbound.raw).hexdigest(), status, order_ids, now)
