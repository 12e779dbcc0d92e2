"""Pick confirmations from the WMS, through the signed events route: picked in full, short picks
re-sourced or backordered, lots that break the customer's shelf life, resends and refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from tests.builders import order, post_order
from tests.conftest import BACKENDS
from tests.worlds.picking import line, pick, released_order, status

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_a_full_pick_from_two_lots_moves_the_order_to_picked(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = released_order(world, [line(1, 10)])
    answer = world.send("wms", pick(order_id, "DAL",
                                    {"line_no": 1, "quantity": 7, "lot": "L1",
                                     "expiry": "2027-06-01"},
                                    {"line_no": 1, "quantity": 3, "lot": "L2"}), "wms-1")
    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")
    assert status(world, order_id) == "picked"
    assert world.stock() == {"DAL": (100, 10)}
    with world.container.engine.connect() as conn:
        rows = conn.execute(select(t.picks.c.line_no, t.picks.c.site, t.picks.c.quantity,
                                   t.picks.c.lot, t.picks.c.source_event)
                            .order_by(t.picks.c.id)).all()
    assert [tuple(r) for r in rows] == [(1, "DAL", 7, "L1", "wms-1"), (1, "DAL", 3, "L2", "wms-1")]
    [confirmed] = world.events(order_id, "PickConfirmed")
    assert confirmed["lines"][0]["picked"] == 10 and confirmed["site"] == "DAL"
    [moved] = world.events(order_id, "OrderStatusChanged")
    assert (moved["from"], moved["to"]) == ("released", "picked")
    assert world.get("/exceptions")["total"] == 0


def test_lines_not_named_stay_open_until_confirmed(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    order_id = released_order(world, [line(1, 4), line(2, 6, "SKU2")])
    world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 4}), "wms-1")
    assert status(world, order_id) == "released"
    world.send("wms", pick(order_id, "DAL", {"line_no": 2, "quantity": 6}), "wms-2")
    assert status(world, order_id) == "picked"


def test_a_short_pick_is_resourced_at_another_site_when_split_is_allowed(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 10, ("ATL", "SKU1"): 50}, allow_split=True)
    order_id = released_order(world, [line(1, 10)])
    assert world.stock() == {"ATL": (50, 0), "DAL": (10, 10)}
    answer = world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 7}), "wms-1")
    assert answer.status_code == 200, answer.text
    assert world.stock() == {"ATL": (50, 3), "DAL": (10, 7)}
    reservations = world.get(f"/orders/{order_id}")["reservations"]
    assert sorted((r["site_id"], r["quantity"]) for r in reservations) == [("ATL", 3),
                                                                            ("DAL", 7)]
    [case] = world.cases("SHORT_PICK")
    assert (case["kind"], case["stage"], case["source_system"], case["site_id"],
            case["owner_team"], case["line_nos"], case["blocking"], case["severity"],
            case["order_id"], case["customer_id"], case["customer_segment"]) == (
        "operational", "execute", "wms", "DAL", "warehouse", [1], False, "warn",
        order_id, "C1", "standard")
    assert case["sla_due_at"] and case["details"]["webhook_id"] == "wms-1"
    [resourced] = world.events(order_id, "ShortPickResourced")
    assert resourced["to"] == [{"site": "ATL", "quantity": 3}]
    assert resourced["case_id"] == case["case_id"]
    assert status(world, order_id) == "released"  # until ATL has picked the remainder
    world.send("wms", pick(order_id, "ATL", {"line_no": 1, "quantity": 3}), "wms-2")
    assert status(world, order_id) == "picked"
    assert world.stock() == {"ATL": (50, 3), "DAL": (10, 7)}


def test_each_site_confirms_its_own_picks_whatever_order_they_arrive_in(
    make_world: Any,
) -> None:
    """ATL picked before DAL, but its confirmation arrives after DAL's: not stale."""
    world = make_world({("DAL", "SKU1"): 10, ("ATL", "SKU1"): 50}, allow_split=True)
    order_id = released_order(world, [line(1, 10)])
    world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 7}), "wms-1")
    world.clock[0] -= timedelta(minutes=30)
    atl = world.send("wms", pick(order_id, "ATL", {"line_no": 1, "quantity": 3}), "wms-2")
    assert (atl.status_code, atl.json()["outcome"]) == (200, "applied")
    assert status(world, order_id) == "picked"
    world.clock[0] -= timedelta(minutes=30)
    older_dal = world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 7}), "wms-3")
    assert (older_dal.status_code, older_dal.json()["outcome"]) == (200, "stale")


def test_without_split_a_short_pick_is_backordered_and_the_order_stays_released(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 10, ("ATL", "SKU1"): 50})
    order_id = released_order(world, [line(1, 10)])
    world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 7}), "wms-1")
    assert world.stock() == {"ATL": (50, 0), "DAL": (10, 7)}
    [case] = world.cases("SHORT_PICK")
    assert (case["blocking"], case["severity"]) == (True, "block")
    [backorder] = world.events(order_id, "ShortPickBackordered")
    assert (backorder["line_no"], backorder["quantity"], backorder["site"]) == (1, 3, "DAL")
    assert not world.events(order_id, "ShortPickResourced")
    assert status(world, order_id) == "released"


