"""Reconciliation finds orders that stopped moving along the journey (released and never
picked, picked and never tendered, tendered and never shipped) and opens one case each for the
team whose system owes the next step; an order that waits with a blocking case, or for our own
next wave at another site, is not stalled."""

from __future__ import annotations

from typing import Any

import pytest

from shipshape.domain import stalls
from shipshape.services.reconciliation import ReconcilePolicy, ReconciliationReport, reconcile
from shipshape.services.release import release_wave
from tests.builders import order, post_order
from tests.conftest import BACKENDS
from tests.worlds.journey import deps_after
from tests.worlds.picking import World, line, pick
from tests.worlds.shipping import send, tendered_order

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
TIMEOUT_S = 3600.0
POLICY = ReconcilePolicy(stall_timeout_s=TIMEOUT_S)


def stalled(world: World, after_s: float) -> list[tuple[str, str, str]]:
    """(code, order, action) of the stall findings of a run `after_s` from now."""
    report = run(world, after_s)
    return [(i.code, i.order_id, i.action.value) for i in report.findings
            if i.code in stalls.CODES]


def run(world: World, after_s: float) -> ReconciliationReport:
    return reconcile(deps_after(world, after_s), POLICY)


def waved(world: World, *lines: dict[str, Any], **fields: Any) -> str:
    answer = post_order(world.client, world.token, order(lines=list(lines), **fields))
    assert answer.json()["status"] == "accepted", answer.text
    order_id = str(answer.json()["order_id"])
    assert order_id in release_wave(world.container.deps, "DAL").released
    return order_id


def case_of(world: World, code: str) -> dict[str, Any]:
    [case] = world.cases(code)
    return case


def test_a_released_order_the_wms_never_picks_is_stalled_once_past_the_timeout(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = waved(world, line(1, 5))
    assert stalled(world, TIMEOUT_S - 60) == []
    assert stalled(world, TIMEOUT_S + 60) == [
        (stalls.RELEASED_NOT_PICKED, order_id, "case opened")]
    case = case_of(world, stalls.RELEASED_NOT_PICKED)
    assert (case["order_id"], case["owner_team"], case["source_system"], case["kind"],
            case["blocking"]) == (order_id, "warehouse", "wms", "operational", True)
    assert "the WMS has confirmed no pick" in case["message"]
    assert stalled(world, TIMEOUT_S + 120) == [], "the open case owns it now"


def test_a_picked_order_no_carrier_took_is_stalled_for_transport(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = waved(world, line(1, 5))
    answer = send(world, "wms", "pick_confirmed",
                  pick(order_id, "DAL", {"line_no": 1, "quantity": 5}), "wms-pick")
    assert answer.status_code == 200, answer.text
    assert stalled(world, TIMEOUT_S + 60) == [
        (stalls.PICKED_NOT_TENDERED, order_id, "case opened")]
    assert case_of(world, stalls.PICKED_NOT_TENDERED)["owner_team"] == "transport"


def test_a_tendered_order_never_shipped_is_stalled_for_the_warehouse(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 5)], [{"line_no": 1, "quantity": 5}])
    assert stalled(world, TIMEOUT_S + 60) == [
        (stalls.TENDERED_NOT_SHIPPED, order_id, "case opened")]
    assert "the WMS has confirmed no shipment" in case_of(
        world, stalls.TENDERED_NOT_SHIPPED)["message"]


def test_an_order_waiting_with_a_blocking_case_is_not_stalled(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 10, ("ATL", "SKU1"): 50})
    order_id = waved(world, line(1, 10))
    send(world, "wms", "pick_confirmed", pick(order_id, "DAL", {"line_no": 1, "quantity": 7}),
         "wms-short")
    assert case_of(world, "SHORT_PICK")["blocking"] is True
    assert stalled(world, TIMEOUT_S + 60) == []


def test_an_order_waiting_for_our_own_next_wave_at_another_site_is_not_stalled(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 3, ("ATL", "SKU1"): 50}, allow_split=True)
    order_id = waved(world, line(1, 10))
    send(world, "wms", "pick_confirmed", pick(order_id, "DAL", {"line_no": 1, "quantity": 3}),
         "wms-dal")
    assert stalled(world, TIMEOUT_S + 60) == []
    assert order_id in release_wave(world.container.deps, "ATL").released
    assert stalled(world, TIMEOUT_S + 60) == [
        (stalls.RELEASED_NOT_PICKED, order_id, "case opened")]
