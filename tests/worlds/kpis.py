"""The KPI world: six orders whose deliveries, cases, desk costs and system calls are known, built
through the real services (the API, the signed events of the WMS and the TMS, the desk's
actions, the tender and ERP consumers) on a clock the world moves, ten days ago and after.

    A  C1 web  delivered on time                                  perfect
    B  C1 web  delivered two days late: DELIVERED_LATE            not on time
    C  C1 web  one unit damaged: DAMAGED_ON_DELIVERY, credited    not damage-free, not invoiced
               by the desk (30 rework minutes, 10.00 correction)  accurately
    D  C2 api  one unit short: SHORT_ON_DELIVERY, resolved        not in full
               (90 rework minutes, 25.50 expedited freight)
    E  C2 api  held the next day, PARTIAL_AVAILABILITY, rejected an hour later (15 minutes)
    F  C1 web  shipped, not delivered yet

Each shipped order's tender is one call to the TMS (`SystemCalled`); A's mirror to the ERP is
refused once: a dead letter with its INTEGRATION_FAILURE case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient

from shipshape.adapters.channels.canonical import CustomerIn, PriceIn
from shipshape.adapters.systems.signing import sign_headers
from shipshape.api.app import create_app
from shipshape.bootstrap import build
from shipshape.config import ConnectorSettings, Settings
from shipshape.services import masterdata as md
from shipshape.services.delivery.consume import apply_once
from shipshape.services.tendering import TenderHandler
from tests.builders import auth, order, post_order, seed_distributor
from tests.worlds.picking import SECRETS, World, line, pick, released_order
from tests.worlds.shipping import message_of

T0 = datetime.combine(date.today() - timedelta(days=10), time(9, 0), UTC)
"""When the orders are taken: ten days ago, so that every delivery is in the past."""
SHIPPED_UNITS = 10
CUSTOMER_OF = {"A": "C1", "B": "C1", "C": "C1", "D": "C2", "E": "C2", "F": "C1"}
CHANNEL_OF = {"A": "web", "B": "web", "C": "web", "D": "api", "E": "api", "F": "web"}


@dataclass
class Clock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class ClockedWorld(World):
    """Signs the systems' events at the world's time, which is the time the store checks them
    against."""

    moment: Clock = field(default_factory=lambda: Clock(T0))

    def resend(self, system: str, raw: bytes, webhook_id: str) -> Any:
        headers = sign_headers(SECRETS[system], webhook_id, raw, self.moment.now())
        return self.client.post(f"/api/v1/events/{system}", content=raw,
                                headers={**headers, "content-type": "application/json"})


@dataclass
class KpiWorld:
    world: ClockedWorld
    clock: Clock
    orders: dict[str, str] = field(default_factory=dict)
    """Each order's id by its letter."""
    cases: dict[str, str] = field(default_factory=dict)
    """Each case's id by its code."""
    promised: date = date.min
    """The delivery date promised to every order (they are alike), once they are taken."""
    credit_note: str = ""

    @property
    def t1(self) -> datetime:
        """When E is taken and its case opened."""
        return T0 + timedelta(days=1, hours=1)

    @property
    def t2(self) -> datetime:
        """When the TMS reports the damaged and short units (half an hour after the
        deliveries); their cases open then."""
        return datetime.combine(self.promised + timedelta(days=3), time(12, 0), UTC)

    def act(self, code: str, body: dict[str, Any]) -> Any:
        answer = self.world.client.post(f"/api/v1/exceptions/{self.cases[code]}/actions",
                                        json=body, headers=auth(self.world.token))
        assert answer.status_code == 200, answer.text
        return answer.json()


def settings_of(database_url: str) -> Settings:
    quick = {"max_attempts": 1, "first_delay_s": 0, "max_delay_s": 0, "jitter_s": 0}
    return Settings(database_url=database_url, env="test", connectors={
        name: ConnectorSettings(secret=secret, **quick) for name, secret in SECRETS.items()})


@contextmanager
def kpi_world(database_url: str) -> Iterator[KpiWorld]:
    """The world built on `database_url`; the store stays when the world closes."""
    built = build(settings_of(database_url), migrate=True)
    clock = Clock(T0)
    container = replace(built, deps=replace(built.deps, clock=clock))
    try:
        seed_distributor(container, {("DAL", "SKU1"): 100})
        md.upsert(container.deps, [
            CustomerIn(name="Bolt", segment="retail", credit_limit="100000",
                       preferred_site="DAL").to_domain("C2"),
            PriceIn(unit_price="10.00", tolerance_pct="2").to_domain("C2", "SKU1")])
        with TestClient(create_app(container)) as client:
            token = container.tokens.create("kpi", "admin", clock.now())
            story = KpiWorld(ClockedWorld(container, client, token, [T0], clock), clock)
            tell(story)
            yield story
    finally:
        built.close()


