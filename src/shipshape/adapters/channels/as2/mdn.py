"""Message disposition notifications (RFC 3798 as AS2 uses them, RFC 4130 7.4): written
signed for what we receive, read and checked for what we send."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from cryptography import x509

from shipshape.adapters.channels.as2 import crypto
from shipshape.adapters.channels.as2.crypto import As2CryptoError, Identity
from shipshape.adapters.channels.as2.message import verified_part
from shipshape.adapters.channels.as2.mime import (
    Entity,
    entity_bytes,
    header_block,
    micalg_of,
    multipart,
    new_boundary,
    parse_entity,
    parts_of,
    signature_part,
    signed_content_type,
)

PROCESSED = "automatic-action/MDN-sent-automatically; processed"
NOTIFICATION = "message/disposition-notification"


def error_disposition(modifier: str) -> str:
    return f"{PROCESSED}/error: {modifier}"


@dataclass(frozen=True, slots=True)
class Receipt:
    """An MDN to answer with: who, about which message, what became of it."""

    original_message_id: str
    ours: str
    theirs: str
    disposition: str
    text: str
    mic: str | None = None
    mic_digest: str = crypto.DEFAULT_DIGEST


@dataclass(frozen=True, slots=True)
class ReadReceipt:
    """An MDN a partner returned for a message we sent."""

    original_message_id: str
    disposition: str
    mic: str | None
    mic_digest: str | None
    signed: bool

    @property
    def processed(self) -> bool:
        outcome = self.disposition.rsplit(";", 1)[-1].strip().lower()
        return outcome.startswith("processed") and not any(
            word in outcome for word in ("/error", "/failure", "failed"))


def write_receipt(receipt: Receipt, ours: Identity | None) -> tuple[str, bytes]:
    """The Content-Type and body of the MDN, signed with our key when one is given."""
    boundary = new_boundary()
    fields = {"Reporting-UA": "Shipshape AS2",
              "Original-Recipient": f"rfc822; {receipt.ours}",
              "Final-Recipient": f"rfc822; {receipt.ours}",
              "Original-Message-ID": receipt.original_message_id}
    if receipt.mic is not None:
        fields["Received-Content-MIC"] = f"{receipt.mic}, {micalg_of(receipt.mic_digest)}"
    fields["Disposition"] = receipt.disposition
    notification = b"".join(f"{k}: {v}".encode() + b"\r\n" for k, v in fields.items())
    report_type = (f'multipart/report; report-type=disposition-notification; '
                   f'boundary="{boundary}"')
    report = multipart(boundary, [
        entity_bytes({"Content-Type": "text/plain; charset=us-ascii",
                      "Content-Transfer-Encoding": "7bit"}, receipt.text.encode() + b"\r\n"),
        entity_bytes({"Content-Type": NOTIFICATION, "Content-Transfer-Encoding": "7bit"},
                     notification)])
    if ours is None:
        return report_type, report
    content = entity_bytes({"Content-Type": report_type}, report)
    outer = new_boundary()
    digest = crypto.signing_digest(receipt.mic_digest)
    signature = crypto.sign(content, ours, digest)
    return (signed_content_type(outer, micalg_of(digest)),
            multipart(outer, [content, signature_part(signature)]))


def read_receipt(content_type: str, body: bytes, partner: x509.Certificate | None,
                 require_signed: bool = True) -> ReadReceipt:
    """An MDN's disposition and MIC, its signature checked with the partner's certificate."""
    entity = Entity(header_block({"Content-Type": content_type}), body)
    signed = entity.content_type == "multipart/signed"
    if signed:
        raw, _ = verified_part(entity, partner)
        entity = parse_entity(raw)
    elif require_signed:
        raise As2CryptoError("authentication-failed", "the MDN is not signed")
    if entity.content_type != "multipart/report":
        raise As2CryptoError("unexpected-processing-error",
                             f"a {entity.content_type} answer is not an MDN")
    fields = _notification(entity)
    mic, _, digest = str(fields.get("Received-Content-MIC", "")).partition(",")
    return ReadReceipt(str(fields.get("Original-Message-ID", "")).strip(),
                       " ".join(str(fields.get("Disposition", "")).split()),
                       mic.strip() or None, crypto.digest_name(digest) if digest else None,
                       signed)


def is_receipt(content_type: str, body: bytes) -> bool:
    """Whether a message posted to us is an MDN (a report, signed or not), not a document."""
    try:
        entity = Entity(header_block({"Content-Type": content_type}), body)
        if entity.content_type == "multipart/signed":
            boundary = entity.param("boundary").encode("latin-1")
            first = next(iter(parts_of(entity.body, boundary)), None)
            entity = parse_entity(first) if first is not None else entity
    except (As2CryptoError, ValueError):
        return False
    return entity.content_type == "multipart/report"


def _notification(report: Entity) -> dict[str, str]:
    for part in parts_of(report.body, report.param("boundary").encode("latin-1")):
        entity = parse_entity(part)
        if entity.content_type == NOTIFICATION:
            fields = BytesHeaderParser(policy=compat32).parsebytes(entity.decoded())
            return {name: str(value) for name, value in fields.items()}
    raise As2CryptoError("unexpected-processing-error", "the MDN has no disposition part")
