"""The digital twin's reads (`adapters/db/twin_queries.py`) against a small journey driven
through the real services: four orders accepted and released by waves, one picked short and
re-sourced to a second site, three tendered (one at the expedited level), shipped, invoiced and
delivered (one late, one damaged and credited from the desk), one invoice credited and issued
again, and one order left waiting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shipshape.adapters.db import twin_queries as tq
from shipshape.services.crediting import credit_invoice
from shipshape.services.delivery.consume import apply_once
from shipshape.services.release import release_wave
from shipshape.services.tendering import TMS_TENDER, TenderHandler
from tests.builders import auth, order, post_order
from tests.conftest import BACKENDS
from tests.worlds.picking import World, line, pick
from tests.worlds.shipping import invoices, message_of, send

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def place(world: World, name: str, quantity: int, **fields: Any) -> str:
    answer = post_order(world.client, world.token, order(
        external_id=f"W-{name}", customer_po=f"PO-{name}", lines=[line(1, quantity)], **fields))
    assert answer.status_code == 201 and answer.json()["status"] == "accepted", answer.text
    return str(answer.json()["order_id"])


def ok(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def picked(world: World, order_id: str, site: str, quantity: int) -> None:
    ok(send(world, "wms", "pick_confirmed",
            pick(order_id, site, {"line_no": 1, "quantity": quantity}),
            f"pick-{order_id}-{site}"))


def tender(world: World, order_id: str) -> None:
    deps = world.container.deps
    assert apply_once(deps, TMS_TENDER, TenderHandler(deps, world.container.connectors),
                      message_of(world, order_id, "CarrierTenderRequested"))


def shipped(world: World, order_id: str, site: str, shipment_id: str, quantity: int) -> None:
    ok(send(world, "wms", "shipment_confirmed", {
        "order_id": order_id, "site": site, "shipment_id": shipment_id,
        "ship_date": world.container.deps.clock.now().date().isoformat(),
        "lines": [{"line_no": 1, "quantity": quantity}]}, f"ship-{shipment_id}"))


def promised(world: World, order_id: str) -> date:
    return date.fromisoformat(world.get(f"/orders/{order_id}")["promised_date"])


def delivered(world: World, shipment_id: str, day: date) -> None:
    at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC).isoformat()
    ok(send(world, "tms", "shipment_delivered", {"shipment_id": shipment_id, "delivered_at": at},
            f"delivered-{shipment_id}"))


def test_the_twin_reads_what_the_journey_did(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("ATL", "SKU1"): 100}, allow_split=True)
    deps = world.container.deps
    today = deps.clock.now().date()
    # A ships by today: tendered expedited (`domain.carriers.service_level`); B, C, D are not.
    a = place(world, "A", 5, requested_ship_date=today.isoformat())
    b, c, d = place(world, "B", 10), place(world, "C", 4), place(world, "D", 2)
    assert set(release_wave(deps, "DAL").released) == {a, b, c, d}

    picked(world, a, "DAL", 5)
    picked(world, b, "DAL", 7)  # three short: re-sourced to ATL (the customer allows splits)
    picked(world, c, "DAL", 4)
    assert release_wave(deps, "ATL").released == (b,)
    picked(world, b, "ATL", 3)
    for order_id in (a, b, c):
        tender(world, order_id)
    [asked] = world.events(a, "CarrierTenderRequested")
    assert asked["service_level"] == "expedited"
    assert {world.events(o, "CarrierTenderRequested")[0]["service_level"]
            for o in (b, c)} == {"standard"}

    shipped(world, a, "DAL", "SHP-A", 5)
    shipped(world, b, "DAL", "SHP-B1", 7)
    shipped(world, b, "ATL", "SHP-B2", 3)
    shipped(world, c, "DAL", "SHP-C", 4)

    delivered(world, "SHP-A", promised(world, a))
    ok(send(world, "tms", "delivery_discrepancy",
            {"shipment_id": "SHP-A", "lines": [{"line_no": 1, "damaged": 1}]}, "damage-A"))
    [damaged] = world.cases("DAMAGED_ON_DELIVERY")
    agent = world.container.tokens.create("agent", "agent", deps.clock.now())
    ok(world.client.post(f"/api/v1/exceptions/{damaged['case_id']}/actions",
                         json={"reason_code": "CUSTOMER_CONSENT", "action": "credit"},
                         headers=auth(agent)))
    delivered(world, "SHP-B1", promised(world, b) + timedelta(days=2))
    delivered(world, "SHP-B2", promised(world, b) + timedelta(days=1))
    delivered(world, "SHP-C", promised(world, c))
    [b1_invoice] = [i for i in invoices(world) if i["shipment_id"] == "SHP-B1"]
    credit_invoice(deps, b1_invoice["id"], "price corrected", "user:test")

    engine = world.container.engine
    late_cases = len(world.cases("DELIVERED_LATE"))
    assert late_cases == 2  # one per late shipment
    assert tq.cases_opened_by_stage(engine) == {"execute": 1, "ship": 1 + late_cases}
    assert tq.shipped_units_by_order(engine) == {a: 5, b: 10, c: 4}
    assert tq.perfect_order_rate(engine) == (1, 3)  # C; A damaged and credited, B late
    assert tq.expedited_tenders(engine) == 1
    kinds = sorted((i["kind"], i["status"]) for i in invoices(world))
    assert kinds.count(("credit_note", "issued")) == 2  # A's damaged unit, B1's full credit
    assert ("invoice", "credited") in kinds
    assert tq.invoice_corrections(engine) == 3  # two credit notes, B1 invoiced again

    now = deps.clock.now()
    assert tq.on_time_by_order(engine, now) == {a: True, b: False, c: True, d: None}
    after = datetime.combine(promised(world, d) + timedelta(days=1), datetime.min.time(), UTC)
    assert tq.on_time_by_order(engine, after)[d] is False
