"""Recommendations on a case through the API: made from the case's facts, filtered by the
customer's policy, accepted through the desk's governed action (the same reservations, events
and audit as by hand) or rejected with a reason; each outcome read back for training."""

from __future__ import annotations

from typing import Any

import pytest

from shipshape.adapters.channels.canonical import (
    CarrierIn,
    CustomerIn,
    ItemIn,
    PriceIn,
    StockMovementIn,
)
from shipshape.adapters.db.recommend_queries import recommendation_outcomes
from shipshape.services import masterdata as md
from tests.builders import auth, order, post_order
from tests.conftest import BACKENDS
from tests.worlds.picking import line, pick, released_order
from tests.worlds.tendering import picked_world, run, tms
from tests.worlds.waves import App, status_of
from tests.worlds.worker import work_until

SHORT = [{"line_no": 1, "sku": "SKU1", "quantity": 1500, "unit_price": "10.00", "uom": "EA"}]
"""More SKU1 than either site of the waves world holds (DAL 1000, ATL 1000)."""


def held_case(app: App, customer_id: str = "C1", n: int = 1) -> tuple[str, str]:
    container, client = app
    token = container.tokens.create("i", "integration", container.deps.clock.now())
    body = order(external_id=f"R-{n}", customer_po=f"PO-R{n}", carrier_service=None,
                 lines=SHORT, customer_id=customer_id)
    answer = post_order(client, token, body).json()
    assert answer["status"] == "held", answer
    return answer["order_id"], answer["cases"][0]


def agent(app: App) -> dict[str, str]:
    return auth(app[0].tokens.create("ann", "agent", app[0].deps.clock.now()))


def shown(app: App, case_id: str) -> dict[str, Any]:
    answer = app[1].get(f"/api/v1/exceptions/{case_id}/recommendations", headers=agent(app))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def with_substitute(app: App) -> None:
    """SKU2 substitutes SKU1 (DAL holds 1,000 SKU2 and gets 500 more)."""
    md.upsert(app[0].deps, [ItemIn(description="Gloves", weight_kg="1.0",
                                   substitutes=["SKU2"]).to_domain("SKU1")])
    md.receive(app[0].deps, [StockMovementIn(site_id="DAL", sku="SKU2", quantity=500)
                             .to_domain()])


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_split_is_recommended_first_and_accepting_it_takes_the_order(app: App) -> None:
    container, client = app
    order_id, case_id = held_case(app)
    seen = shown(app, case_id)
    top = seen["recommendations"][0]
    assert (top["rank"], top["action"], top["service"]) == (1, "approve_split", 3)
    assert any("DAL 1000 + ATL 500" in r for r in top["reasons"])
    assert any("consent" in r for r in top["reasons"])  # C1 does not split by standing policy
    assert "delay_release" in [r["action"] for r in seen["recommendations"]]
    answer = client.post(f"/api/v1/exceptions/{case_id}/recommendations/1/accept",
                         json={"recommendation": top["recommendation"]}, headers=agent(app))
    assert answer.status_code == 200, answer.text
    assert answer.json()["closed"] is True
    assert status_of(container, order_id) == "accepted"
    with container.deps.uow.reading() as uow:
        assert sorted((r.site, r.quantity) for r in uow.inventory.reservations_of(order_id)) \
            == [("ATL", 500), ("DAL", 1000)]  # as `approve_split` by hand
    audit = client.get(f"/api/v1/audit?subject={case_id}", headers=agent(app)).json()
    actions = [e["action"] for e in audit["entries"]]
    assert actions[-3:] == ["RecommendationAccepted", "ExceptionActed", "ExceptionResolved"]
    [outcome] = recommendation_outcomes(container.engine, case_id=case_id)
    assert (outcome["outcome"], outcome["action"], outcome["actor"], outcome["rank"]) == (
        "accepted", "approve_split", "ann", 1)
    again = client.post(f"/api/v1/exceptions/{case_id}/recommendations/1/accept",
                        headers=agent(app))
    assert again.status_code == 409
    assert shown(app, case_id)["recommendations"] == []


def test_a_rejection_needs_a_reason_and_is_recorded(app: App) -> None:
    container, client = app
    _, case_id = held_case(app)
    path = f"/api/v1/exceptions/{case_id}/recommendations/1/reject"
    assert client.post(path, json={}, headers=agent(app)).status_code == 422
    assert client.post(path, json={"reason": "   "}, headers=agent(app)).status_code == 422
    answer = client.post(path, json={"reason": "customer wants one delivery"},
                         headers=agent(app))
    assert answer.status_code == 200, answer.text
    seen = shown(app, case_id)
    [outcome] = seen["outcomes"]
    assert (outcome["outcome"], outcome["reason"], outcome["actor"], outcome["action"]) == (
        "rejected", "customer wants one delivery", "ann", "approve_split")
    assert seen["open"] is True  # a rejection leaves the case to the agent
    assert [r["code"] for r in recommendation_outcomes(container.engine)] == [
        "PARTIAL_AVAILABILITY"]
    viewer = auth(container.tokens.create("vic", "viewer", container.deps.clock.now()))
    assert client.post(path, json={"reason": "x"}, headers=viewer).status_code == 403
    assert client.post("/api/v1/exceptions/exc_nope/recommendations/1/reject",
                       json={"reason": "x"}, headers=agent(app)).status_code == 404
    assert client.post(f"/api/v1/exceptions/{case_id}/recommendations/9/accept",
                       headers=agent(app)).status_code == 409
    stale = client.post(f"/api/v1/exceptions/{case_id}/recommendations/1/accept",
                        json={"recommendation": "resource;site_id=XYZ"}, headers=agent(app))
    assert stale.status_code == 409 and "facts changed" in stale.text


