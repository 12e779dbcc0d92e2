"""An AS2 message opened (decrypted, its signature checked, its MIC taken) or built."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography import x509

from shipshape.adapters.channels.as2 import crypto
from shipshape.adapters.channels.as2.crypto import As2CryptoError, Identity
from shipshape.adapters.channels.as2.mime import (
    ENVELOPED_TYPE,
    Entity,
    entity_bytes,
    header_block,
    micalg_of,
    multipart,
    new_boundary,
    parse_entity,
    signature_part,
    signed_content_type,
    split_signed,
)
from shipshape.domain.partners import TradingPartner

PKCS7_MIME = ("application/pkcs7-mime", "application/x-pkcs7-mime")


@dataclass(frozen=True, slots=True)
class Security:
    """What a partner's messages must be, and the certificate that checks them."""

    certificate: x509.Certificate | None
    require_signed: bool = True
    require_encrypted: bool = True


@dataclass(frozen=True, slots=True)
class Opened:
    payload: bytes
    payload_type: str
    mic: str
    mic_digest: str
    signed: bool
    encrypted: bool


@dataclass(frozen=True, slots=True)
class Built:
    headers: dict[str, str]
    body: bytes
    mic: str
    mic_digest: str


def open_message(content_type: str, transfer_encoding: str, body: bytes, ours: Identity,
                 security: Security, wanted_digest: str | None = None) -> Opened:
    """The payload of an inbound message and the MIC of what was signed (or received);
    `As2CryptoError` with the MDN's error word when it cannot be opened or trusted."""
    entity = Entity(header_block({"Content-Type": content_type or "text/plain",
                                  "Content-Transfer-Encoding": transfer_encoding}), body)
    raw = entity_bytes({"Content-Type": content_type}, body)
    encrypted = entity.content_type in PKCS7_MIME
    if encrypted:
        if entity.param("smime-type").lower() == "compressed-data":
            raise As2CryptoError("unsupported-format", "compressed AS2 messages are not taken")
        raw = crypto.decrypt(entity.decoded(), ours)
        entity = parse_entity(raw)
    elif security.require_encrypted:
        raise As2CryptoError("insufficient-message-security",
                             "the partner's messages must be encrypted")
    signed = entity.content_type == "multipart/signed"
    digest = wanted_digest
    if signed:
        raw, used = verified_part(entity, security.certificate)
        entity, digest = parse_entity(raw), digest or used
    elif security.require_signed:
        raise As2CryptoError("insufficient-message-security",
                             "the partner's messages must be signed")
    if entity.content_type.startswith("multipart/") or entity.content_type in PKCS7_MIME:
        raise As2CryptoError("unsupported-format",
                             f"a {entity.content_type} payload is not taken")
    digest = digest or crypto.DEFAULT_DIGEST
    return Opened(entity.decoded(), entity.content_type, crypto.mic(raw, digest), digest,
                  signed, encrypted)


def verified_part(entity: Entity,
                  certificate: x509.Certificate | None) -> tuple[bytes, str]:
    """The signed part's bytes and the digest of its signature, checked; a part whose line
    ends were changed to bare LF on the way is checked in canonical CRLF form too."""
    if certificate is None:
        raise As2CryptoError("authentication-failed",
                             "no certificate of the partner is configured (as2_certificate)")
    content, signature = split_signed(entity)
    der = signature.decoded()
    try:
        return content, crypto.verify(content, der, certificate)
    except As2CryptoError:
        canonical = content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if canonical == content:
            raise
        return canonical, crypto.verify(canonical, der, certificate)


def build_message(payload: bytes, payload_type: str, ours: Identity,
                  partner: x509.Certificate | None, *, sign: bool, encrypt: bool,
                  digest: str = crypto.DEFAULT_DIGEST) -> Built:
    """The HTTP body and content headers of an outbound message, and the MIC the receipt
    must return."""
    content = _payload_entity(payload, payload_type)
    mic = crypto.mic(content, digest)
    content_type = payload_type
    body = payload
    if sign:
        boundary = new_boundary()
        content_type = signed_content_type(boundary, micalg_of(digest))
        body = multipart(boundary, [content, signature_part(crypto.sign(content, ours, digest))])
        content = entity_bytes({"Content-Type": content_type}, body)
    if encrypt:
        if partner is None:
            raise As2CryptoError("unexpected-processing-error",
                                 "no certificate of the partner to encrypt to")
        content_type, body = ENVELOPED_TYPE, crypto.encrypt(content, partner)
    headers = {"Content-Type": content_type}
    if encrypt:
        headers["Content-Transfer-Encoding"] = "binary"
    return Built(headers, body, mic, digest)


def load_security(partner: TradingPartner) -> Security:
    """A partner profile's AS2 security (`as2_certificate`, `as2_sign`, `as2_encrypt`)."""
    pem = partner.as2_certificate
    return Security(crypto.load_certificate(pem) if pem.strip() else None,
                    partner.as2_sign, partner.as2_encrypt)


def _payload_entity(payload: bytes, payload_type: str) -> bytes:
    """The payload as a MIME entity: as it is when its lines already end in CRLF, base64
    otherwise (S/MIME readers canonicalise bare line ends, which would break the signature)."""
    if b"\n" not in payload.replace(b"\r\n", b"") and b"\r" not in payload.replace(b"\r\n", b""):
        return entity_bytes({"Content-Type": payload_type,
                             "Content-Transfer-Encoding": "binary"}, payload)
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    return entity_bytes({"Content-Type": payload_type, "Content-Transfer-Encoding": "base64"},
                        encoded)
