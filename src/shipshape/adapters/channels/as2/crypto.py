"""CMS for AS2: detached signatures, their check, enveloping and its reverse, and the MIC.

`cryptography` builds signatures and envelopes and opens envelopes (AES-128/256-CBC); it has no
signature check, so `verify` reads the SignedData with `asn1crypto` and checks it by hand: the
`message-digest` signed attribute against the content's digest, then the signature over the
DER of the signed attributes with the partner certificate's public key.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512}
"""Digest algorithms by their plain name (AS2's `sha-256` is `sha256` here)."""
DEFAULT_DIGEST = "sha256"


class As2CryptoError(Exception):
    """A message that cannot be opened or checked; `modifier` is the MDN's error word."""

    def __init__(self, modifier: str, detail: str) -> None:
        super().__init__(detail)
        self.modifier = modifier


@dataclass(frozen=True, slots=True)
class Identity:
    """A key and its certificate: ours, to sign and to decrypt."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def from_files(cls, key_file: str | Path, cert_file: str | Path) -> Identity:
        key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise ValueError(f"{key_file}: an RSA or EC private key is needed")
        return cls(load_certificate(Path(cert_file).read_text()), key)


def load_certificate(pem: str) -> x509.Certificate:
    """A PEM certificate; `As2CryptoError` when it is not one."""
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as error:
        raise As2CryptoError("unexpected-processing-error",
                             f"the partner's certificate is not a PEM certificate: {error}")\
            from error


def digest_name(name: str) -> str | None:
    """`sha-256`, `SHA256`, `sha256` -> `sha256`; None for a digest we do not know."""
    plain = name.strip().lower().replace("-", "")
    return plain if plain in HASHES else None


def mic(content: bytes, digest: str = DEFAULT_DIGEST) -> str:
    """The base64 digest of `content` (RFC 4130 7.3.1's Received-Content-MIC value)."""
    return base64.b64encode(hashlib.new(digest, content).digest()).decode()


SIGNING: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
    "sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


def signing_digest(digest: str) -> str:
    """The digest we sign with for a wanted one: never SHA-1 (sha256 instead)."""
    return digest if digest in SIGNING else DEFAULT_DIGEST


def sign(content: bytes, ours: Identity, digest: str = DEFAULT_DIGEST) -> bytes:
    """A detached CMS signature (DER) over `content`, byte for byte (binary mode)."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(
        ours.certificate, ours.key, SIGNING[signing_digest(digest)])
    return builder.sign(serialization.Encoding.DER,
                        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])


def encrypt(content: bytes, recipient: x509.Certificate) -> bytes:
    """`content` enveloped (AES-256-CBC) for `recipient`, DER."""
    builder = (pkcs7.PKCS7EnvelopeBuilder().set_data(content).add_recipient(recipient)
               .set_content_encryption_algorithm(algorithms.AES256))
    return builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


def decrypt(der: bytes, ours: Identity) -> bytes:
    """The content of an envelope for us; `As2CryptoError("decryption-failed")` otherwise."""
    if not isinstance(ours.key, rsa.RSAPrivateKey):
        raise As2CryptoError("decryption-failed", "our key is not an RSA key")
    try:
        return pkcs7.pkcs7_decrypt_der(der, ours.certificate, ours.key, [])
    except (ValueError, TypeError) as error:
        raise As2CryptoError("decryption-failed", f"the message cannot be decrypted: {error}")\
            from error
    except Exception as error:  # cryptography raises UnsupportedAlgorithm for 3DES and others
        raise As2CryptoError("decryption-failed", f"the message cannot be decrypted: {error}")\
            from error


def verify(content: bytes, signature: bytes, signer: x509.Certificate) -> str:
    """Check a detached CMS signature over `content` by `signer`; the digest it used.

    `As2CryptoError("authentication-failed")` when it does not verify."""
    signer_info = _signer_info(signature)
    digest = digest_name(signer_info["digest_algorithm"]["algorithm"].native or "")
    if digest is None:
        raise As2CryptoError("authentication-failed", "the signature's digest is not supported")
    signed = _signed_bytes(signer_info, content, digest)
    _check(signer, signer_info, signed, HASHES[digest]())
    return digest


def _signer_info(signature: bytes) -> cms.SignerInfo:
    try:
        info = cms.ContentInfo.load(signature)
        if info["content_type"].native != "signed_data":
            raise ValueError("not a CMS SignedData")
        signer_infos = info["content"]["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError(f"{len(signer_infos)} signers, one expected")
        signer_info: cms.SignerInfo = signer_infos[0]
        signer_info.native  # noqa: B018 - parses it all: a malformed signature fails here
    except (ValueError, TypeError, KeyError) as error:
        raise As2CryptoError("authentication-failed", f"the signature is unreadable: {error}")\
            from error
    return signer_info


def _signed_bytes(signer_info: cms.SignerInfo, content: bytes, digest: str) -> bytes:
    """What the signature is over: the signed attributes (after their message digest is
    checked against the content), or the content itself when there are none."""
    attributes = signer_info["signed_attrs"]
    if not attributes:
        return content
    digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
    if digests != [hashlib.new(digest, content).digest()]:
        raise As2CryptoError("authentication-failed",
                             "the signed content's digest differs from the signed one: the "
                             "content was changed")
    dumped: bytes = attributes.dump()
    return b"\x31" + dumped[1:]  # the [0] IMPLICIT tag back to SET OF, as it was signed


def _check(signer: x509.Certificate, signer_info: cms.SignerInfo, signed: bytes,
           digest: hashes.HashAlgorithm) -> None:
    key = signer.public_key()
    value: bytes = signer_info["signature"].native
    try:
        algorithm = signer_info["signature_algorithm"].signature_algo
    except ValueError as error:
        raise As2CryptoError("authentication-failed", f"unknown signature algorithm: {error}")\
            from error
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm == "rsassa_pss":
            key.verify(value, signed, padding.PSS(padding.MGF1(digest), padding.PSS.AUTO), digest)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, signed, ec.ECDSA(digest))
        else:
            raise As2CryptoError("authentication-failed", "the partner's key type is unsupported")
    except InvalidSignature as error:
        raise As2CryptoError("authentication-failed",
                             "the signature does not verify with the partner's certificate")\
            from error