def test_a_shortfall_larger_than_other_sites_hold_is_partly_backordered(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 10, ("ATL", "SKU1"): 1}, allow_split=True)
    order_id = released_order(world, [line(1, 10)])
    world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 0}), "wms-1")
    assert world.stock() == {"ATL": (1, 1), "DAL": (10, 0)}
    assert world.events(order_id, "ShortPickResourced")[0]["quantity"] == 1
    assert world.events(order_id, "ShortPickBackordered")[0]["quantity"] == 9
    assert world.cases("SHORT_PICK")[0]["blocking"] is True


def test_a_lot_expiring_before_the_customers_shelf_life_opens_lot_noncompliant(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100}, min_remaining_shelf_life_days=90)
    order_id = released_order(world, [line(1, 10)], requested_ship_date="2026-12-01")
    world.send("wms", pick(order_id, "DAL",
                           {"line_no": 1, "quantity": 6, "lot": "OLD", "expiry": "2027-02-01"},
                           {"line_no": 1, "quantity": 4, "lot": "NEW", "expiry": "2027-03-01"}),
               "wms-1")
    [case] = world.cases("LOT_NONCOMPLIANT")
    assert (case["kind"], case["stage"], case["blocking"], case["owner_team"],
            case["source_system"], case["site_id"]) == (
        "business", "execute", True, "warehouse", "wms", "DAL")
    assert [lot["lot"] for lot in case["details"]["lots"]] == ["OLD"]
    assert case["details"]["needed_until"] == "2027-03-01"
    [event] = world.events(order_id, "LotNonCompliant")
    assert event["case_id"] == case["case_id"]
    assert status(world, order_id) == "picked"  # the quantities are in; the case blocks shipping


def test_a_resent_confirmation_changes_nothing(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 10, ("ATL", "SKU1"): 50}, allow_split=True)
    order_id = released_order(world, [line(1, 10)])
    world.clock[0] += timedelta(minutes=1)
    raw = json.dumps({"type": "pick_confirmed", "occurred_at": world.clock[0].isoformat(),
                      "data": pick(order_id, "DAL", {"line_no": 1, "quantity": 7})}).encode()
    first, again = (world.resend("wms", raw, "wms-1") for _ in range(2))
    assert (first.status_code, first.json()) == (again.status_code, again.json())
    assert world.count(t.picks) == 1
    assert len(world.cases("SHORT_PICK")) == 1
    assert world.stock() == {"ATL": (50, 3), "DAL": (10, 7)}
    again_with_new_id = world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 7}),
                                   "wms-2")
    assert again_with_new_id.status_code == 422
    assert "confirmed at DAL already" in again_with_new_id.json()["detail"]
    assert world.count(t.picks) == 1


def test_a_pick_for_an_order_that_is_not_released_is_refused_and_nothing_is_stored(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    answer = post_order(world.client, world.token, order(lines=[line(1, 10)]))
    order_id = answer.json()["order_id"]
    refused = world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 10}), "wms-1")
    assert refused.status_code == 422
    assert "accepted" in refused.json()["detail"]
    assert (world.count(t.picks), world.count(t.system_states)) == (0, 0)
    assert status(world, order_id) == "accepted"
    assert world.stock() == {"DAL": (100, 10)}


@pytest.mark.parametrize(("data", "detail"), [
    ({"line_no": 1, "quantity": 11}, "over-picks are refused"),
    ({"line_no": 2, "quantity": 1}, "no line 2"),
    ({"line_no": 1, "quantity": -1}, "quantity must be a whole number"),
])
def test_confirmations_that_do_not_fit_the_order_are_refused(
    make_world: Any, data: dict[str, Any], detail: str,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = released_order(world, [line(1, 10)])
    refused = world.send("wms", pick(order_id, "DAL", data), "wms-1")
    assert refused.status_code == 422 and detail in refused.json()["detail"]
    other_site = world.send("wms", pick(order_id, "ATL", {"line_no": 1, "quantity": 1}), "wms-2")
    assert "nothing reserved at site ATL" in other_site.json()["detail"]
    unknown = world.send("wms", pick("ord-nope", "DAL", {"line_no": 1, "quantity": 1}), "wms-3")
    assert unknown.status_code == 422 and "no order ord-nope" in unknown.json()["detail"]
    assert world.count(t.picks) == 0
    assert world.stock() == {"DAL": (100, 10)}


def test_a_pick_confirmation_from_the_erp_is_refused_as_an_ownership_violation(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = released_order(world, [line(1, 10)])
    answer = world.send("erp", pick(order_id, "DAL", {"line_no": 1, "quantity": 10}), "erp-1")
    assert (answer.status_code, answer.json()["code"]) == (409, "OWNERSHIP_VIOLATION")
    assert world.count(t.picks) == 0 and status(world, order_id) == "released"
