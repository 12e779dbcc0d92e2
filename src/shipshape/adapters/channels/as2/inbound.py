"""An AS2 message in: the partner by AS2-From, decrypted, its signature checked, its EDI taken
by the same intake as an uploaded file, and an MDN (signed) to answer with, synchronously or
to the partner's `Receipt-Delivery-Option` URL. A message taken before (same partner and
Message-ID) is answered with the MDN it had, and taken no second time. An MDN posted here for a
message we sent (an asynchronous one) settles that transmission."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from shipshape.adapters.channels.as2 import crypto
from shipshape.adapters.channels.as2.crypto import As2CryptoError, Identity
from shipshape.adapters.channels.as2.mdn import (
    PROCESSED,
    Receipt,
    error_disposition,
    is_receipt,
    read_receipt,
    write_receipt,
)
from shipshape.adapters.channels.as2.message import Opened, load_security, open_message
from shipshape.adapters.channels.receive import Standard, receive_file, standard_of
from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.services.as2 import (
    ArrivedReceipt,
    As2Record,
    As2Store,
    StoredReceipt,
    receipt_arrived,
)
from shipshape.services.deps import Deps

STANDARDS: dict[str, Standard] = {"application/edi-x12": "x12", "application/edifact": "edifact"}


class InboundStore(As2Store, Protocol):
    def partner_by_as2_id(self, as2_id: str) -> TradingPartner | None: ...
    def receipt_of(self, partner_id: str, message_id: str) -> StoredReceipt | None: ...


@dataclass(frozen=True, slots=True)
class Station:
    """Us, as AS2 sees us: our AS2 name, key and certificate, our EDI ids."""

    as2_id: str
    identity: Identity
    edi: OurIdentity


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    async_url: str | None = None
    """Post `async_mdn` there (the partner asked for an asynchronous MDN)."""
    async_mdn: tuple[dict[str, str], bytes] | None = None


def receive_as2(deps: Deps, store: InboundStore, us: Station, headers: Mapping[str, str],
                body: bytes) -> Answer:
    h = {name.lower(): value for name, value in headers.items()}
    sender, message_id = _unquoted(h.get("as2-from", "")), h.get("message-id", "").strip()
    if not sender or not message_id:
        return Answer(400, {"Content-Type": "text/plain"}, b"AS2-From and Message-ID needed")
    partner = store.partner_by_as2_id(sender)
    if partner is None:
        return _reply(us, sender, h, Receipt(message_id, us.as2_id, sender,
                                             error_disposition("authentication-failed"),
                                             f"unknown AS2-From {sender}"))
    if is_receipt(h.get("content-type", ""), body):
        return _take_receipt(deps, store, partner, h, body)
    kept = store.receipt_of(partner.id, message_id)
    if kept is not None:
        return _stored_reply(us, sender, h, kept)
    receipt, status = _take(deps, us, partner, h, body, message_id)
    answer = _reply(us, sender, h, receipt)
    store.record(As2Record("in", partner.id, message_id, status, mic=receipt.mic,
                           disposition=receipt.disposition, detail=receipt.text,
                           mdn_type=_mdn_type(answer), mdn=_mdn_body(answer)), deps.clock.now())
    return answer


def _take_receipt(deps: Deps, store: InboundStore, partner: TradingPartner,
                  h: Mapping[str, str], body: bytes) -> Answer:
    """An asynchronous MDN for a message we sent: matched, its signature and MIC checked. An
    MDN that does not verify changes nothing (the wait for a true one runs on); the answer to
    an MDN is never an MDN."""
    try:
        read = read_receipt(h.get("content-type", ""), body,
                            load_security(partner).certificate, require_signed=partner.as2_sign)
    except As2CryptoError as error:
        return Answer(400, {"Content-Type": "text/plain"}, f"MDN refused: {error}".encode())
    outcome = receipt_arrived(deps, store, partner.id, ArrivedReceipt(
        read.original_message_id, read.disposition, read.mic, read.processed))
    return Answer(200, {"Content-Type": "text/plain"}, f"MDN {outcome}".encode())


def _take(deps: Deps, us: Station, partner: TradingPartner, h: Mapping[str, str], body: bytes,
          message_id: str) -> tuple[Receipt, str]:
    """The receipt for the message and `processed` or `error`."""
    try:
        opened = open_message(h.get("content-type", ""), h.get("content-transfer-encoding", ""),
                              body, us.identity, load_security(partner),
                              _wanted_digest(h.get("disposition-notification-options", "")))
        if h.get("as2-to") is not None and _unquoted(h["as2-to"]) != us.as2_id:
            raise As2CryptoError("unexpected-processing-error",
                                 f"AS2-To {h['as2-to']} is not us ({us.as2_id})")
    except As2CryptoError as error:
        return Receipt(message_id, us.as2_id, partner.as2_id,
                       error_disposition(error.modifier), str(error)), "error"
    try:
        outcome = receive_file(deps, opened.payload, _standard(opened), us.edi)
    except InvalidInput as error:
        return _receipt(us, partner, message_id, opened,
                        error_disposition("unexpected-processing-error"), str(error)), "error"
    text = (f"The message was received and its {len(outcome.interchanges)} interchange(s) "
            "taken.")
    return _receipt(us, partner, message_id, opened, PROCESSED, text), "processed"


def _receipt(us: Station, partner: TradingPartner, message_id: str, opened: Opened,
             disposition: str, text: str) -> Receipt:
    return Receipt(message_id, us.as2_id, partner.as2_id, disposition, text, opened.mic,
                   opened.mic_digest)


def _standard(opened: Opened) -> Standard:
    return STANDARDS.get(opened.payload_type) or standard_of("", opened.payload[:16])


def _wanted_digest(options: str) -> str | None:
    """The first digest we know of `signed-receipt-micalg` in Disposition-Notification-Options."""
    for option in options.split(";"):
        name, _, values = option.partition("=")
        if name.strip().lower() == "signed-receipt-micalg":
            for value in values.split(",")[1:]:
                if (digest := crypto.digest_name(value)) is not None:
                    return digest
    return None


def _reply(us: Station, sender: str, h: Mapping[str, str], receipt: Receipt) -> Answer:
    if "disposition-notification-to" not in h:
        return Answer(200)
    content_type, mdn = write_receipt(receipt, us.identity)
    return _answer(us, sender, h, content_type, mdn)


def _stored_reply(us: Station, sender: str, h: Mapping[str, str], kept: StoredReceipt) -> Answer:
    if "disposition-notification-to" not in h or not kept.mdn_type:
        return Answer(200)
    return _answer(us, sender, h, kept.mdn_type, kept.mdn)


def _answer(us: Station, sender: str, h: Mapping[str, str], content_type: str,
            mdn: bytes) -> Answer:
    headers = {"AS2-Version": "1.2", "AS2-From": us.as2_id, "AS2-To": sender,
               "Message-ID": f"<mdn-{crypto.mic(mdn)[:16]}@shipshape>", "MIME-Version": "1.0",
               "Content-Type": content_type}
    url = h.get("receipt-delivery-option", "").strip()
    if url:
        return Answer(200, async_url=url, async_mdn=(headers, mdn))
    return Answer(200, headers, mdn)


def _mdn_type(answer: Answer) -> str:
    if answer.async_mdn is not None:
        return answer.async_mdn[0]["Content-Type"]
    return answer.headers.get("Content-Type", "")


def _mdn_body(answer: Answer) -> bytes:
    return answer.async_mdn[1] if answer.async_mdn is not None else answer.body


def _unquoted(value: str) -> str:
    return value.strip().strip('"')
