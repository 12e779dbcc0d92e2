"""AS2 with the `openssl cms` command line as the independent partner: a signed and encrypted
850 in (the MDN checked by openssl, its MIC against `openssl dgst`), a tampered one refused,
a resend taken once; outbound documents to a local AS2 peer that answers with openssl-signed
MDNs, a good one, a wrong MIC and none."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.channels.as2.crypto import Identity
from shipshape.adapters.channels.as2.http import HttpAs2Transmitter
from shipshape.adapters.db import tables
from shipshape.adapters.db.as2_store import SqlAs2
from shipshape.adapters.systems.retrying import policy_of, retried
from shipshape.bootstrap import Container, build
from shipshape.config import As2Settings, Settings
from shipshape.services import as2 as as2_service
from shipshape.services import edi_intake as edi
from shipshape.services.ports.metrics import NoMetrics
from tests.integration.test_edi_api import NODE_850, PARTNERS, count, seed

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
OURS, THEIRS = "SHIPSHAPE-AS2", "XYZ-AS2"


def _keypair(folder: Path, name: str) -> tuple[Path, Path]:
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


def openssl(*args: str | Path, data: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *map(str, args)], input=data, capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    us_key, us_cert = _keypair(tmp_path, "us")
    them_key, them_cert = _keypair(tmp_path, "them")
    return {"us_key": us_key, "us_cert": us_cert, "them_key": them_key, "them_cert": them_cert,
            "dir": tmp_path}


@pytest.fixture
def container(database_url: str, keys: dict[str, Path]) -> Iterator[Container]:
    settings = Settings(database_url=database_url, env="test", as2=As2Settings(
        id=OURS, key_file=str(keys["us_key"]), cert_file=str(keys["us_cert"]),
        max_attempts=2, first_delay_s=0, max_delay_s=0, jitter_s=0, timeout_s=5))
    built = build(settings, migrate=True)
    seed(built)
    xyz = next(p for p in PARTNERS if p.id == "XYZ-RETAIL")
    edi.upsert_partners(built.deps, [xyz.model_copy(update={
        "as2_id": THEIRS, "as2_certificate": keys["them_cert"].read_text()}).to_domain()])
    yield built
    built.close()


def partner_message(keys: dict[str, Path], edi_text: str) -> tuple[bytes, bytes, bytes]:
    """What a partner sends, made by openssl: the signed entity, the signed S/MIME, and
    the enveloped DER of it."""
    entity = b"Content-Type: application/edi-x12\r\n\r\n" + edi_text.encode()
    folder = keys["dir"]
    (folder / "entity").write_bytes(entity)
    signed = openssl("cms", "-sign", "-binary", "-crlfeol", "-md", "sha256", "-in",
                     folder / "entity", "-signer", keys["them_cert"], "-inkey", keys["them_key"])
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
    (keys["dir"] / "mdn").write_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return openssl("cms", "-verify", "-in", keys["dir"] / "mdn", "-CAfile", keys["us_cert"])


def test_a_signed_encrypted_850_is_taken_and_answered_with_a_signed_mdn(
        client: TestClient, container: Container, keys: dict[str, Path]) -> None:
    entity, _, enveloped = partner_message(keys, NODE_850)
    answer = client.post("/api/v1/as2", content=enveloped, headers=as2_headers("<m-1@xyz>"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["AS2-From"] == OURS and answer.headers["AS2-To"] == THEIRS
    report = checked_mdn(keys, answer.headers["Content-Type"], answer.content)
    expected_mic = base64.b64encode(openssl("dgst", "-sha256", "-binary",
                                            data=entity)).decode()
    assert f"Received-Content-MIC: {expected_mic}, sha-256".encode() in report
    assert b"Disposition: automatic-action/MDN-sent-automatically; processed\r\n" in report
    assert b"Original-Message-ID: <m-1@xyz>" in report
    assert count(container, "orders") == 1
    again = client.post("/api/v1/as2", content=enveloped, headers=as2_headers("<m-1@xyz>"))
    assert again.status_code == 200 and again.content == answer.content
    assert count(container, "orders") == 1
    assert count(container, "edi_interchanges") == 1


def test_a_tampered_message_gets_an_error_mdn_and_nothing_is_taken(
        client: TestClient, container: Container, keys: dict[str, Path]) -> None:
    _, signed, _ = partner_message(keys, NODE_850)
    tampered = signed.replace(b"AB3542", b"AB3543")
    enveloped = openssl("cms", "-encrypt", "-binary", "-aes256", "-outform", "DER",
                        keys["us_cert"], data=tampered)
    answer = client.post("/api/v1/as2", content=enveloped, headers=as2_headers("<m-2@xyz>"))
    report = checked_mdn(keys, answer.headers["Content-Type"], answer.content)
    assert b"processed/error: authentication-failed" in report
    garbage = client.post("/api/v1/as2", content=b"\x30\x03junk",
                          headers=as2_headers("<m-3@xyz>"))
    assert b"processed/error: decryption-failed" in checked_mdn(
        keys, garbage.headers["Content-Type"], garbage.content)
    assert count(container, "orders") == 0
    assert count(container, "edi_interchanges") == 0


# ------------------------------------------------------------------------------ outbound


class Peer:
    """A partner's AS2 endpoint: decrypts and checks with openssl, answers an openssl-signed
    MDN (`mode`: good, bad-mic, none)."""

    def __init__(self, keys: dict[str, Path], mode: str) -> None:
        self.keys, self.mode, self.received = keys, mode, 0

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        self.received += 1
        folder = self.keys["dir"]
        signed = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-recip",
                         self.keys["them_cert"], "-inkey", self.keys["them_key"], data=body)
        (folder / "in.msg").write_bytes(signed)
        content = openssl("cms", "-verify", "-in", folder / "in.msg", "-CAfile",
                          self.keys["us_cert"])
        if self.mode == "none":
            return {}, b""
        mic = base64.b64encode(openssl("dgst", "-sha256", "-binary", data=content)).decode()
        if self.mode == "bad-mic":
            mic = base64.b64encode(b"x" * 32).decode()
        report = ("Content-Type: multipart/report; report-type=disposition-notification; "
                  "boundary=\"rep\"\r\n\r\n--rep\r\nContent-Type: text/plain\r\n\r\nok\r\n"
                  "--rep\r\nContent-Type: message/disposition-notification\r\n\r\n"
                  f"Original-Message-ID: {headers['Message-ID']}\r\n"
                  f"Received-Content-MIC: {mic}, sha-256\r\n"
                  "Disposition: automatic-action/MDN-sent-automatically; processed\r\n"
                  "\r\n--rep--\r\n").encode()
        (folder / "report").write_bytes(report)
        smime = openssl("cms", "-sign", "-binary", "-crlfeol", "-md", "sha256", "-in",
                        folder / "report", "-signer", self.keys["them_cert"], "-inkey",
                        self.keys["them_key"])
        head, _, mdn = smime.partition(b"\r\n\r\n")
        content_type = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-type"))
        return {"Content-Type": content_type.decode()}, mdn


def serve_peer(peer: Peer) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers, mdn = peer.answer(dict(self.headers.items()), body)
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(mdn)))
            self.end_headers()
            self.wfile.write(mdn)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server


@pytest.mark.parametrize("mode", ["good", "bad-mic", "none"])
def test_outbound_documents_go_over_as2_and_a_missing_receipt_opens_a_case(
        container: Container, keys: dict[str, Path], mode: str) -> None:
    peer = Peer(keys, mode)
    server = serve_peer(peer)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/as2"
        xyz = next(p for p in PARTNERS if p.id == "XYZ-RETAIL")
        edi.upsert_partners(container.deps, [xyz.model_copy(update={
            "as2_id": THEIRS, "as2_url": url,
            "as2_certificate": keys["them_cert"].read_text()}).to_domain()])
        with container.engine.begin() as conn:
            conn.execute(tables.edi_documents.insert(), {
                "partner_id": "XYZ-RETAIL", "direction": "out", "doc_type": "856",
                "control_number": "7", "interchange_id": None, "content": NODE_850,
                "created_at": dt.datetime.now(dt.UTC)})
        store = SqlAs2(container.engine)
        s = container.settings.as2
        transmitter = HttpAs2Transmitter(OURS, Identity.from_files(s.key_file, s.cert_file),
                                         s.timeout_s)
        policy = policy_of(s)

        def under_policy(call: object) -> as2_service.Delivered:
            return retried("as2", "send", call, policy, NoMetrics())  # type: ignore[arg-type]

        report = as2_service.send_pending(container.deps, store, transmitter, under_policy)
        again = as2_service.send_pending(container.deps, store, transmitter, under_policy)
    finally:
        server.shutdown()
    with container.engine.connect() as conn:
        [row] = conn.execute(select(tables.metadata.tables["as2_messages"])).all()
        codes = conn.execute(select(tables.exception_cases.c.code)).scalars().all()
    assert again == as2_service.SendReport()
    if mode == "good":
        assert report.delivered == 1 and row.status == "delivered" and peer.received == 1
        assert "AS2_TRANSMISSION_FAILED" not in codes
    else:
        assert report.failed == 1 and row.status == "failed" and row.attempts == 2
        assert peer.received == 2
        assert "AS2_TRANSMISSION_FAILED" in codes
