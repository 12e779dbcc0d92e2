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
    awaiting_receipt: bool = False
    """Sent, and its MDN is to come later to our receipt URL (an asynchronous MDN)."""


AWAITING_RECEIPT = "awaiting_mdn"
MESSAGE_ID_MAX = 255
"""The longest Message-ID a transmission keeps (`as2_messages.message_id`)."""


@dataclass(frozen=True, slots=True)
class AwaitedReceipt:
    """A transmission sent with an asynchronous MDN asked for, still without one."""

    document: OutboundDocument
    message_id: str
    mic: str


@dataclass(frozen=True, slots=True)
class ArrivedReceipt:
    """An MDN a partner posted to us, its signature checked."""

    original_message_id: str
    disposition: str
    mic: str | None
    processed: bool


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

    def awaited(self, partner_id: str, message_id: str) -> AwaitedReceipt | None:
        """The transmission awaiting an asynchronous MDN under this Message-ID."""
        ...

    def overdue_receipts(self, sent_before: datetime) -> list[AwaitedReceipt]:
        """Transmissions sent before `sent_before` still awaiting their asynchronous MDN."""
        ...

    def record(self, record: As2Record, at: datetime) -> None: ...

    def backlog(self, partners: list[TradingPartner], stale_before: datetime) -> As2Backlog:
        """Documents `unsent` would give (without a limit), and those awaiting an MDN."""
        ...


@dataclass(frozen=True, slots=True)
class As2Backlog:
    """What AS2 outbound owes: documents due and not sent (the oldest stored when), and
    transmissions awaiting their asynchronous MDN."""

    unsent: int
    oldest_unsent: datetime | None
    awaiting_receipt: int


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
    awaiting_receipt: int = 0
    """Sent, their asynchronous MDN still to come."""


def send_pending(deps: Deps, store: As2Store, transmitter: As2Transmitter, retried: Retried,
                 lease: timedelta, receipt_wait: timedelta = timedelta(hours=1),
                 limit: int = 100) -> SendReport:
    """Send every outbound document not yet transmitted to the AS2 partners; one case per
    failed document, and per document whose asynchronous MDN did not come within
    `receipt_wait`. `lease`: how long a claim stays another sender's (longer than the retry
    policy can take), after which a sender that died is taken over."""
    failed = _receipts_overdue(deps, store, deps.clock.now() - receipt_wait)
    partners = {p.id: p for p in store.as2_partners()}
    stale_before = deps.clock.now() - lease
    delivered = awaiting = 0
    for document in store.unsent(list(partners.values()), stale_before, limit) if partners else []:
        message_id = store.claim(document, f"<{deps.new_id('as2')}@shipshape>",
                                 deps.clock.now(), stale_before)
        if message_id is None:
            continue
        try:
            outcome = retried(partial(transmitter.transmit, partners[document.partner_id],
                                      document, message_id))
        except ConnectorError as error:
            _failed(deps, store, document, message_id, error.reason, error.attempts)
            failed += 1
            continue
        status = AWAITING_RECEIPT if outcome.awaiting_receipt else "delivered"
        store.settle(As2Record("out", document.partner_id, message_id, status, document.id,
                               outcome.mic, outcome.disposition or None), deps.clock.now())
        if outcome.awaiting_receipt:
            awaiting += 1
        else:
            delivered += 1
    return SendReport(delivered, failed, awaiting)


def receipt_arrived(deps: Deps, store: As2Store, partner_id: str,
                    receipt: ArrivedReceipt) -> str:
    """An asynchronous MDN for a message we sent: `delivered` when it says processed and
    returns our MIC, else `failed` (a case opens); `unknown` when no transmission of the partner
    awaits an MDN under its Original-Message-ID (one no message of ours could have, too long or
    with a NUL, is not looked up)."""
    wanted = receipt.original_message_id
    awaited = store.awaited(partner_id, wanted) if _could_be_ours(wanted) else None
    if awaited is None:
        return "unknown"
    problem = receipt_problem(awaited.mic, receipt)
    if problem is not None:
        _failed(deps, store, awaited.document, awaited.message_id, problem, 1)
        return "failed"
    store.settle(As2Record("out", partner_id, awaited.message_id, "delivered",
                           awaited.document.id, awaited.mic, receipt.disposition),
                 deps.clock.now())
    return "delivered"


def _could_be_ours(message_id: str) -> bool:
    return 0 < len(message_id) <= MESSAGE_ID_MAX and "\x00" not in message_id


def receipt_problem(mic: str, receipt: ArrivedReceipt) -> str | None:
    """What is wrong with a receipt for a message whose MIC is `mic`; None when nothing."""
    if not receipt.processed:
        return f"the partner answered {receipt.disposition}"
    if receipt.mic != mic:
        return f"the MDN's MIC {receipt.mic} differs from ours {mic}"
    return None


def _receipts_overdue(deps: Deps, store: As2Store, sent_before: datetime) -> int:
    overdue = store.overdue_receipts(sent_before)
    for awaited in overdue:
        _failed(deps, store, awaited.document, awaited.message_id,
                "the partner's asynchronous MDN did not come in time", 1)
    return len(overdue)


def _failed(deps: Deps, store: As2Store, document: OutboundDocument, message_id: str,
            reason: str, attempts: int) -> None:
    """The case first (a crash after it sends the document again, and the case consolidates),
    then the transmission's state."""
    now = deps.clock.now()
    finding = transmission_failed(document.partner_id, document.doc_type,
                                  document.control_number, document.id, reason)
    with deps.uow() as uow:
        opened = open_case(deps, uow, finding, CaseOrigin(None, None, Decimal(0), None, now),
                           stage=Stage.SHIP.value)
        uow.events.append([opened.event])
        uow.commit()
    store.settle(As2Record("out", document.partner_id, message_id, "failed", document.id,
                           detail=reason, attempts=attempts), now)
