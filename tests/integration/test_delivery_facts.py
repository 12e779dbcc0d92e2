"""Delivery facts from the TMS: signed milestones move each shipment's delivery state forward
only, failures and damaged or short deliveries open cases, and each order keeps its
perfect-order facts (on time, in full, damage-free, invoiced accurately)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shipshape.adapters.db.delivery_queries import perfect_order_facts
from shipshape.services.crediting import credit_invoice
from shipshape.services.delivery.consume import apply_once
from shipshape.services.delivery.inbound import take_events
from shipshape.services.delivery_actions import delivery_handlers
from shipshape.services.reconciliation import ReconcilePolicy, reconcile
from tests.conftest import BACKENDS
from tests.worlds.picking import World, line
from tests.worlds.shipping import invoices, message_of, send, shipment, tendered_order

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def shipped_order(world: World, quantity: int = 10) -> str:
    order_id = tendered_order(world, [line(1, quantity)],
                              [{"line_no": 1, "quantity": quantity}])
    answer = send(world, "wms", "shipment_confirmed",
                  shipment(order_id, {"line_no": 1, "quantity": quantity}), f"wms-{order_id}")
    assert answer.status_code == 200, answer.text
    return order_id


def promised(world: World, order_id: str) -> date:
    """The delivery date promised when the order was accepted."""
    return date.fromisoformat(world.get(f"/orders/{order_id}")["promised_date"])


def delivered_at(day: date) -> str:
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC).isoformat()


def delivery(world: World, order_id: str) -> dict[str, Any]:
    [only] = world.get(f"/orders/{order_id}")["shipments"]
    return dict(only["delivery"])


def tms(world: World, kind: str, webhook_id: str, **data: Any) -> Any:
    return send(world, "tms", kind, {"shipment_id": "SHP-1", **data}, webhook_id)


def test_a_shipment_delivered_on_time_makes_a_perfect_order(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    assert delivery(world, order_id)["state"] == "shipped"
    assert world.get(f"/orders/{order_id}")["perfect_order"] is None
    assert tms(world, "shipment_in_transit", "t1").json()["outcome"] == "applied"
    assert delivery(world, order_id)["state"] == "in_transit"
    facts = world.get(f"/orders/{order_id}")["perfect_order"]
    assert (facts["delivered"], facts["on_time"]) == (False, None)
    tms(world, "shipment_out_for_delivery", "t2")
    answer = tms(world, "shipment_delivered", "t3",
                 delivered_at=delivered_at(promised(world, order_id)),
                 pod_reference="POD-1", signee="J. Smith")
    assert answer.status_code == 200, answer.text
    state = delivery(world, order_id)
    assert (state["state"], state["pod_reference"], state["signee"]) == (
        "delivered", "POD-1", "J. Smith")
    facts = world.get(f"/orders/{order_id}")["perfect_order"]
    assert facts == {"promised_by": promised(world, order_id).isoformat(), "delivered": True,
                     "delivered_at": delivered_at(promised(world, order_id)),
                     "on_time": True, "in_full": True, "damage_free": True,
                     "invoiced_accurately": True, "perfect": True}
    [event] = world.events(order_id, "ShipmentDelivered")
    assert (event["on_time"], event["pod_reference"]) == (True, "POD-1")
    assert [m["milestone"] for m in world.events(order_id, "DeliveryMilestone")] == [
        "in_transit", "out_for_delivery"]
    assert world.cases("DELIVERED_LATE") == []
    [kpi] = perfect_order_facts(world.container.engine)
    assert (kpi["order_id"], kpi["perfect"]) == (order_id, True)


def test_a_late_delivery_informs_customer_service(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    late = promised(world, order_id) + timedelta(days=2)
    tms(world, "shipment_delivered", "t1", delivered_at=delivered_at(late))
    [case] = world.cases("DELIVERED_LATE")
    assert (case["blocking"], case["owner_team"]) == (False, "customer_service")
    facts = world.get(f"/orders/{order_id}")["perfect_order"]
    assert (facts["on_time"], facts["perfect"]) == (False, False)


def test_a_delivered_shipment_does_not_go_back_in_transit(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    tms(world, "shipment_out_for_delivery", "t1")
    # an in-transit newer than out-for-delivery is behind it: recorded, nothing changes
    assert tms(world, "shipment_in_transit", "t2").status_code == 200
    assert delivery(world, order_id)["state"] == "out_for_delivery"
    tms(world, "shipment_delivered", "t3", delivered_at=delivered_at(promised(world, order_id)))
    assert tms(world, "shipment_in_transit", "t4").status_code == 200
    assert tms(world, "delivery_failed", "t5", reason="no one home").status_code == 200
    assert delivery(world, order_id)["state"] == "delivered"
    assert world.cases("DELIVERY_FAILED") == []
    # a resend of the same webhook-id is answered as before, with no second effect
    again = tms(world, "shipment_delivered", "t3",
                delivered_at=delivered_at(promised(world, order_id)))
    assert again.status_code in (200, 409)
    assert len(world.events(order_id, "ShipmentDelivered")) == 1


def test_a_failed_delivery_opens_a_case_for_transport_and_may_be_delivered_later(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    tms(world, "shipment_in_transit", "t1")
    assert tms(world, "delivery_failed", "t2", reason="address not found").status_code == 200
    state = delivery(world, order_id)
    assert (state["state"], state["failure_reason"], state["attempts"]) == (
        "failed", "address not found", 1)
    [case] = world.cases("DELIVERY_FAILED")
    assert (case["blocking"], case["owner_team"]) == (True, "transport")
    tms(world, "shipment_in_transit", "t3")
    tms(world, "shipment_delivered", "t4", delivered_at=delivered_at(promised(world, order_id)))
    assert delivery(world, order_id)["state"] == "delivered"
    [closed] = world.cases("DELIVERY_FAILED")  # delivered at last: the failure cleared itself
    assert (closed["status"], closed["resolution_action"]) == ("auto_resolved",
                                                               "condition_cleared")


def test_damaged_and_short_quantities_open_cases_and_spoil_the_perfect_order(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    early = tms(world, "delivery_discrepancy", "t0", lines=[{"line_no": 1, "damaged": 1}])
    assert early.status_code == 409, early.text  # not delivered yet
    tms(world, "shipment_delivered", "t1", delivered_at=delivered_at(promised(world, order_id)))
    too_many = tms(world, "delivery_discrepancy", "t2",
                   lines=[{"line_no": 1, "damaged": 8, "short": 3}])
    assert too_many.status_code == 422 and "more than the 10 shipped" in too_many.text
    answer = tms(world, "delivery_discrepancy", "t3",
                 lines=[{"line_no": 1, "damaged": 2, "short": 1}])
    assert answer.status_code == 200, answer.text
    assert delivery(world, order_id)["discrepancies"] == [
        {"line_no": 1, "damaged": 2, "short": 1}]
    [damaged] = world.cases("DAMAGED_ON_DELIVERY")
    [short] = world.cases("SHORT_ON_DELIVERY")
    assert damaged["owner_team"] == short["owner_team"] == "customer_service"
    facts = world.get(f"/orders/{order_id}")["perfect_order"]
    assert (facts["on_time"], facts["in_full"], facts["damage_free"], facts["perfect"]) == (
        True, False, False, False)


def test_damage_reported_at_the_moment_of_delivery_is_not_taken_for_an_older_update(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    shipped_order(world)
    at = (world.clock[0] + timedelta(minutes=5)).isoformat()
    for kind, data, webhook in (
            ("shipment_delivered", {}, "t1"),
            ("delivery_discrepancy", {"lines": [{"line_no": 1, "damaged": 1}]}, "t2")):
        raw = json.dumps({"type": kind, "occurred_at": at,
                          "data": {"shipment_id": "SHP-1", **data}}).encode()
        answer = world.resend("tms", raw, webhook)
        assert answer.status_code == 200 and answer.json()["outcome"] == "applied", answer.text
    [case] = world.cases("DAMAGED_ON_DELIVERY")
    assert case["details"]["shipment_id"] == "SHP-1"


def test_a_credit_note_afterwards_means_not_invoiced_accurately(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    tms(world, "shipment_delivered", "t1", delivered_at=delivered_at(promised(world, order_id)))
    assert world.get(f"/orders/{order_id}")["perfect_order"]["perfect"] is True
    [invoice] = invoices(world)
    credit_invoice(world.container.deps, invoice["id"], "price corrected", "user:test")
    facts = world.get(f"/orders/{order_id}")["perfect_order"]
    assert (facts["invoiced_accurately"], facts["perfect"]) == (False, False)


def test_delivery_events_are_the_tms_s_and_must_name_a_known_shipment(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    refused = send(world, "wms", "shipment_delivered", {"shipment_id": "SHP-1"}, "w1")
    assert refused.status_code == 409, refused.text
    assert world.cases("OWNERSHIP_VIOLATION")
    unknown = send(world, "tms", "shipment_in_transit", {"shipment_id": "SHP-NOPE"}, "t1")
    assert unknown.status_code == 422 and "no shipment SHP-NOPE" in unknown.text
    no_reason = tms(world, "delivery_failed", "t2")
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    assert delivery(world, order_id)["state"] == "shipped"


def track(world: World, order_id: str, kind: str = "ShipmentConfirmed") -> Any:
    """Run the TMS consumer on the order's `kind` event and take what the simulated TMS sent."""
    deps = world.container.deps
    handlers = delivery_handlers(deps, world.container.connectors)
    consumer = "tms-delivery-tracking" if kind == "ShipmentConfirmed" else "tms-redelivery"
    assert apply_once(deps, consumer, handlers[consumer], message_of(world, order_id, kind))
    system = world.container.connectors.simulated("tms")
    assert system is not None
    return take_events(deps, world.container.ownership, system)


