"""AS2 with the `openssl cms` command line as the independent partner: a signed and encrypted
850 in (the MDN checked by openssl, its MIC against `openssl dgst`), a tampered one refused,
a resend taken once; outbound documents to a local AS2 peer that answers with openssl-signed
MDNs, a good one, a wrong MIC and none."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from shipshape.adapters.channels.as2.crypto import Identity
from shipshape.adapters.channels.as2.http import HttpAs2Transmitter
from shipshape.adapters.db import tables
from shipshape.adapters.db.as2_store import SqlAs2
from shipshape.bootstrap import Container, as2_sender, build
from shipshape.cli import app, exit_codes
from shipshape.config import As2Settings, Settings
from shipshape.services import as2 as as2_service
from shipshape.services import edi_intake as edi
from tests.cli_support import failing
from tests.conftest import BACKENDS
from tests.integration.test_edi_api import NODE_850, PARTNERS, count, seed
from tests.worlds.as2_partner import (
    OURS,
    THEIRS,
    Peer,
    as2_headers,
    checked_mdn,
    keys_in,
    openssl,
    partner_message,
    serve_peer,
)

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    return keys_in(tmp_path)


@pytest.fixture
def container(database_url: str, keys: dict[str, Path]) -> Iterator[Container]:
    settings = Settings(database_url=database_url, env="test", as2=As2Settings(
        id=OURS, key_file=str(keys["us_key"]), cert_file=str(keys["us_cert"]),
        max_attempts=2, first_delay_s=0, max_delay_s=0, jitter_s=0, timeout_s=5,
        max_unsent_s=0.001))
    built = build(settings, migrate=True)
    seed(built)
    xyz = next(p for p in PARTNERS if p.id == "XYZ-RETAIL")
    edi.upsert_partners(built.deps, [xyz.model_copy(update={
        "as2_id": THEIRS, "as2_certificate": keys["them_cert"].read_text()}).to_domain()])
    yield built
    built.close()


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
        send = as2_sender(container)
        assert send is not None
        report, again = send(), send()
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


def _give_as2_url(container: Container, keys: dict[str, Path], url: str,
                  as2_mdn: str = "sync") -> None:
    xyz = next(p for p in PARTNERS if p.id == "XYZ-RETAIL")
    edi.upsert_partners(container.deps, [xyz.model_copy(update={
        "as2_id": THEIRS, "as2_url": url, "as2_mdn": as2_mdn,
        "as2_certificate": keys["them_cert"].read_text()}).to_domain()])


def _store_outbound(container: Container, control_number: str, at: dt.datetime) -> int:
    with container.engine.begin() as conn:
        return int(conn.execute(tables.edi_documents.insert().returning(
            tables.edi_documents.c.id), {
            "partner_id": "XYZ-RETAIL", "direction": "out", "doc_type": "856",
            "control_number": control_number, "interchange_id": None, "content": NODE_850,
            "created_at": at}).scalar_one())


def test_a_partner_newly_given_an_as2_endpoint_is_sent_only_what_is_stored_from_then_on(
        container: Container, keys: dict[str, Path]) -> None:
    before = _store_outbound(container, "5", dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
    _give_as2_url(container, keys, "http://127.0.0.1:9/as2")
    [given] = SqlAs2(container.engine).as2_partners()
    since = given.as2_since
    after = _store_outbound(container, "6", dt.datetime.now(dt.UTC))
    _give_as2_url(container, keys, "http://127.0.0.1:9/as2-moved")
    store = SqlAs2(container.engine)
    [xyz] = store.as2_partners()
    assert xyz.as2_since == since is not None
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    assert [d.id for d in store.unsent([xyz], long_ago)] == [after] != [before]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_document_is_claimed_by_one_sender_and_a_dead_senders_claim_is_taken_over(
        container: Container, keys: dict[str, Path]) -> None:
    _give_as2_url(container, keys, "http://127.0.0.1:9/as2")
    now = dt.datetime.now(dt.UTC)
    document_id = _store_outbound(container, "8", now)
    store = SqlAs2(container.engine)
    [document] = store.unsent(store.as2_partners(), now - dt.timedelta(minutes=5))
    assert document.id == document_id
    lease_start = now - dt.timedelta(minutes=5)
    assert store.claim(document, "<a@shipshape>", now, lease_start) == "<a@shipshape>"
    assert store.claim(document, "<b@shipshape>", now, lease_start) is None
    assert store.unsent(store.as2_partners(), lease_start) == []
    later = now + dt.timedelta(hours=1)
    assert store.unsent(store.as2_partners(), later) == [document]
    assert store.claim(document, "<c@shipshape>", later, later) == "<a@shipshape>"
    store.settle(as2_service.As2Record("out", "XYZ-RETAIL", "<a@shipshape>", "delivered",
                                       document.id, "mic", "processed"), later)
    assert store.unsent(store.as2_partners(), later + dt.timedelta(days=1)) == []
    assert [t.status for t in store.transmissions(document.id)] == ["delivered"]


def test_the_send_as2_command_sends_what_is_due_and_says_what_to_set_without_as2(
        container: Container, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    peer = Peer(keys, "good")
    server = serve_peer(peer)
    url = str(container.engine.url)
    try:
        _give_as2_url(container, keys, f"http://127.0.0.1:{server.server_address[1]}/as2")
        _store_outbound(container, "9", dt.datetime.now(dt.UTC))
        ours = {"SHIPSHAPE_AS2__ID": OURS, "SHIPSHAPE_AS2__KEY_FILE": str(keys["us_key"]),
                "SHIPSHAPE_AS2__CERT_FILE": str(keys["us_cert"])}
        sent = CliRunner().invoke(app, ["partners", "send-as2"],
                                  env={"SHIPSHAPE_DATABASE_URL": url, **ours})
    finally:
        server.shutdown()
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output) == {"delivered": 1, "failed": 0, "awaiting_receipt": 0}
    assert peer.received == 1
    code, said = failing(monkeypatch, capsys, url, "partners", "send-as2")
    assert code == exit_codes.USAGE and "AS2 is not configured: set as2.id" in said


@pytest.mark.parametrize("receipt", ["good", "wrong-mic", "never"])
def test_an_async_mdn_delivers_the_document_and_a_wrong_or_missing_one_opens_a_case(
        client: TestClient, container: Container, keys: dict[str, Path], receipt: str) -> None:
    peer = Peer(keys, "none")
    server = serve_peer(peer)
    store = SqlAs2(container.engine)
    s = container.settings.as2
    transmitter = HttpAs2Transmitter(OURS, Identity.from_files(s.key_file, s.cert_file), 5,
                                     "https://edi.example.test/api/v1/as2")
    try:
        _give_as2_url(container, keys, f"http://127.0.0.1:{server.server_address[1]}/as2",
                      as2_mdn="async")
        document_id = _store_outbound(container, "11", dt.datetime.now(dt.UTC))
        sent = as2_service.send_pending(container.deps, store, transmitter,
                                        lambda call: call(), dt.timedelta(minutes=5))
    finally:
        server.shutdown()
    assert sent == as2_service.SendReport(0, 0, awaiting_receipt=1) and peer.received == 1
    assert peer.headers[0]["Receipt-Delivery-Option"] == "https://edi.example.test/api/v1/as2"
    assert [t.status for t in store.transmissions(document_id)] == ["awaiting_mdn"]
    if receipt == "never":
        later = as2_service.send_pending(container.deps, store, transmitter,
                                         lambda call: call(), dt.timedelta(minutes=5),
                                         receipt_wait=dt.timedelta(0))
        assert later == as2_service.SendReport(0, 1)
    else:
        headers, mdn = peer.receipt(0, wrong_mic=receipt == "wrong-mic")
        answer = client.post("/api/v1/as2", content=mdn, headers={
            **headers, "AS2-From": THEIRS, "AS2-To": OURS, "Message-ID": "<mdn-1@xyz>"})
        outcome = "delivered" if receipt == "good" else "failed"
        assert (answer.status_code, answer.text) == (200, f"MDN {outcome}")
    [transmission] = store.transmissions(document_id)
    with container.engine.connect() as conn:
        codes = conn.execute(select(tables.exception_cases.c.code)).scalars().all()
    if receipt == "good":
        assert transmission.status == "delivered" and codes == []
    else:
        assert transmission.status == "failed" and codes == ["AS2_TRANSMISSION_FAILED"]
    assert count(container, "orders") == 0  # an MDN is never taken as EDI


def test_health_goes_degraded_while_a_document_due_by_as2_waits_unsent(
        client: TestClient, container: Container, keys: dict[str, Path]) -> None:
    assert client.get("/api/v1/health").json()["as2"] is None  # no partner has an endpoint
    peer = Peer(keys, "good")
    server = serve_peer(peer)
    try:
        _give_as2_url(container, keys, f"http://127.0.0.1:{server.server_address[1]}/as2")
        [partner] = SqlAs2(container.engine).as2_partners()
        assert partner.as2_since is not None
        _store_outbound(container, "12", partner.as2_since)
        waiting = client.get("/api/v1/health").json()
        send = as2_sender(container)
        assert send is not None and send() == as2_service.SendReport(1, 0)
    finally:
        server.shutdown()
    assert waiting["status"] == "degraded" and waiting["as2"]["ok"] is False
    assert waiting["as2"]["unsent"] == 1 and "1 document(s) due" in waiting["as2"]["detail"]
    sent = client.get("/api/v1/health").json()
    assert sent["as2"]["ok"] is True and sent["as2"]["unsent"] == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("original", ["<m\x00-1@xyz>", "<" + "x" * 100_000 + "@xyz>", ""])
def test_a_hostile_receipt_is_answered_unknown_and_changes_nothing(
        client: TestClient, container: Container, keys: dict[str, Path], original: str) -> None:
    xyz = next(p for p in PARTNERS if p.id == "XYZ-RETAIL")
    edi.upsert_partners(container.deps, [xyz.model_copy(update={
        "as2_id": THEIRS, "as2_sign": False,
        "as2_certificate": keys["them_cert"].read_text()}).to_domain()])
    report = ("--r\r\nContent-Type: message/disposition-notification\r\n\r\n"
              f"Original-Message-ID: {original}\r\n"
              "Disposition: automatic-action/MDN-sent-automatically; processed\r\n"
              "\r\n--r--\r\n").encode("latin-1")
    answer = client.post("/api/v1/as2", content=report, headers={
        "Content-Type": 'multipart/report; report-type=disposition-notification; boundary="r"',
        "AS2-From": THEIRS, "AS2-To": OURS, "Message-ID": "<mdn-hostile@xyz>"})
    assert (answer.status_code, answer.text) == (200, "MDN unknown")
    assert count(container, "as2_messages") == 0 and count(container, "orders") == 0
