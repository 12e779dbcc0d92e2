"""After the shipment, against the real `shipshape serve` with simulated WMS, TMS and ERP: six
orders of two customers are shipped and tracked to the door, where the TMS fails the second
delivery, delivers the third a week late and the fourth with a damaged unit. The desk re-delivers
the failed one and re-ships the damaged unit; one perfect order comes back in part, half of it
damaged. Afterwards each order's perfect-order facts say what happened to it, the return is
restocked, quarantined and credited once, a repeated return request changes nothing, and every
customer notice reached the customer's channel (a local SMTP server for one customer, in German;
a signed webhook for the other) exactly once. The consistency conditions hold."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook

from tests.worlds.peers import Mailbox, Receiver, free_port, serve
from tests.worlds.served import SCRIPT, eventually, serving

pytestmark = pytest.mark.slow

T = TypeVar("T")
HOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ORDERS_EACH = 3
MASTER_DATA = {
    "sites": [{"id": "DAL", "name": "Dallas DC", "country": "US", "postal_code": "75201"}],
    "customers": [
        {"id": "C1", "name": "Acme GmbH", "credit_limit": "100000", "preferred_site": "DAL"},
        {"id": "C2", "name": "Beta Clinics", "credit_limit": "100000", "preferred_site": "DAL"},
    ],
    "items": [{"sku": "SKU1", "description": "Gloves", "weight_kg": "1.0"},
              {"sku": "SKU2", "description": "Masks", "weight_kg": "0.5"}],
    "prices": [{"customer_id": c, "sku": sku, "unit_price": price, "tolerance_pct": "2"}
               for c in ("C1", "C2") for sku, price in (("SKU1", "10.00"), ("SKU2", "5.00"))],
    "carriers": [{"code": "UPS", "name": "UPS", "services": [
        {"code": "GND", "max_weight_kg": "70", "countries": ["US"], "transit_days": 3}]}],
    "receipts": [{"site_id": "DAL", "sku": "SKU1", "quantity": 100},
                 {"site_id": "DAL", "sku": "SKU2", "quantity": 100}],
}


def config(smtp_port: int) -> dict[str, Any]:
    return {
        "notices": {"enabled": True, "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
                    "mail_from": "orders@example.test", "first_delay_s": 0.1,
                    "max_delay_s": 0.5, "jitter_s": 0},
        "simulation": {
            "tms": {"transit_days": 1, "transit_noise_days": 0, "late_days": 7,
                    "delivery_nth": {"failed": [2], "late": [3], "damaged": [4]}},
            "wms": {"return_damaged_rate": 0.5},
        },
    }


@dataclass
class Shop:
    client: httpx.Client
    env: dict[str, str]
    workdir: Path
    mailbox: Mailbox
    receiver: Receiver

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params=params)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def order(self, order_id: str) -> Any:
        return self.get(f"/api/v1/orders/{order_id}")

    def cases(self, code: str) -> list[Any]:
        found: list[Any] = self.get("/api/v1/exceptions", code=code, limit=500)["exceptions"]
        return found

    def act(self, case_id: str, action: str) -> Any:
        answer = self.client.post(f"/api/v1/exceptions/{case_id}/actions",
                                  json={"action": action, "reason_code": "CUSTOMER_REQUEST"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def sku1(self) -> Any:
        [dal] = self.get("/api/v1/items/SKU1/stock")["sites"]
        return dal

    def shipshape(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), *args], env=self.env, cwd=self.workdir,
                              capture_output=True, text=True, timeout=120)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    receiver, mailbox = Receiver(), Mailbox()
    hooks = serve(receiver)
    smtp_port = free_port()
    smtpd = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtpd.start()
    (tmp_path / "shipshape.yaml").write_text(json.dumps(config(smtp_port)))
    (tmp_path / "masterdata.json").write_text(json.dumps(MASTER_DATA))
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'after.db'}",
           "SHIPSHAPE_CONFIG": str(tmp_path / "shipshape.yaml"),
           "SHIPSHAPE_RELAY_INTERVAL_S": "0.1"}
    setup = Shop(httpx.Client(), env, tmp_path, mailbox, receiver)
    for args in (("load", "masterdata.json"),
                 ("tokens", "create", "--role", "admin", "--name", "after")):
        done = setup.shipshape(*args)
        assert done.returncode == 0, done.stdout + done.stderr
    token = done.stdout.splitlines()[-1]
    host, port = hooks.server_address[:2]
    try:
        with serving(env, tmp_path) as (base_url, _), httpx.Client(
                base_url=base_url, timeout=60,
                headers={"Authorization": f"Bearer {token}"}) as client:
            shop = Shop(client, env, tmp_path, mailbox, receiver)
            contacts = {"C1": {"emails": ["einkauf@acme.example"], "language": "de"},
                        "C2": {"webhook_url": f"http://{host!s}:{port}/hooks/beta",
                               "webhook_secret": HOOK_SECRET}}
            for customer, contact in contacts.items():
                answer = client.put(f"/api/v1/customers/{customer}/contact", json=contact)
                assert answer.status_code == 200, answer.text
            yield shop
    finally:
        smtpd.stop()
        hooks.shutdown()
        hooks.server_close()


def order(n: int, customer: str) -> dict[str, Any]:
    return {"channel": "api", "external_id": f"AFTER-{n}", "customer_id": customer,
            "customer_po": f"PO-{n}", "requested_ship_date": date.today().isoformat(),
            "carrier_service": "UPS:GND",
            "ship_to": {"name": customer, "line1": "1 Main St", "city": "Dallas",
                        "region": "TX", "postal_code": "75201", "country": "US"},
            "lines": [{"line_no": 1, "sku": "SKU1", "quantity": 3, "unit_price": "10.00"},
                      {"line_no": 2, "sku": "SKU2", "quantity": 2, "unit_price": "5.00"}]}


def deliveries(detail: Any) -> list[str]:
    return [s["delivery"]["state"] for s in detail["shipments"]]


def all_tracked(shop: Shop, ids: list[str]) -> dict[str, Any] | None:
    """Every order invoiced and each of its shipments delivered or failed: the orders."""
    details = {i: shop.order(i) for i in ids}
    done = all(d["status"] == "invoiced" and d["shipments"]
               and set(deliveries(d)) <= {"delivered", "failed"} for d in details.values())
    return details if done else None


def delivered(shop: Shop, order_id: str) -> Any:
    detail = shop.order(order_id)
    return detail if detail["shipments"] and set(deliveries(detail)) == {"delivered"} else None


def one(items: list[T]) -> T:
    assert len(items) == 1, items
    return items[0]


def test_deliveries_returns_and_notices_end_to_end(shop: Shop) -> None:
    placed = [shop.client.post("/api/v1/orders", json=order(n, customer))
              for n, customer in enumerate(["C1"] * ORDERS_EACH + ["C2"] * ORDERS_EACH, 1)]
    assert [p.json()["status"] for p in placed] == ["accepted"] * 2 * ORDERS_EACH
    ids = [p.json()["order_id"] for p in placed]
    wave = shop.client.post("/api/v1/waves", json={"site_id": "DAL", "limit": 100})
    assert wave.status_code == 201 and len(wave.json()["released"]) == len(ids)
    details = eventually(lambda: all_tracked(shop, ids), "every order shipped and tracked")

    failed = one([i for i, d in details.items() if deliveries(d) == ["failed"]])
    late = one([i for i, d in details.items() if d["perfect_order"]["on_time"] is False])
    damaged = one([i for i, d in details.items()
                   if not d["perfect_order"]["damage_free"]])
    perfect = [i for i, d in details.items() if d["perfect_order"]["perfect"]]
    assert sorted(perfect) == sorted(set(ids) - {failed, late, damaged})
    assert shop.order(damaged)["shipments"][0]["delivery"]["discrepancies"]
    assert one(shop.cases("DELIVERED_LATE"))["order_id"] == late
    assert details[failed]["perfect_order"]["delivered"] is False

    redelivery = shop.act(one(shop.cases("DELIVERY_FAILED"))["case_id"], "redeliver")
    assert redelivery["closed"] and redelivery["case"]["status"] == "resolved", redelivery
    again = eventually(lambda: delivered(shop, failed), "the failed delivery delivered again")
    assert again["shipments"][0]["delivery"]["attempts"] == 1  # the failed one
    assert again["perfect_order"]["delivered"] is True

    reship = shop.act(one(shop.cases("DAMAGED_ON_DELIVERY"))["case_id"], "reship")
    replacement = reship["outcome"]["replacement_order_id"]
    assert reship["outcome"]["replacement_status"] == "accepted"
    replaced = shop.order(damaged)
    assert [i["kind"] for i in replaced["invoices"]] == ["invoice", "credit_note"]
    assert replaced["perfect_order"]["invoiced_accurately"] is False
    assert replaced["perfect_order"]["perfect"] is False
    wave = shop.client.post("/api/v1/waves", json={"site_id": "DAL", "limit": 100})
    assert wave.json()["released"] == [replacement]
    new = eventually(lambda: delivered(shop, replacement), "the replacement delivered")
    assert [(ln["sku"], ln["quantity"]) for ln in new["lines"]] == [("SKU1", 1)]

    returned = perfect[0]
    before = shop.sku1()
    request = {"lines": [{"line_no": 1, "quantity": 2}], "reason": "DAMAGED"}
    first = shop.client.post(f"/api/v1/orders/{returned}/returns", json=request,
                             headers={"Idempotency-Key": "rma-1"})
    assert first.status_code == 201, first.text
    repeat = shop.client.post(f"/api/v1/orders/{returned}/returns", json=request,
                              headers={"Idempotency-Key": "rma-1"})
    assert (repeat.status_code, repeat.json()) == (201, first.json())
    beyond = shop.client.post(f"/api/v1/orders/{returned}/returns", json=request)
    assert beyond.status_code == 409, beyond.text  # 2 + 2 of the 3 shipped
    return_id = first.json()["return_id"]

    def received() -> Any:
        found = shop.get(f"/api/v1/returns/{return_id}")
        return found if all(ln["credit_note_id"] for ln in found["lines"]) else None

    rma = eventually(received, "the return received and credited")
    assert [(ln["authorised"], ln["good"], ln["damaged"], ln["credited"])
            for ln in rma["lines"]] == [(2, 1, 1, 2)]
    assert len(shop.get(f"/api/v1/orders/{returned}/returns")["returns"]) == 1
    after = shop.sku1()
    assert after["on_hand"] - before["on_hand"] == 1
    assert after["quarantined"] - before["quarantined"] == 1
    credits = [i for i in shop.order(returned)["invoices"] if i["kind"] == "credit_note"]
    assert [Decimal(c["total"]) for c in credits] == [Decimal("20.00")]

    notified = eventually(lambda: notices_settled(shop, [*ids, replacement]),
                          "every notice sent and recorded")
    kinds = {i: Counter(n["kind"] for n in notified[i]) for i in notified}
    assert kinds[failed]["delivery_failed"] == 1 and kinds[failed]["delivered"] == 1
    assert kinds[damaged]["credited"] == 1
    assert kinds[returned]["return_authorised"] == 1 and kinds[returned]["credited"] == 1
    assert kinds[replacement]["order_acknowledged"] == 1
    assert all(kinds[i]["order_acknowledged"] == 1 and kinds[i]["shipped"] == 1
               for i in ids)
    time.sleep(1)  # nothing more arrives: each notice went out once
    assert notices_settled(shop, [*ids, replacement]) == notified
    for _, body, _ in shop.receiver.requests:  # what the customer may know, nothing internal
        assert not {"actor", "case_id", "webhook_id"} & set(json.loads(body)["details"])
    german = [mail["Subject"] for _, mail in shop.mailbox.mails]
    assert "Auftrag erhalten: PO-1" in german

    # delivered, on time, in full, damage-free, invoiced accurately, perfect
    assert facts(shop, late) == (True, False, True, True, True, False)
    assert facts(shop, damaged) == (True, True, True, False, False, False)
    # re-delivered before the promised date; a return is no invoicing error
    assert facts(shop, failed) == (True, True, True, True, True, True)
    assert facts(shop, returned) == (True, True, True, True, True, True)
    assert facts(shop, replacement) == (True, True, True, True, True, True)
    checked = shop.shipshape("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def facts(shop: Shop, order_id: str) -> tuple[bool, ...]:
    found = shop.order(order_id)["perfect_order"]
    return tuple(found[name] for name in ("delivered", "on_time", "in_full", "damage_free",
                                          "invoiced_accurately", "perfect"))


def notices_settled(shop: Shop, ids: list[str]) -> dict[str, list[Any]] | None:
    """Each order's notices, when every one recorded was sent, and the mailbox (C1) and the
    webhook peer (C2) hold exactly those, once each."""
    recorded = {i: shop.get(f"/api/v1/orders/{i}/notifications")["notifications"] for i in ids}
    by_customer: dict[str, list[str]] = {"C1": [], "C2": []}
    for order_id, notices in recorded.items():
        customer = shop.order(order_id)["customer_id"]
        assert {n["status"] for n in notices} <= {"sent"}, notices
        by_customer[customer] += [n["message_id"] for n in notices]
    mailed = [str(mail["Message-ID"]).strip("<>").split("@")[0]
              for _, mail in shop.mailbox.mails]
    posted = [verified(headers, body) for headers, body, status in shop.receiver.requests
              if status < 300]
    if sorted(mailed) != sorted(by_customer["C1"]) or \
            sorted(posted) != sorted(by_customer["C2"]):
        return None
    assert max(Counter(mailed + posted).values(), default=1) == 1
    return recorded


def verified(headers: dict[str, str], body: bytes) -> str:
    """The webhook-id of a notice whose Standard Webhooks signature holds."""
    lower = {k.lower(): v for k, v in headers.items()}
    Webhook(HOOK_SECRET).verify(body, lower)
    return lower["webhook-id"]