def test_the_simulated_tms_tracks_a_confirmed_shipment_to_the_customers_door(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    assert track(world, order_id)["applied"] == 3
    state = delivery(world, order_id)
    assert (state["state"], state["pod_reference"]) == ("delivered", "POD-SHP-1")
    assert world.get(f"/orders/{order_id}")["perfect_order"]["delivered"] is True


def test_a_shipment_the_tms_never_reports_is_untracked_after_its_age(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    deps = world.container.deps
    assert reconcile(deps, ReconcilePolicy(delivery_max_age_s=3600)).totals[
        "SHIPMENT_UNTRACKED"] == 0
    report = reconcile(deps, ReconcilePolicy(delivery_max_age_s=0.001))
    [item] = [i for i in report.findings if i.code == "SHIPMENT_UNTRACKED"]
    assert (item.order_id, item.shipment_id, item.action.value) == (
        order_id, "SHP-1", "case opened")
    [case] = world.cases("SHIPMENT_UNTRACKED")
    assert (case["owner_team"], case["blocking"]) == ("transport", True)
    again = reconcile(deps, ReconcilePolicy(delivery_max_age_s=0.001))
    assert [i.action.value for i in again.findings if i.code == "SHIPMENT_UNTRACKED"] == [
        "known case"]
    tms(world, "shipment_in_transit", "t1")
    tracked = reconcile(deps, ReconcilePolicy(delivery_max_age_s=0.001))
    assert tracked.totals["SHIPMENT_UNTRACKED"] == 0


def test_a_redelivery_the_desk_asks_for_is_delivered_by_the_simulated_tms(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = shipped_order(world)
    tms(world, "delivery_failed", "t1", reason="closed")
    [failed] = world.cases("DELIVERY_FAILED")
    answer = world.client.post(f"/api/v1/exceptions/{failed['case_id']}/actions",
                               json={"action": "redeliver", "reason_code": "CARRIER_RETRY"},
                               headers={"authorization": f"Bearer {world.token}"})
    assert answer.status_code == 200, answer.text
    assert track(world, order_id, "RedeliveryRequested")["applied"] == 3
    state = delivery(world, order_id)
    assert (state["state"], state["attempts"], state["failure_reason"]) == (
        "delivered", 1, "closed")
