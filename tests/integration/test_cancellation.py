"""Cancelling an order gives back what its stage holds: stock, credit, the warehouse's tasks and
the carrier's label; a shipped order, an unknown one and a cancelled one are refused and lose
nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from shipshape.adapters.channels.canonical import CustomerIn
from shipshape.bootstrap import Container
from shipshape.cli import app as cli
from shipshape.domain.errors import Conflict, IllegalTransition, NotFound
from shipshape.domain.orders import OrderStatus
from shipshape.services import masterdata as md
from shipshape.services.cancellation import cancellation_handlers
from shipshape.services.delivery.consume import apply_once
from shipshape.services.delivery.relay import EVENT_TYPE_HEADER
from shipshape.services.ports.messaging import Message
from shipshape.services.release import release_wave
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.worlds.cancellation import cancel, exposure, held_at_intake, of_order, reserved
from tests.worlds.picking import line as picking_line
from tests.worlds.picking import pick, released_order
from tests.worlds.tendering import picked_world, run, tms
from tests.worlds.waves import App, cases_of, line, place, status_of, wms
from tests.worlds.worker import work_until

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def set_status(container: Container, order_id: str, status: OrderStatus) -> None:
    with container.deps.uow() as uow:
        uow.orders.set_status(order_id, status, datetime.now(UTC))
        uow.commit()


def test_an_accepted_order_gives_back_its_stock_and_credit(app: App) -> None:
    container, _ = app
    kept = place(app, 1)
    order_id = place(app, 2, lines=[line("SKU1", 7)])
    assert (reserved(container), exposure(container)) == (9, Decimal("90.00"))

    result = cancel(container, order_id)

    assert result.compensations == ("unreserve", "release_credit")
    assert status_of(container, order_id) == "cancelled"
    assert (reserved(container), exposure(container)) == (2, Decimal("20.00"))
    [cancelled] = of_order(container, "OrderCancelled", order_id)
    assert {k: cancelled.payload[k] for k in ("from", "to", "reason", "actor")} == {
        "from": "accepted", "to": "cancelled", "reason": "customer changed mind",
        "actor": "agent-1"}
    assert cancelled.payload["reservations_released"] == [
        {"line_no": 1, "site_id": "DAL", "sku": "SKU1", "quantity": 7}]
    assert not of_order(container, "TaskCancelRequested", order_id)
    assert not of_order(container, "TenderCancelRequested", order_id)
    assert status_of(container, kept) == "accepted"
    assert release_wave(container.deps, "DAL").released == (kept,)


def test_an_order_held_at_intake_never_counted_and_its_case_is_closed(app: App) -> None:
    container, _ = app
    place(app, 1)
    held = held_at_intake(app, 1)
    [case] = cases_of(container, held)
    assert (case.code, case.status) == ("PARTIAL_AVAILABILITY", "open")

    result = cancel(container, held, reason="customer found it elsewhere")

    assert result.compensations == () and result.cases_closed == (case.id,)
    assert (reserved(container), exposure(container)) == (2, Decimal("20.00"))
    [closed] = cases_of(container, held)
    assert (closed.status, closed.resolution_action, closed.resolution_reason,
            closed.resolved_by) == ("cancelled", "order_cancelled",
                                    "customer found it elsewhere", "agent-1")


def test_an_order_held_after_acceptance_gives_back_stock_and_credit(app: App) -> None:
    container, _ = app
    order_id = place(app, 1, lines=[line("SKU1", 4)])
    md.upsert(container.deps, [CustomerIn(name="Acme", credit_limit="100000",
                                          preferred_site="DAL", credit_hold=True
                                          ).to_domain("C1")])
    assert [p.order_id for p in release_wave(container.deps, "DAL").pulled] == [order_id]
    assert (status_of(container, order_id), exposure(container)) == ("held", Decimal("40.00"))

    result = cancel(container, order_id)

    assert result.compensations == ("unreserve", "release_credit") and result.cases_closed
    assert (reserved(container), exposure(container)) == (0, Decimal("0.00"))
    assert not of_order(container, "TaskCancelRequested", order_id)


def test_a_released_order_stops_the_warehouse_once(app: App) -> None:
    container, _ = app
    order_id = place(app, 1, lines=[line("SKU1", 3)])
    assert release_wave(container.deps, "DAL").released == (order_id,)

    result = cancel(container, order_id)

    assert result.compensations == ("unreserve", "release_credit", "cancel_tasks")
    [stop] = of_order(container, "TaskCancelRequested", order_id)
    assert (stop.payload["order_id"], stop.payload["sites"]) == (order_id, ["DAL"])
    assert "customer changed mind" in stop.payload["reason"]
    assert (reserved(container), exposure(container)) == (0, Decimal("0.00"))
    work_until(container, lambda: wms(container).applied_count("task_cancel") == 1)
    [payload] = [p for op, p in wms(container).applied.values() if op == "task_cancel"]
    assert payload["order_id"] == order_id and payload["sites"] == ["DAL"]


def test_a_picked_order_with_a_carrier_tender_voids_the_label(make_world: Any) -> None:
    world, order_id = picked_world(make_world)
    run(world, order_id)
    [tendered] = world.events(order_id, "CarrierTendered")
    container = world.container

    result = cancel(container, order_id, reason="wrong address")

    assert result.compensations == ("unreserve", "release_credit", "cancel_tasks",
                                    "void_label")
    assert world.stock() == {"DAL": (100, 0)}
    assert world.events(order_id, "TaskCancelRequested")[0]["sites"] == ["DAL"]
    [void] = world.events(order_id, "TenderCancelRequested")
    assert {k: void[k] for k in ("order_id", "carrier_service", "tracking_number",
                                 "label_ref")} == {
        "order_id": order_id, "carrier_service": tendered["carrier_service"],
        "tracking_number": tendered["tracking_number"], "label_ref": tendered["label_ref"]}

    [raw] = of_order(container, "TenderCancelRequested", order_id)
    body = {"type": raw.type, "order_id": order_id, **raw.payload}
    message = Message("evt-void-1", f"shipshape.TenderCancelRequested.{order_id}", order_id,
                      json.dumps(body).encode(), {EVENT_TYPE_HEADER: raw.type})
    handler = cancellation_handlers(container.deps, container.connectors)["tms-tender-cancel"]
    assert apply_once(container.deps, "tms-tender-cancel", handler, message)
    assert not apply_once(container.deps, "tms-tender-cancel", handler, message)
    voided = [p for op, p in tms(world).applied.values() if op == "tender_cancel"]
    assert voided == [{"order_id": order_id, "carrier_service": tendered["carrier_service"],
                       "tracking_number": tendered["tracking_number"],
                       "label_ref": tendered["label_ref"],
                       "reason": "order cancelled: wrong address"}]
    [called] = [e for e in world.events(order_id, "SystemCalled")
                if e["operation"] == "tender_cancel"]
    assert called["source_event"] == "evt-void-1"


def test_a_picked_order_not_yet_tendered_only_stops_the_warehouse(make_world: Any) -> None:
    world, order_id = picked_world(make_world)
    result = cancel(world.container, order_id)
    assert "void_label" not in result.compensations
    assert world.events(order_id, "TaskCancelRequested")
    assert not world.events(order_id, "TenderCancelRequested")


def test_a_pick_confirmed_after_the_cancel_is_refused_and_changes_nothing(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    order_id = released_order(world, [picking_line(1, 10)])
    cancel(world.container, order_id)
    late = world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 10}), "wms-1")
    assert late.status_code == 422 and "cancelled" in late.text
    assert world.stock() == {"DAL": (100, 0)}
    assert not world.events(order_id, "PickConfirmed")


@pytest.mark.parametrize("status", [OrderStatus.SHIPPED, OrderStatus.INVOICED,
                                    OrderStatus.CLOSED])
def test_a_shipped_order_is_refused_and_keeps_everything(app: App, status: OrderStatus) -> None:
    container, _ = app
    order_id = place(app, 1)
    set_status(container, order_id, status)
    with pytest.raises(IllegalTransition, match="crediting its invoice"):
        cancel(container, order_id)
    assert status_of(container, order_id) == status.value
    assert (reserved(container), exposure(container)) == (2, Decimal("20.00"))
    assert not of_order(container, "OrderCancelled", order_id)


def test_cancelling_twice_is_a_conflict_and_gives_back_nothing_twice(app: App) -> None:
    container, _ = app
    place(app, 1)
    order_id = place(app, 2)
    cancel(container, order_id)
    with pytest.raises(Conflict, match="already cancelled"):
        cancel(container, order_id, reason="again")
    assert (reserved(container), exposure(container)) == (2, Decimal("20.00"))
    assert len(of_order(container, "OrderCancelled", order_id)) == 1


def test_an_unknown_order_and_a_blank_reason_are_refused(app: App) -> None:
    container, _ = app
    order_id = place(app, 1)
    with pytest.raises(NotFound, match="ord_nope"):
        cancel(container, "ord_nope")
    with pytest.raises(Exception, match="needs a reason"):
        cancel(container, order_id, reason="   ")
    assert status_of(container, order_id) == "accepted"


def test_cancel_over_http_for_agents_and_admins_only(app: App) -> None:
    container, client = app
    order_id = place(app, 1)
    token = {role: container.tokens.create(f"t-{role}", role, datetime.now(UTC))
             for role in ("agent", "viewer", "integration")}
    url = f"/api/v1/orders/{order_id}/cancel"
    for role in ("viewer", "integration"):
        assert client.post(url, json={"reason": "x"}, headers=auth(token[role])
                           ).status_code == 403
    assert client.post(url, json={"reason": ""}, headers=auth(token["agent"])
                       ).status_code == 422
    missing = client.post("/api/v1/orders/ord_nope/cancel", json={"reason": "x"},
                          headers=auth(token["agent"]))
    assert missing.status_code == 404

    answer = client.post(url, json={"reason": "duplicate"}, headers=auth(token["agent"]))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"order_id": order_id, "status": "cancelled", "from": "accepted",
                             "compensations": ["unreserve", "release_credit"],
                             "cases_closed": []}
    [cancelled] = of_order(container, "OrderCancelled", order_id)
    assert cancelled.payload["actor"] == "t-agent"
    again = client.post(url, json={"reason": "duplicate"}, headers=auth(token["agent"]))
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]


def test_cancel_from_the_command_line(app: App) -> None:
    container, _ = app
    order_id = place(app, 1)
    url = container.settings.database_url
    runner = CliRunner()
    done = runner.invoke(cli, ["orders", "cancel", order_id, "--reason", "phoned in",
                               "--actor", "cs-desk"], env={"SHIPSHAPE_DATABASE_URL": url})
    assert done.exit_code == 0, done.output
    assert f"order {order_id} cancelled (was accepted)" in " ".join(done.output.split())
    assert status_of(container, order_id) == "cancelled"
    [cancelled] = of_order(container, "OrderCancelled", order_id)
    assert (cancelled.payload["actor"], cancelled.payload["reason"]) == ("cs-desk", "phoned in")
    refused = runner.invoke(cli, ["orders", "cancel", order_id, "--reason", "again"],
                            env={"SHIPSHAPE_DATABASE_URL": url})
    assert refused.exit_code != 0 and isinstance(refused.exception, Conflict)
