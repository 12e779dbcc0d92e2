"""Customer communication through the real delivery path: orders taken by the API, their events
relayed from the outbox and applied by a worker's `customer-notices` consumer, end as one e-mail
(a local SMTP server, aiosmtpd) or one signed webhook (a local HTTP peer) per (event, kind), in
the customer's language, each recorded as a `CustomerNotified` event that
`GET /api/v1/orders/{id}/notifications` lists. Opted-out kinds send nothing; a failing peer is
retried and nothing is sent twice. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from shipshape.adapters.channels.canonical import CustomerIn
from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.domain.catalogue import ShipmentConfirmed
from shipshape.domain.shipments import ShippedLine
from shipshape.notice_settings import NoticeSettings
from shipshape.services import masterdata as md
from shipshape.services.customer_notices import CUSTOMER_NOTICES
from shipshape.services.delivery import replay as dlq
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS
from tests.worlds.peers import Mailbox, Receiver, free_port, serve
from tests.worlds.worker import work_until

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Shop:
    container: Container
    client: TestClient
    admin: str
    mailbox: Mailbox
    receiver: Receiver
    url: str

    def put_contact(self, body: dict[str, Any], customer_id: str = "C1",
                    token: str | None = None) -> Any:
        return self.client.put(f"/api/v1/customers/{customer_id}/contact", json=body,
                               headers=auth(token or self.admin))

    def order(self, token: str | None = None, **fields: Any) -> str:
        answer = post_order(self.client, token or self.admin, order(**fields))
        assert answer.status_code == 201, answer.text
        return str(answer.json()["order_id"])

    def notifications(self, order_id: str, token: str | None = None) -> Any:
        return self.client.get(f"/api/v1/orders/{order_id}/notifications",
                               headers=auth(token or self.admin))

    def told(self, order_id: str, count: int) -> bool:
        """`count` notices of the order recorded (and nothing left for the consumer)."""
        return len(self.notifications(order_id).json()["notifications"]) >= count


@pytest.fixture
def shop(database_url: str) -> Iterator[Shop]:
    receiver, mailbox = Receiver(), Mailbox()
    server = serve(receiver)
    port = free_port()
    smtpd = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtpd.start()
    notices = NoticeSettings(enabled=True, smtp_host="127.0.0.1", smtp_port=port,
                             mail_from="orders@example.test", max_attempts=3,
                             first_delay_s=0, max_delay_s=0, jitter_s=0)
    container = build(Settings(database_url=database_url, env="test", notices=notices),
                      migrate=True)
    seed_distributor(container, stock={("DAL", "SKU1"): 10, ("DAL", "SKU2"): 100})
    md.upsert(container.deps, [CustomerIn(name="Beta", credit_limit=Decimal("100000"),
                                          preferred_site="DAL").to_domain("C2")])
    host, http_port = server.server_address[:2]
    with TestClient(create_app(container)) as client:
        admin = container.tokens.create("ops", "admin", datetime.now(UTC))
        yield Shop(container, client, admin, mailbox, receiver,
                   f"http://{host!s}:{http_port}/hooks/acme?token=abc")
    container.close()
    smtpd.stop()
    server.shutdown()
    server.server_close()


def part(mail: Any, index: int) -> str:
    """The text of one part of a multipart e-mail (0: plain text, 1: HTML)."""
    return str(mail.get_payload()[index].get_payload(decode=True).decode())


def ship(shop: Shop, order_id: str, tracking: str = "1Z999AA10123456784") -> str:
    """The order's shipment confirmed, as the WMS's report would record it; its event id."""
    with shop.container.deps.uow() as uow:
        uow.events.append([ShipmentConfirmed(
            occurred_at=datetime.now(UTC), order_id=order_id, shipment_id=f"shp_{order_id}",
            site="DAL", ship_date=date(2026, 12, 3), carrier_service="UPS:GND",
            tracking_number=tracking, label_ref=None, webhook_id=f"wh_{order_id}",
            lines=(ShippedLine(1, "SKU1", 2, 2),))])
        uow.commit()
    return "ShipmentConfirmed"


def test_a_german_customer_gets_one_acknowledgement_and_one_shipment_notice_in_german(
    shop: Shop,
) -> None:
    answer = shop.put_contact({"emails": ["einkauf@acme.example", "lager@acme.example"],
                               "language": "de"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["channel"] == "email" and answer.json()["language"] == "de"
    order_id = shop.order()
    ship(shop, order_id)
    work_until(shop.container, lambda: shop.told(order_id, 2))
    work_until(shop.container, lambda: True)  # a second run finds nothing left to send

    assert len(shop.mailbox.mails) == 2
    by_subject = {mail["Subject"]: (to, mail) for to, mail in shop.mailbox.mails}
    to, ack = by_subject["Auftrag erhalten: PO-1"]
    assert to == ["einkauf@acme.example", "lager@acme.example"]
    assert ack["From"] == "orders@example.test" and ack["Content-Language"] == "de"
    assert ack.get_content_type() == "multipart/alternative"
    text, html = part(ack, 0), part(ack, 1)
    assert f"Auftrag {order_id}" in text and "angenommen" in text
    assert "<strong>" in html and order_id in html
    _, shipped = by_subject["Versandt: PO-1"]
    shipped_text = part(shipped, 0)
    assert "Sendungsnummer: 1Z999AA10123456784" in shipped_text
    assert "Versanddienstleister: UPS:GND" in shipped_text

    listed = shop.notifications(order_id).json()["notifications"]
    assert [(n["kind"], n["status"], n["channel"], n["language"]) for n in listed] == [
        ("order_acknowledged", "sent", "email", "de"), ("shipped", "sent", "email", "de")]
    assert listed[0]["recipient"] == "e***@acme.example, l***@acme.example"
    assert {f"<{n['message_id']}@shipshape>" for n in listed} == {
        mail["Message-ID"] for _, mail in shop.mailbox.mails}


def test_a_held_order_tells_what_is_available_and_the_options_in_english(shop: Shop) -> None:
    assert shop.put_contact({"emails": ["buyer@acme.example"], "language": "fr"}
                            ).status_code == 200
    order_id = shop.order(lines=[{"line_no": 1, "sku": "SKU1", "quantity": 25,
                                  "unit_price": "10.00", "uom": "EA"}])
    work_until(shop.container, lambda: shop.told(order_id, 1))

    [(_, mail)] = shop.mailbox.mails
    assert mail["Subject"] == "Order on hold: PO-1"
    text = part(mail, 0)
    assert "line 1 SKU1: 25 wanted, 10 available (DAL: 10, ATL: 0)" in text
    assert "Your options:\n  - ship available and backorder\n  - delay release" in text.replace(
        "\r\n", "\n")
    [notice] = shop.notifications(order_id).json()["notifications"]
    assert (notice["kind"], notice["source_type"], notice["language"]) == (
        "order_held", "OrderHeld", "en")


def test_an_opted_out_kind_sends_nothing_and_says_it_was_skipped(shop: Shop) -> None:
    assert shop.put_contact({"emails": ["buyer@acme.example"],
                             "opted_out": ["order_acknowledged"]}).status_code == 200
    order_id = shop.order()
    ship(shop, order_id)
    work_until(shop.container, lambda: shop.told(order_id, 2))

    assert [mail["Subject"] for _, mail in shop.mailbox.mails] == ["Shipped: PO-1"]
    listed = shop.notifications(order_id).json()["notifications"]
    assert [(n["kind"], n["status"]) for n in listed] == [
        ("order_acknowledged", "skipped"), ("shipped", "sent")]
    assert listed[0]["reason"] == "the customer opted out of order_acknowledged"


def test_a_customer_without_a_contact_is_told_nothing(shop: Shop) -> None:
    order_id = shop.order()
    work_until(shop.container, lambda: order_id in _inbox_orders(shop))
    assert shop.mailbox.mails == [] and shop.receiver.requests == []
    assert shop.notifications(order_id).json()["notifications"] == []


def _inbox_orders(shop: Shop) -> set[str]:
    with shop.container.engine.connect() as conn:
        ids = set(conn.execute(select(t.inbox.c.event_id).where(
            t.inbox.c.consumer == CUSTOMER_NOTICES)).scalars())
        return set(conn.execute(select(t.order_events.c.order_id).where(
            t.order_events.c.event_id.in_(ids))).scalars())


def test_a_webhook_customer_gets_signed_notices_and_a_failing_peer_gets_each_once(
    shop: Shop,
) -> None:
    shop.receiver.statuses = [503, 500]
    answer = shop.put_contact({"webhook_url": shop.url, "webhook_secret": SECRET})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["channel"] == "webhook" and body["webhook_secret_set"] is True
    assert "webhook_secret" not in body
    order_id = shop.order()
    ship(shop, order_id)
    work_until(shop.container, lambda: shop.told(order_id, 2))
    work_until(shop.container, lambda: True)

    assert [status for _, _, status in shop.receiver.requests] == [503, 500, 204, 204] or \
        sorted(status for _, _, status in shop.receiver.requests) == [204, 204, 500, 503]
    accepted = shop.receiver.accepted()
    assert len(accepted) == 2
    verifier = Webhook(SECRET)
    kinds = {}
    for headers, raw, status in shop.receiver.requests:
        if status < 300:
            document = verifier.verify(raw.decode(), headers)
            assert headers["webhook-id"] == f"ntc_{document['event_id']}"
            kinds[document["kind"]] = document
    assert set(kinds) == {"order_acknowledged", "shipped"}
    assert kinds["shipped"]["details"]["tracking_number"] == "1Z999AA10123456784"
    assert kinds["shipped"]["details"]["carrier_service"] == "UPS:GND"
    assert (kinds["order_acknowledged"]["order_id"], kinds["order_acknowledged"]["type"]) == (
        order_id, "notice.order_acknowledged")
    listed = shop.notifications(order_id).json()["notifications"]
    assert len(listed) == 2
    assert {n["recipient"] for n in listed} == {"http://127.0.0.1:" + shop.url.split(":")[2]
                                                .split("/")[0] + "/…"}
    assert dlq.open_letters(shop.container.deps) == []
    assert shop.mailbox.mails == []


def test_a_customer_token_sees_its_own_notifications_and_contact_only(shop: Shop) -> None:
    assert shop.put_contact({"emails": ["buyer@acme.example"]}).status_code == 200
    order_id = shop.order()
    work_until(shop.container, lambda: shop.told(order_id, 1))
    now = datetime.now(UTC)
    own = shop.container.tokens.create("acme", "viewer", now, customer_id="C1")
    other = shop.container.tokens.create("beta", "viewer", now, customer_id="C2")

    assert len(shop.notifications(order_id, own).json()["notifications"]) == 1
    refused = shop.notifications(order_id, other)
    assert refused.status_code == 404
    assert refused.json()["detail"] == f"order {order_id} does not exist"
    assert shop.notifications("NOPE", other).status_code == 404
    assert shop.client.get("/api/v1/customers/C1/contact",
                           headers=auth(other)).status_code == 404
    # its own contact it reads and changes; another's it cannot touch
    mine = shop.put_contact({"emails": ["new@beta.example"], "language": "de"}, "C2", other)
    assert mine.status_code == 200, mine.text
    assert mine.json()["updated_by"] == "beta"
    assert shop.put_contact({"channel": "none"}, "C1", other).status_code == 404
    assert shop.client.get("/api/v1/customers/C1/contact", headers=auth(own)).json()[
        "emails"] == ["buyer@acme.example"]


def test_bad_contacts_are_refused_and_nothing_is_stored(shop: Shop) -> None:
    for body in ({"channel": "email"}, {"emails": ["not-an-address"]},
                 {"webhook_url": "ftp://x", "webhook_secret": SECRET},
                 {"webhook_url": shop.url}, {"webhook_url": shop.url, "webhook_secret": "x"},
                 {"emails": ["a@b.example"], "opted_out": ["everything"]},
                 {"emails": ["a@b.example"], "language": "<script>"},
                 {"channel": "pigeon"}):
        answer = shop.put_contact(body)
        assert answer.status_code in (400, 422), (body, answer.text)
    assert shop.client.get("/api/v1/customers/C1/contact",
                           headers=auth(shop.admin)).status_code == 404
    assert shop.put_contact({"channel": "none"}, "NOPE").status_code == 404
    viewer = shop.container.tokens.create("v", "viewer", datetime.now(UTC))
    assert shop.put_contact({"channel": "none"}, token=viewer).status_code == 403


def test_a_mail_server_that_is_busy_first_gets_each_notice_once(shop: Shop) -> None:
    shop.mailbox.busy = 1
    assert shop.put_contact({"emails": ["buyer@acme.example"]}).status_code == 200
    order_id = shop.order()
    work_until(shop.container, lambda: shop.told(order_id, 1))
    work_until(shop.container, lambda: True)
    assert shop.mailbox.refused == 1 and len(shop.mailbox.mails) == 1
    assert json.dumps(shop.notifications(order_id).json()).count('"sent"') == 1
