"""MIME entities as AS2 needs them: exact bytes kept (a signature covers the bytes as sent).

An `Entity` is a header block and a body; `split_signed` cuts a multipart/signed body into its
signed part (bytes as they came, headers included) and its signature; `signed_body` and
`report_body` write multipart bodies with CRLF line ends.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import secrets
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from shipshape.adapters.channels.as2.crypto import As2CryptoError

CRLF = b"\r\n"


@dataclass(frozen=True, slots=True)
class Entity:
    """A MIME entity: its headers (as `email` reads them) and its body bytes as they came."""

    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    def param(self, name: str) -> str:
        value = self.headers.get_param(name, header="content-type")
        return value if isinstance(value, str) else ""

    def decoded(self) -> bytes:
        """The body with its Content-Transfer-Encoding undone."""
        encoding = str(self.headers.get("Content-Transfer-Encoding", "")).strip().lower()
        try:
            if encoding == "base64":
                return base64.b64decode(self.body)
            if encoding == "quoted-printable":
                return quopri.decodestring(self.body)
        except (binascii.Error, ValueError) as error:
            raise As2CryptoError("unexpected-processing-error",
                                 f"the {encoding} body cannot be decoded") from error
        return self.body


def header_block(fields: dict[str, str]) -> Message:
    message = Message(policy=compat32)
    for name, value in fields.items():
        message[name] = value
    return message


def parse_entity(raw: bytes) -> Entity:
    """Headers up to the first empty line, the rest the body, byte for byte."""
    ends = [(at, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (at := raw.find(sep)) >= 0]
    if not ends:
        raise As2CryptoError("unexpected-processing-error", "the MIME entity has no header block")
    at, width = min(ends)
    head = BytesHeaderParser(policy=compat32).parsebytes(raw[:at + width])
    return Entity(head, raw[at + width:])


def split_signed(entity: Entity) -> tuple[bytes, Entity]:
    """The signed part's bytes (its headers and body) and the signature part of a
    multipart/signed entity."""
    boundary = entity.param("boundary")
    if not boundary:
        raise As2CryptoError("unexpected-processing-error", "multipart/signed without boundary")
    parts = parts_of(entity.body, boundary.encode("latin-1"))
    if len(parts) != 2:
        raise As2CryptoError("unexpected-processing-error",
                             f"multipart/signed with {len(parts)} parts, two expected")
    return parts[0], parse_entity(parts[1])


def parts_of(body: bytes, boundary: bytes) -> list[bytes]:
    """The bytes of each body part, without the CRLF before each delimiter (RFC 2046 5.1.1)."""
    delimiter = b"--" + boundary
    lines = body.split(b"\n")
    parts: list[bytes] = []
    current: list[bytes] | None = None
    for line in lines:
        bare = line.rstrip(b"\r").rstrip(b" \t")
        if bare in (delimiter, delimiter + b"--"):
            if current is not None:
                parts.append(_joined(current))
            if bare.endswith(b"--") and bare != delimiter:
                return parts
            current = []
        elif current is not None:
            current.append(line)
    raise As2CryptoError("unexpected-processing-error", "the multipart body has no close")


def _joined(lines: list[bytes]) -> bytes:
    """The part's lines joined; the line end before the delimiter is the delimiter's."""
    joined = b"\n".join(lines)
    return joined[:-1] if joined.endswith(b"\r") else joined


def new_boundary() -> str:
    return "----=_as2_" + secrets.token_hex(12)


def entity_bytes(headers: dict[str, str], body: bytes) -> bytes:
    """An entity written with CRLF line ends (headers as given, one per line)."""
    head = b"".join(f"{name}: {value}".encode() + CRLF for name, value in headers.items())
    return head + CRLF + body


def multipart(boundary: str, parts: list[bytes]) -> bytes:
    """A multipart body of `parts` (each an entity's bytes), with CRLF line ends."""
    delimiter = b"--" + boundary.encode()
    out = b"".join(delimiter + CRLF + part + CRLF for part in parts)
    return out + delimiter + b"--" + CRLF


def signature_part(signature_der: bytes) -> bytes:
    b64 = base64.encodebytes(signature_der).replace(b"\n", CRLF)
    return entity_bytes({"Content-Type": 'application/pkcs7-signature; name="smime.p7s"',
                         "Content-Transfer-Encoding": "base64",
                         "Content-Disposition": 'attachment; filename="smime.p7s"'}, b64)


def signed_content_type(boundary: str, micalg: str) -> str:
    return (f'multipart/signed; protocol="application/pkcs7-signature"; micalg={micalg}; '
            f'boundary="{boundary}"')


ENVELOPED_TYPE = 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"'


def micalg_of(digest: str) -> str:
    """AS2's spelling of a digest: sha256 -> sha-256 (sha1 stays sha1, as RFC 3851 spells it)."""
    return "sha1" if digest == "sha1" else f"sha-{digest[3:]}"
