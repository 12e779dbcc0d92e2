"""A trading partner's side of AS2, made with the `openssl cms` command line (independent of
Shipshape's own AS2 code): its key pair, the messages it sends us, and its endpoint that takes
what we send, checks it and answers a signed receipt (MDN)."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.worlds.peers import serve_answers

OURS, THEIRS = "SHIPSHAPE-AS2", "XYZ-AS2"


def keypair(folder: Path, name: str) -> tuple[Path, Path]:
    """An RSA key and a self-signed certificate for `name`, as PEM files in `folder`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def keys_in(folder: Path) -> dict[str, Path]:
    us_key, us_cert = keypair(folder, "us")
    them_key, them_cert = keypair(folder, "them")
    return {"us_key": us_key, "us_cert": us_cert, "them_key": them_key, "them_cert": them_cert,
            "dir": folder}


def openssl(*args: str | Path, data: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *map(str, args)], input=data, capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def _scratch(keys: dict[str, Path], content: bytes) -> Path:
    """A file of `content` in the keys' folder (openssl reads some inputs only from files)."""
    with tempfile.NamedTemporaryFile(dir=keys["dir"], delete=False) as file:
        file.write(content)
    return Path(file.name)


def partner_message(keys: dict[str, Path], edi_text: str) -> tuple[bytes, bytes, bytes]:
    """What a partner sends: the signed entity, the signed S/MIME, and the enveloped DER."""
    entity = b"Content-Type: application/edi-x12\r\n\r\n" + edi_text.encode()
    signed = openssl("cms", "-sign", "-binary", "-crlfeol", "-md", "sha256", "-in",
                     _scratch(keys, entity), "-signer", keys["them_cert"], "-inkey",
                     keys["them_key"])
    enveloped = openssl("cms", "-encrypt", "-binary", "-aes256", "-outform", "DER",
                        keys["us_cert"], data=signed)
    return entity, signed, enveloped


def as2_headers(message_id: str) -> dict[str, str]:
    return {"AS2-From": THEIRS, "AS2-To": OURS, "AS2-Version": "1.2", "Message-ID": message_id,
            "Content-Type": 'application/pkcs7-mime; smime-type=enveloped-data',
            "Disposition-Notification-To": "edi@xyz.example",
            "Disposition-Notification-Options":
                "signed-receipt-protocol=optional, pkcs7-signature; "
                "signed-receipt-micalg=optional, sha-256"}


def checked_mdn(keys: dict[str, Path], content_type: str, body: bytes) -> bytes:
    """The MDN's report, its signature checked by openssl with our certificate."""
    mdn = _scratch(keys, f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return openssl("cms", "-verify", "-in", mdn, "-CAfile", keys["us_cert"])


@dataclass
class Peer:
    """A partner's AS2 endpoint: decrypts and checks what we send with openssl, keeps the EDI
    and answers an openssl-signed MDN (`mode`: good, bad-mic, none)."""

    keys: dict[str, Path]
    mode: str = "good"
    documents: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def received(self) -> int:
        with self.lock:
            return len(self.documents)

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        signed = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-recip",
                         self.keys["them_cert"], "-inkey", self.keys["them_key"], data=body)
        content = openssl("cms", "-verify", "-in", _scratch(self.keys, signed), "-CAfile",
                          self.keys["us_cert"])
        with self.lock:
            self.documents.append(content)
            self.headers.append(headers)
        if self.mode == "none":
            return {}, b""
        return self.receipt(len(self.documents) - 1, wrong_mic=self.mode == "bad-mic")

    def receipt(self, index: int, wrong_mic: bool = False) -> tuple[dict[str, str], bytes]:
        """The signed MDN for the `index`-th message received: its Content-Type and body."""
        with self.lock:
            content, message_id = self.documents[index], self.headers[index]["Message-ID"]
        mic = base64.b64encode(openssl("dgst", "-sha256", "-binary", data=content)).decode()
        if wrong_mic:
            mic = base64.b64encode(b"x" * 32).decode()
        return self._mdn(message_id, mic)

    def _mdn(self, message_id: str, mic: str) -> tuple[dict[str, str], bytes]:
        report = ("Content-Type: multipart/report; report-type=disposition-notification; "
                  "boundary=\"rep\"\r\n\r\n--rep\r\nContent-Type: text/plain\r\n\r\nok\r\n"
                  "--rep\r\nContent-Type: message/disposition-notification\r\n\r\n"
                  f"Original-Message-ID: {message_id}\r\n"
                  f"Received-Content-MIC: {mic}, sha-256\r\n"
                  "Disposition: automatic-action/MDN-sent-automatically; processed\r\n"
                  "\r\n--rep--\r\n").encode()
        smime = openssl("cms", "-sign", "-binary", "-crlfeol", "-md", "sha256", "-in",
                        _scratch(self.keys, report), "-signer", self.keys["them_cert"],
                        "-inkey", self.keys["them_key"])
        head, _, mdn = smime.partition(b"\r\n\r\n")
        content_type = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-type"))
        return {"Content-Type": content_type.decode()}, mdn


def serve_peer(peer: Peer) -> ThreadingHTTPServer:
    """`peer` on a free port of 127.0.0.1, in a thread; shut it down when done."""
    return serve_answers(lambda headers, body: (200, *peer.answer(headers, body)))