def test_a_customer_that_forbids_substitutes_never_sees_one(app: App) -> None:
    with_substitute(app)
    _, case_id = held_case(app)
    seen = shown(app, case_id)
    assert "substitute" not in [r["action"] for r in seen["recommendations"]]
    [dropped] = [d for d in seen["filtered_out"] if d["action"] == "substitute"]
    assert dropped["why"] == "the customer does not accept substitutes"


def test_a_customer_that_takes_substitutes_is_offered_one_that_the_desk_can_take(
        app: App) -> None:
    container, client = app
    with_substitute(app)
    md.upsert(container.deps, [
        CustomerIn(name="Subs", credit_limit="100000", allow_substitutes=True,
                   preferred_site="DAL").to_domain("C5"),
        PriceIn(unit_price="10.00", tolerance_pct="2").to_domain("C5", "SKU1"),
        PriceIn(unit_price="9.00", tolerance_pct="2").to_domain("C5", "SKU2")])
    order_id, case_id = held_case(app, customer_id="C5")
    seen = shown(app, case_id)
    [sub] = [r for r in seen["recommendations"] if r["action"] == "substitute"]
    assert sub["parameters"] == {"line_no": 1, "substitute_sku": "SKU2"}
    assert sub["margin"] == "13500.00"  # 1,500 at C5's 9.00
    answer = client.post(f"/api/v1/exceptions/{case_id}/recommendations/{sub['rank']}/accept",
                         json={"recommendation": sub["recommendation"]}, headers=agent(app))
    assert answer.status_code == 200, answer.text
    assert status_of(container, order_id) == "accepted"


def test_a_margin_floor_and_no_splits_leave_only_what_the_policy_allows(app: App) -> None:
    container, _ = app
    _, case_id = held_case(app)
    container.settings.recommend.max_splits = 0
    seen = shown(app, case_id)
    assert [r["action"] for r in seen["recommendations"]] == ["delay_release"]
    assert any(d["action"] == "approve_split" and "at most 1" in d["why"]
               for d in seen["filtered_out"])
    container.settings.recommend.margin_floor_pct = 1  # nothing keeps all of 15,000 ...
    container.settings.recommend.extra_shipment_cost = 1  # ... once a shipment costs
    container.settings.recommend.max_splits = 1
    assert [r["action"] for r in shown(app, case_id)["recommendations"]] == ["delay_release"]


def test_a_failed_tender_is_offered_only_eligible_carriers_not_tried(make_world: Any) -> None:
    world, order_id = picked_world(make_world)
    md.upsert(world.container.deps, [
        CarrierIn(name="DHL", services=[
            {"code": "EXP", "max_weight_kg": "70", "countries": ["US"], "transit_days": 1},
            {"code": "LTL", "max_weight_kg": "5", "countries": ["US"]},
            {"code": "INTL", "countries": ["DE"]}]).to_domain("DHL")])
    tms(world).reject_next(2, "no capacity")
    run(world, order_id)
    [case] = world.cases("CARRIER_TENDER_FAILED")
    seen = world.get(f"/exceptions/{case['case_id']}/recommendations")
    assert [(r["action"], r["parameters"]) for r in seen["recommendations"]] == [
        ("retender", {"carrier_service": "DHL:EXP"})]
    assert {d["parameters"]["carrier_service"] for d in seen["filtered_out"]} == {
        "DHL:LTL", "DHL:INTL"}
    by_hand = world.client.post(f"/api/v1/exceptions/{case['case_id']}/actions", json={
        "action": "retender", "reason_code": "X", "carrier_service": "DHL:LTL"},
        headers=auth(world.token))
    assert by_hand.status_code == 422 and "DHL:LTL" in by_hand.text  # it cannot carry 10 kg
    accepted = world.client.post(
        f"/api/v1/exceptions/{case['case_id']}/recommendations/1/accept",
        headers=auth(world.token))
    assert accepted.status_code == 200, accepted.text
    assert world.events(order_id, "CarrierTenderRequested")[-1]["chain"] == ["DHL:EXP"]
    work_until(world.container, lambda: bool(world.events(order_id, "CarrierTendered")))
    [tendered] = world.events(order_id, "CarrierTendered")
    assert tendered["carrier_service"] == "DHL:EXP"


def test_a_short_pick_is_recommended_to_another_site_and_resourced_there(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 10, ("ATL", "SKU1"): 50})
    order_id = released_order(world, [line(1, 10)])
    world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 7}), "wms-1")
    [case] = world.cases("SHORT_PICK")
    seen = world.get(f"/exceptions/{case['case_id']}/recommendations")
    top = seen["recommendations"][0]
    assert (top["action"], top["parameters"]) == ("resource", {"site_id": "ATL"})
    assert "pause" in [r["action"] for r in seen["recommendations"]]
    accepted = world.client.post(
        f"/api/v1/exceptions/{case['case_id']}/recommendations/1/accept",
        headers=auth(world.token))
    assert accepted.status_code == 200, accepted.text
    assert world.stock() == {"ATL": (50, 3), "DAL": (10, 7)}
    [moved] = world.events(order_id, "ShortPickResourced")
    assert (moved["quantity"], moved["to"]) == (3, [{"site": "ATL", "quantity": 3}])
    assert world.cases("SHORT_PICK")[0]["status"] == "resolved"
