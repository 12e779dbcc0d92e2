"""The exception desk through the API: a case fetched with the caller's actions, assigned, and
worked by governed actions that go through intake's control points, each leaving events on the
case's history and entries in the audit trail; refused actions change nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipshape.adapters.channels.canonical import CustomerIn, PriceIn, StockMovementIn
from shipshape.bootstrap import Container
from shipshape.cli import exit_codes
from shipshape.services import masterdata as md
from shipshape.services.delivery.inbound import take_events
from tests.builders import auth, order, post_order
from tests.cli_support import shipshape
from tests.conftest import BACKENDS
from tests.worlds.waves import App, status_of

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
SHORT = [{"line_no": 1, "sku": "SKU1", "quantity": 1500, "unit_price": "10.00", "uom": "EA"}]
"""More SKU1 than either site holds (DAL 1000, ATL 1000): held for PARTIAL_AVAILABILITY."""


def tokens(container: Container) -> dict[str, str]:
    now = container.deps.clock.now()
    return {role: container.tokens.create(role, role, now)
            for role in ("integration", "agent", "supervisor", "viewer")}


def held_case(app: App, n: int = 1, lines: list[dict[str, Any]] = SHORT, **fields: Any
              ) -> tuple[str, str]:
    """An order held with one case; (order id, case id)."""
    container, client = app
    token = container.tokens.create("i", "integration", container.deps.clock.now())
    body = order(external_id=f"D-{n}", customer_po=f"PO-D{n}", carrier_service=None,
                 lines=lines, **fields)
    answer = post_order(client, token, body).json()
    assert answer["status"] == "held", answer
    return answer["order_id"], answer["cases"][0]


def held_for_credit(app: App) -> tuple[str, str]:
    """An order of C6, a customer on credit hold, held with its CREDIT_HOLD case."""
    md.upsert(app[0].deps, [CustomerIn(name="Held", credit_limit="100000", credit_hold=True,
                                       preferred_site="DAL").to_domain("C6"),
                            PriceIn(unit_price="10.00").to_domain("C6", "SKU1")])
    return held_case(app, customer_id="C6", lines=[{**SHORT[0], "quantity": 5}])


def act(client: TestClient, token: str, case_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/exceptions/{case_id}/actions",
                       json={"reason_code": "CUSTOMER_CONSENT", **body}, headers=auth(token))


def case(client: TestClient, token: str, case_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/exceptions/{case_id}", headers=auth(token))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def reserved(container: Container, order_id: str) -> list[tuple[str, int]]:
    with container.deps.uow.reading() as uow:
        return sorted((r.site, r.quantity) for r in uow.inventory.reservations_of(order_id))


def test_an_agent_sees_the_case_with_its_actions_and_a_viewer_sees_none(app: App) -> None:
    container, client = app
    t = tokens(container)
    _, case_id = held_case(app)
    seen = case(client, t["agent"], case_id)
    assert seen["code"] == "PARTIAL_AVAILABILITY" and seen["status"] == "open"
    assert {"assign", "approve_split", "cancel_line", "resolve"} <= set(seen["actions"])
    assert "release_hold" not in seen["actions"]
    assert seen["sla"]["state"] == "on_track" and seen["sla"]["paused"] is False
    assert [h["type"] for h in seen["history"]] == ["ExceptionOpened"]
    assert {a["site_id"] for a in seen["availability"]} == {"DAL", "ATL"}
    assert case(client, t["viewer"], case_id)["actions"] == []
    refused = act(client, t["viewer"], case_id, action="approve_split")
    assert refused.status_code == 403


def test_an_approved_split_is_reserved_at_both_sites_and_closes_the_case(app: App) -> None:
    container, client = app
    t = tokens(container)
    order_id, case_id = held_case(app)
    answer = act(client, t["agent"], case_id, action="approve_split",
                 cost={"rework_minutes": 4})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["closed"] is True and body["case"]["status"] == "resolved"
    assert body["case"]["cost_rework_minutes"] == 4
    assert status_of(container, order_id) == "accepted"
    assert reserved(container, order_id) == [("ATL", 500), ("DAL", 1000)]
    history = [h["type"] for h in body["case"]["history"]]
    assert history == ["ExceptionOpened", "ExceptionActed", "ExceptionResolved"]
    audit = client.get(f"/api/v1/audit?subject={case_id}", headers=auth(t["viewer"])).json()
    actions = [e["action"] for e in audit["entries"]]
    assert "ExceptionActed" in actions and "ExceptionResolved" in actions
    assert act(client, t["agent"], case_id, action="resolve",
               root_cause="x").status_code == 409


def test_a_split_the_stock_cannot_cover_is_refused_and_changes_nothing(app: App) -> None:
    container, client = app
    t = tokens(container)
    too_many = [{**SHORT[0], "quantity": 2500}]
    order_id, case_id = held_case(app, lines=too_many)
    answer = act(client, t["agent"], case_id, action="approve_split")
    assert answer.status_code == 422
    assert "DAL 1000" in answer.text and "ATL 1000" in answer.text
    assert status_of(container, order_id) == "held"
    assert reserved(container, order_id) == []
    seen = case(client, t["agent"], case_id)
    assert seen["status"] == "open" and [h["type"] for h in seen["history"]] == [
        "ExceptionOpened"]


def test_a_substitute_is_refused_where_the_customer_does_not_allow_it(app: App) -> None:
    container, client = app
    t = tokens(container)
    order_id, case_id = held_case(app)
    answer = act(client, t["agent"], case_id, action="substitute", line_no=1,
                 substitute_sku="SKU2")
    assert answer.status_code == 422
    assert "does not accept substitutes" in answer.json()["detail"]
    assert status_of(container, order_id) == "held"


def test_a_substitute_the_customer_allows_is_priced_reserved_and_closes_the_case(
        app: App) -> None:
    container, client = app
    t = tokens(container)
    md.upsert(container.deps, [
        CustomerIn(name="Subs", credit_limit="100000", allow_substitutes=True,
                   preferred_site="DAL").to_domain("C5"),
        PriceIn(unit_price="10.00", tolerance_pct="2").to_domain("C5", "SKU1"),
        PriceIn(unit_price="5.00", tolerance_pct="2").to_domain("C5", "SKU2")])
    order_id, case_id = held_case(app, customer_id="C5")
    short = act(client, t["agent"], case_id, action="substitute", line_no=1,
                substitute_sku="SKU2")
    assert short.status_code == 422 and "SKU2 wants 1500: DAL 1000" in short.text
    md.receive(container.deps, [StockMovementIn(site_id="DAL", sku="SKU2", quantity=500)
                                .to_domain()])
    answer = act(client, t["agent"], case_id, action="substitute", line_no=1,
                 substitute_sku="SKU2")
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"]["substitute_sku"] == "SKU2"
    assert status_of(container, order_id) == "accepted"
    assert reserved(container, order_id) == [("DAL", 1500)]
    lines = client.get(f"/api/v1/orders/{order_id}", headers=auth(t["viewer"])).json()["lines"]
    assert [(ln["sku"], ln["unit_price"]) for ln in lines] == [("SKU2", "5.00")]


def test_only_a_supervisor_releases_a_credit_hold(app: App) -> None:
    container, client = app
    t = tokens(container)
    order_id, case_id = held_for_credit(app)
    assert case(client, t["agent"], case_id)["code"] == "CREDIT_HOLD"
    assert "release_hold" not in case(client, t["agent"], case_id)["actions"]
    assert act(client, t["agent"], case_id, action="release_hold").status_code == 403
    assert "release_hold" in case(client, t["supervisor"], case_id)["actions"]
    answer = act(client, t["supervisor"], case_id, action="release_hold",
                 reason_code="PAYMENT_RECEIVED")
    assert answer.status_code == 200, answer.text
    assert status_of(container, order_id) == "accepted"


def test_cancelling_the_short_line_takes_the_rest_of_the_order(app: App) -> None:
    container, client = app
    t = tokens(container)
    lines = [SHORT[0], {"line_no": 2, "sku": "SKU2", "quantity": 3, "unit_price": "5.00",
                        "uom": "EA"}]
    order_id, case_id = held_case(app, lines=lines)
    answer = act(client, t["agent"], case_id, action="cancel_line", line_no=1)
    assert answer.status_code == 200, answer.text
    assert status_of(container, order_id) == "accepted"
    assert reserved(container, order_id) == [("DAL", 3)]


def test_assignment_is_recorded_and_a_closed_case_is_not_worked(app: App) -> None:
    container, client = app
    t = tokens(container)
    _, case_id = held_case(app)
    path = f"/api/v1/exceptions/{case_id}/assign"
    assert client.post(path, json={"assignee": "ann"}, headers=auth(t["viewer"])
                       ).status_code == 403
    answer = client.post(path, json={"assignee": "ann", "queue": "cs-priority"},
                         headers=auth(t["agent"]))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["assignee"], answer.json()["queue"]) == (
        "assigned", "ann", "cs-priority")
    listed = client.get("/api/v1/exceptions?assignee=ann&queue=cs-priority",
                        headers=auth(t["viewer"])).json()
    assert [c["case_id"] for c in listed["exceptions"]] == [case_id] and listed["total"] == 1
    no_cause = act(client, t["agent"], case_id, action="resolve")
    assert no_cause.status_code == 422 and "root cause" in no_cause.text
    assert act(client, t["agent"], case_id, action="reject", root_cause="duplicate report"
               ).json()["case"]["status"] == "rejected"
    assert client.post(path, json={"assignee": "bob"}, headers=auth(t["agent"])
                       ).status_code == 409


@pytest.mark.parametrize("body", [
    {"action": "approve_split", "reason_code": ""},
    {"action": "explode", "reason_code": "X"},
    {"action": "resolve", "reason_code": "X", "root_cause": "a\u0000b"},
    {"action": "resolve", "reason_code": "X", "root_cause": "x" * 5000},
    {"action": "resolve", "reason_code": "X", "root_cause": "r", "cost": {"rework_minutes": -1}},
    {"action": "resolve", "reason_code": "X", "root_cause": "r", "status": "resolved"},
])
def test_a_bad_action_is_refused_with_a_clear_error_and_changes_nothing(
        app: App, body: dict[str, Any]) -> None:
    container, client = app
    t = tokens(container)
    _, case_id = held_case(app)
    answer = client.post(f"/api/v1/exceptions/{case_id}/actions", json=body,
                         headers=auth(t["agent"]))
    assert answer.status_code == 422, answer.text
    assert case(client, t["agent"], case_id)["status"] == "open"


def test_an_unknown_case_answers_404(app: App) -> None:
    container, client = app
    t = tokens(container)
    assert client.get("/api/v1/exceptions/exc_nope", headers=auth(t["agent"])).status_code == 404
    assert act(client, t["agent"], "exc_nope", action="resolve", root_cause="x"
               ).status_code == 404


def test_the_cli_lists_shows_assigns_and_acts_on_cases(app: App, database_url: str) -> None:
    container, _ = app
    order_id, case_id = held_case(app)
    listed = json.loads(shipshape(database_url, "cases", "list", "--team", "customer_service",
                                  "--sla-state", "on_track", "-o", "json").stdout)
    assert [c["case_id"] for c in listed["cases"]] == [case_id]
    table = shipshape(database_url, "cases", "list", "-o", "csv").stdout
    assert next(csv.DictReader(io.StringIO(table)))["sla_state"] == "on_track"
    shipshape(database_url, "cases", "assign", case_id, "ann", "--actor", "lead")
    acted = json.loads(shipshape(database_url, "cases", "act", case_id, "approve_split",
                                 "--reason-code", "CUSTOMER_CONSENT", "-o", "json").stdout)
    assert acted["closed"] is True and acted["status"] == "accepted"
    shown = json.loads(shipshape(database_url, "cases", "show", case_id, "-o", "json").stdout)
    assert shown["status"] == "resolved" and shown["assignee"] == "ann"
    assert [h["type"] for h in shown["history"]][-1] == "ExceptionResolved"
    assert status_of(container, order_id) == "accepted"
    refused = shipshape(database_url, "cases", "act", case_id, "resolve", "--reason-code", "X",
                        "--root-cause", "y", code=exit_codes.FAILURE)
    assert "closed case" in str(refused.exception)


def test_stock_that_arrives_takes_the_waiting_order_and_closes_its_case(app: App) -> None:
    container, client = app
    t = tokens(container)
    order_id, case_id = held_case(app)
    md.receive(container.deps, [StockMovementIn(site_id="DAL", sku="SKU1", quantity=100)
                                .to_domain()])
    assert status_of(container, order_id) == "held"  # 1,100 at DAL: still short
    assert case(client, t["agent"], case_id)["status"] == "open"
    md.receive(container.deps, [StockMovementIn(site_id="DAL", sku="SKU1", quantity=400)
                                .to_domain()])
    assert status_of(container, order_id) == "accepted"
    assert reserved(container, order_id) == [("DAL", 1500)]
    closed = case(client, t["agent"], case_id)
    assert (closed["status"], closed["resolution_action"], closed["resolved_by"]) == (
        "auto_resolved", "condition_cleared", "shipshape")
    assert closed["history"][-1]["type"] == "ExceptionResolved"


def test_a_lifted_credit_hold_takes_the_held_order_and_closes_its_case(app: App) -> None:
    container, client = app
    t = tokens(container)
    order_id, case_id = held_for_credit(app)
    erp = container.connectors.simulated("erp")
    assert erp is not None
    erp.emit("credit_status_changed", {"customer_id": "C6", "on_hold": False},
             container.deps.clock.now())
    assert take_events(container.deps, container.ownership, erp)["applied"] == 1
    assert status_of(container, order_id) == "accepted"
    assert case(client, t["agent"], case_id)["status"] == "auto_resolved"


def test_a_customer_token_sees_and_works_only_its_customers_cases(app: App) -> None:
    container, client = app
    t = tokens(container)
    _, theirs = held_case(app, 1)
    md.upsert(container.deps, [
        CustomerIn(name="Other", credit_limit="100000", preferred_site="DAL").to_domain("C7"),
        PriceIn(unit_price="10.00").to_domain("C7", "SKU1")])
    _, ours = held_case(app, 2, customer_id="C7")
    scoped = container.tokens.create("c7-agent", "agent", container.deps.clock.now(),
                                     customer_id="C7")
    listed = client.get("/api/v1/exceptions", headers=auth(scoped)).json()
    assert [c["case_id"] for c in listed["exceptions"]] == [ours] and listed["total"] == 1
    other = client.get("/api/v1/exceptions?customer_id=C1", headers=auth(scoped)).json()
    assert other["exceptions"] == [] and other["total"] == 0
    for answer in (client.get(f"/api/v1/exceptions/{theirs}", headers=auth(scoped)),
                   client.post(f"/api/v1/exceptions/{theirs}/assign", json={"assignee": "x"},
                               headers=auth(scoped)),
                   act(client, scoped, theirs, action="resolve", root_cause="x")):
        assert answer.status_code == 404, answer.text
    assert case(client, t["agent"], theirs)["status"] == "open"
    assert case(client, scoped, ours)["customer_id"] == "C7"


def test_a_paused_case_shows_paused_and_its_clock_runs_again_on_resume(app: App) -> None:
    container, client = app
    t = tokens(container)
    _, case_id = held_case(app)
    paused = act(client, t["agent"], case_id, action="pause", waiting_on="customer",
                 reason_code="ASKED_CUSTOMER")
    assert paused.status_code == 200, paused.text
    clock = paused.json()["case"]["sla"]
    assert (clock["state"], clock["paused"], clock["waiting_on"]) == ("paused", True, "customer")
    listed = client.get("/api/v1/exceptions?sla_state=paused", headers=auth(t["viewer"])).json()
    assert [c["case_id"] for c in listed["exceptions"]] == [case_id]
    assert act(client, t["agent"], case_id, action="pause", waiting_on="customer"
               ).status_code == 409
    resumed = act(client, t["agent"], case_id, action="resume", reason_code="CUSTOMER_ANSWERED")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["case"]["sla"]["paused"] is False
    assert resumed.json()["case"]["sla"]["state"] != "paused"
    types = [h["type"] for h in resumed.json()["case"]["history"]]
    assert types[-4:] == ["ExceptionPaused", "ExceptionActed", "ExceptionResumed",
                          "ExceptionActed"]


def test_a_delayed_release_moves_the_ship_date_and_pauses_the_clock(app: App) -> None:
    container, client = app
    t = tokens(container)
    order_id, case_id = held_case(app)
    later = (container.deps.clock.now().date() + timedelta(days=10)).isoformat()
    answer = act(client, t["agent"], case_id, action="delay_release", release_on=later)
    assert answer.status_code == 200, answer.text
    assert answer.json()["case"]["sla"]["waiting_on"] == "supply"
    shown = client.get(f"/api/v1/orders/{order_id}", headers=auth(t["viewer"])).json()
    assert (shown["status"], shown["requested_ship_date"]) == ("held", later)
    past = act(client, t["agent"], case_id, action="delay_release", release_on="2020-01-01")
    assert past.status_code in (409, 422)


# Delivery cases (DELIVERY_FAILED, DAMAGED_ON_DELIVERY, SHORT_ON_DELIVERY): redeliver, credit,
# reship. The shipping world: an order of 10 SKU1 shipped from DAL as SHP-1 and invoiced.


def _delivery_world(make_world: Any) -> tuple[Any, str, str]:
    from tests.worlds.picking import line
    from tests.worlds.shipping import send, shipment, tendered_order
    world = make_world({("DAL", "SKU1"): 100})
    order_id = tendered_order(world, [line(1, 10)], [{"line_no": 1, "quantity": 10}])
    assert send(world, "wms", "shipment_confirmed",
                shipment(order_id, {"line_no": 1, "quantity": 10}), "w-ship").status_code == 200
    agent = world.container.tokens.create("agent", "agent", world.container.deps.clock.now())
    return world, order_id, agent


def _tms(world: Any, kind: str, webhook_id: str, **data: Any) -> Any:
    from tests.worlds.shipping import send
    answer = send(world, "tms", kind, {"shipment_id": "SHP-1", **data}, webhook_id)
    assert answer.status_code == 200, answer.text
    return answer


def _notes(world: Any) -> list[dict[str, Any]]:
    from tests.worlds.shipping import invoices
    return [i for i in invoices(world) if i["kind"] == "credit_note"]


def test_a_failed_delivery_is_redelivered_through_the_tms(make_world: Any) -> None:
    world, order_id, agent = _delivery_world(make_world)
    _tms(world, "delivery_failed", "t1", reason="no one home")
    [failed] = world.cases("DELIVERY_FAILED")
    shown = case(world.client, agent, failed["case_id"])
    assert {"redeliver", "reship", "credit"} <= set(shown["actions"])
    answer = act(world.client, agent, failed["case_id"], action="redeliver")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["closed"], answer.json()["outcome"]["redelivery"]) == (
        True, "requested")
    [asked] = world.events(order_id, "RedeliveryRequested")
    assert (asked["shipment_id"], asked["actor"]) == ("SHP-1", "agent")
    # the TMS delivers it after all; asking again is refused, nothing changes
    _tms(world, "shipment_delivered", "t2")
    again = act(world.client, agent, failed["case_id"], action="redeliver")
    assert again.status_code == 409


def test_damaged_units_are_credited_at_the_invoiced_price(make_world: Any) -> None:
    world, order_id, agent = _delivery_world(make_world)
    _tms(world, "shipment_delivered", "t1")
    _tms(world, "delivery_discrepancy", "t2", lines=[{"line_no": 1, "damaged": 2, "short": 1}])
    [damaged] = world.cases("DAMAGED_ON_DELIVERY")
    assert "redeliver" not in case(world.client, agent, damaged["case_id"])["actions"]
    answer = act(world.client, agent, damaged["case_id"], action="credit")
    assert answer.status_code == 200, answer.text
    [note] = _notes(world)
    assert [ln[:3] for ln in note["lines"]] == [(1, "SKU1", 2)]
    assert (note["lines"][0][3], note["total"]) == (Decimal("10.00"), Decimal("20.00"))
    assert answer.json()["outcome"]["credit_note_id"] == note["id"]
    # the short case stays open for its own decision; the order's facts say credited
    [short] = world.cases("SHORT_ON_DELIVERY")
    assert short["status"] == "open"
    facts = world.get(f"/orders/{order_id}")["perfect_order"]
    assert (facts["invoiced_accurately"], facts["damage_free"]) == (False, False)


def test_short_units_are_reshipped_as_a_new_order_through_intakes_controls(
        make_world: Any) -> None:
    world, _, agent = _delivery_world(make_world)
    _tms(world, "shipment_delivered", "t1")
    _tms(world, "delivery_discrepancy", "t2", lines=[{"line_no": 1, "short": 3}])
    [short] = world.cases("SHORT_ON_DELIVERY")
    answer = act(world.client, agent, short["case_id"], action="reship")
    assert answer.status_code == 200, answer.text
    outcome = answer.json()["outcome"]
    replacement = world.get(f"/orders/{outcome['replacement_order_id']}")
    assert (replacement["status"], outcome["replacement_status"]) == ("accepted", "accepted")
    assert [(ln["sku"], ln["quantity"]) for ln in replacement["lines"]] == [("SKU1", 3)]
    assert world.stock() == {"DAL": (90, 3)}  # the replacement is reserved like any order
    [note] = _notes(world)
    assert note["total"] == Decimal("30.00")  # the missing units are not paid twice


def test_a_delivery_action_on_another_case_is_refused(make_world: Any) -> None:
    world, _, agent = _delivery_world(make_world)
    late = world.container.deps.clock.now().date() + timedelta(days=60)
    _tms(world, "shipment_delivered", "t1",
         delivered_at=f"{late.isoformat()}T12:00:00+00:00")
    [informed] = world.cases("DELIVERED_LATE")
    for action in ("redeliver", "reship", "credit"):
        refused = act(world.client, agent, informed["case_id"], action=action)
        assert refused.status_code == 409, refused.text
    assert _notes(world) == []