def tell(story: KpiWorld) -> None:
    for letter in "ABCDF":
        story.orders[letter] = shipped(story, letter)
    story.promised = date.fromisoformat(
        story.world.get(f"/orders/{story.orders['A']}")["promised_date"])
    refuse_the_erp_mirror(story)
    story.clock.at = story.t1
    story.orders["E"] = held(story)
    story.clock.at = story.t1 + timedelta(hours=1)
    story.act("PARTIAL_AVAILABILITY", {"action": "reject", "reason_code": "CUSTOMER_REQUEST",
                                       "root_cause": "customer cancelled",
                                       "cost": {"rework_minutes": 15}})
    deliver(story)
    story.clock.at = story.t2 + timedelta(hours=2)
    credited = story.act("DAMAGED_ON_DELIVERY", {
        "action": "credit", "reason_code": "DAMAGED_IN_TRANSIT",
        "cost": {"rework_minutes": 30, "invoice_correction": "10.00"}})
    story.credit_note = credited["outcome"]["credit_note_id"]
    story.clock.at = story.t2 + timedelta(hours=5)
    story.act("SHORT_ON_DELIVERY", {"action": "resolve", "reason_code": "CARRIER_CLAIM",
                                    "root_cause": "carrier lost a unit",
                                    "cost": {"rework_minutes": 90,
                                             "expedited_freight": "25.50"}})


def _order_fields(story: KpiWorld, letter: str, quantity: int) -> dict[str, Any]:
    return {"external_id": f"K-{letter}", "customer_po": f"PO-K{letter}",
            "customer_id": CUSTOMER_OF[letter], "channel": CHANNEL_OF[letter],
            "requested_ship_date": story.clock.now().date().isoformat(),
            "lines": [line(1, quantity)]}


def shipped(story: KpiWorld, letter: str) -> str:
    """The order released, picked and tendered at DAL, and shipped whole."""
    world = story.world
    fields = _order_fields(story, letter, SHIPPED_UNITS)
    order_id = released_order(world, fields.pop("lines"), **fields)
    entry = {"line_no": 1, "quantity": SHIPPED_UNITS}
    picked = send(story, "wms", "pick_confirmed", pick(order_id, "DAL", entry), f"pick-{letter}")
    assert picked.status_code == 200, picked.text
    deps = world.container.deps
    assert apply_once(deps, "tms-tender", TenderHandler(deps, world.container.connectors),
                      message_of(world, order_id, "CarrierTenderRequested"))
    confirmed = send(story, "wms", "shipment_confirmed", {
        "order_id": order_id, "site": "DAL", "shipment_id": f"SHP-{letter}",
        "ship_date": story.clock.now().date().isoformat(), "lines": [entry]}, f"ship-{letter}")
    assert confirmed.status_code == 200, confirmed.text
    return order_id


def refuse_the_erp_mirror(story: KpiWorld) -> None:
    container = story.world.container
    erp = container.connectors.simulated("erp")
    assert erp is not None
    erp.reject_next(1, "customer unknown in the ERP")
    apply_once(container.deps, "erp-order-mirror", container.consumers["erp-order-mirror"],
               message_of(story.world, story.orders["A"], "OrderAccepted"))
    [case] = story.world.cases("INTEGRATION_FAILURE")
    story.cases["INTEGRATION_FAILURE"] = case["case_id"]


def held(story: KpiWorld) -> str:
    """E: 60 units, more than DAL has left (50), and no other site has any."""
    fields = _order_fields(story, "E", 60)
    answer = post_order(story.world.client, story.world.token, order(**fields))
    assert answer.status_code == 201 and answer.json()["status"] == "held", answer.text
    [case] = story.world.cases("PARTIAL_AVAILABILITY")
    story.cases["PARTIAL_AVAILABILITY"] = case["case_id"]
    return str(answer.json()["order_id"])


def delivered_at(day: date) -> str:
    return datetime.combine(day, time(15, 0), UTC).isoformat()


def deliver(story: KpiWorld) -> None:
    on_time, late = story.promised, story.promised + timedelta(days=2)
    story.clock.at = story.t2 - timedelta(minutes=30)
    for letter, day in (("A", on_time), ("B", late), ("C", on_time), ("D", on_time)):
        tms(story, letter, "shipment_delivered", delivered_at=delivered_at(day))
    story.clock.at = story.t2  # a discrepancy is reported after the delivery
    tms(story, "C", "delivery_discrepancy", lines=[{"line_no": 1, "damaged": 1}])
    tms(story, "D", "delivery_discrepancy", lines=[{"line_no": 1, "short": 1}])
    tms(story, "F", "shipment_in_transit")
    for code in ("DELIVERED_LATE", "DAMAGED_ON_DELIVERY", "SHORT_ON_DELIVERY"):
        [case] = story.world.cases(code)
        story.cases[code] = case["case_id"]


def tms(story: KpiWorld, letter: str, kind: str, **data: Any) -> None:
    answer = send(story, "tms", kind, {"shipment_id": f"SHP-{letter}", **data},
                  f"{kind}-{letter}")
    assert answer.status_code == 200, answer.text


def send(story: KpiWorld, system: str, kind: str, data: dict[str, Any], webhook_id: str) -> Any:
    """An event of `system`, occurring (and signed) at the world's time."""
    raw = json.dumps({"type": kind, "occurred_at": story.clock.now().isoformat(),
                      "data": data}).encode()
    return story.world.resend(system, raw, webhook_id)
