"""AS2 transmissions of outbound EDI documents: each outbound document stored for a partner
since it was given an AS2 endpoint is sent once (claimed first, so two senders never both send
it; signed, encrypted as its profile says) under the retry policy; a receipt (MDN) that is
signed, says `processed` and returns our MIC marks it delivered. No
receipt, a wrong MIC, an error disposition or retries run out: the transmission is `failed`
and an `AS2_TRANSMISSION_FAILED` case opens for integration (consolidated per document)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Protocol

from shipshape.domain.as2 import transmission_failed
from shipshape.domain.cases import CaseOrigin, Stage
from shipshape.domain.partners import TradingPartner
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports.connectors import ConnectorError


@dataclass(frozen=True, slots=True)
class OutboundDocument:
    id: int
    partner_id: str
    doc_type: str
    control_number: str
    content: str


@dataclass(frozen=True, slots=True)
class As2Record:
    """One AS2 message, in or out, and what became of it."""

    direction: str
    partner_id: str
    message_id: str
    status: str
    document_id: int | None = None
    mic: str | None = None
    disposition: str | None = None
    detail: str | None = None
    attempts: int = 1
    mdn_type: str = ""
    mdn: bytes = b""


@dataclass(frozen=True, slots=True)
class StoredReceipt:
    status: str
    mdn_type: str
    mdn: bytes


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: str
    mic: str
    disposition: str


class As2Store(Protocol):
    def as2_partners(self) -> list[TradingPartner]: ...

    def unsent(self, partners: list[TradingPartner], stale_before: datetime,
               limit: int = 100) -> list[OutboundDocument]:
        """Documents of `partners` stored since each was given its AS2 endpoint with no
        transmission yet, or with a claim last renewed before `stale_before`; oldest first."""
        ...

    def claim(self, document: OutboundDocument, message_id: str, at: datetime,
              stale_before: datetime) -> str | None:
        """Take the document for sending: the Message-ID to send it under (`message_id` for a
        new claim, the first Message-ID when a stale claim is taken over, so the partner's AS2
        sees a resend), None when another sender holds it or it was sent."""
        ...

    def settle(self, record: As2Record, at: datetime) -> None:
        """The claimed transmission's outcome."""
        ...

    def record(self, record: As2Record, at: datetime) -> None: ...


class As2Transmitter(Protocol):
    """Sends one document to a partner and checks the receipt; `ConnectorUnavailable` when it
    may succeed later (no answer, a 5xx, no MDN, a MIC that differs), `ConnectorRejected` when
    the partner said no (a 4xx, an error disposition, a receipt that does not verify)."""

    def transmit(self, partner: TradingPartner, document: OutboundDocument,
                 message_id: str) -> Delivered: ...


Retried = Callable[[Callable[[], Delivered]], Delivered]
"""Runs a call under the retry policy (`adapters.systems.retrying.retried` bound)."""


@dataclass(frozen=True, slots=True)
class SendReport:
    delivered: int = 0
    failed: int = 0


def send_pending(deps: Deps, store: As2Store, transmitter: As2Transmitter, retried: Retried,
                 lease: timedelta, limit: int = 100) -> SendReport:
    """Send every outbound document not yet transmitted to the AS2 partners; one case per
    failed document. `lease`: how long a claim stays another sender's (longer than the retry
    policy can take), after which a sender that died is taken over."""
    partners = {p.id: p for p in store.as2_partners()}
    stale_before = deps.clock.now() - lease
    delivered = failed = 0
    for document in store.unsent(list(partners.values()), stale_before, limit) if partners else []:
        partner = partners[document.partner_id]
        message_id = store.claim(document, f"<{deps.new_id('as2')}@shipshape>",
                                 deps.clock.now(), stale_before)
        if message_id is None:
            continue
        try:
            outcome = retried(partial(transmitter.transmit, partner, document, message_id))
        except ConnectorError as error:
            _failed(deps, store, partner, document, message_id, error)
            failed += 1
            continue
        store.settle(As2Record("out", partner.id, message_id, "delivered", document.id,
                               outcome.mic, outcome.disposition), deps.clock.now())
        delivered += 1
    return SendReport(delivered, failed)


def _failed(deps: Deps, store: As2Store, partner: TradingPartner, document: OutboundDocument,
            message_id: str, error: ConnectorError) -> None:
    """The case first (a crash after it sends the document again, and the case consolidates),
    then the transmission's state."""
    now = deps.clock.now()
    finding = transmission_failed(partner.id, document.doc_type, document.control_number,
                                  document.id, error.reason)
    with deps.uow() as uow:
        opened = open_case(deps, uow, finding, CaseOrigin(None, None, Decimal(0), None, now),
                           stage=Stage.SHIP.value)
        uow.events.append([opened.event])
        uow.commit()
    store.settle(As2Record("out", partner.id, message_id, "failed", document.id,
                           detail=error.reason, attempts=error.attempts), now)
