"""Carrier tendering: a picked order is tendered to the TMS along its fallback chain."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.domain.orders import OrderStatus
from shipshape.services.delivery.consume import apply_once
from shipshape.services.tendering import TenderHandler
from tests.conftest import BACKENDS
from tests.worlds.picking import World
from tests.worlds.shipping import message_of
from tests.worlds.tendering import picked_world, run, tms

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def tenders(world: World) -> list[tuple[Any, ...]]:
    c = t.tenders.c
    with world.container.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(c.attempt, c.carrier_service, c.outcome, c.tracking_number, c.label_ref)
            .order_by(c.id)).all()]


def test_a_picked_order_is_tendered_to_its_first_carrier(make_world: Any) -> None:
    world, order_id = picked_world(make_world)
    [requested] = world.events(order_id, "CarrierTenderRequested")
    assert requested["chain"] == ["UPS:GND", "FDX:GRD"]
    assert Decimal(requested["order"]["weight_kg"]) == 10 and requested["preferred"] == "UPS:GND"
    run(world, order_id)
    [tendered] = world.events(order_id, "CarrierTendered")
    assert tendered["carrier_service"] == "UPS:GND"
    tracking = tendered["tracking_number"]
    assert tracking
    assert tendered["label_ref"] == f"LBL-UPS-GND-{tracking}"
    assert tenders(world) == [(1, "UPS:GND", "accepted", tracking, tendered["label_ref"])]


def test_a_rejected_tender_falls_back_to_the_next_carrier(make_world: Any) -> None:
    world, order_id = picked_world(make_world)
    tms(world).reject_next(1, "no capacity")
    run(world, order_id)
    [tendered] = world.events(order_id, "CarrierTendered")
    assert (tendered["carrier_service"], tendered["attempt"]) == ("FDX:GRD", 2)
    rows = tenders(world)
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "UPS:GND", "rejected"),
                                                  (2, "FDX:GRD", "accepted")]
    assert rows[1][3] == tendered["tracking_number"]
    assert world.get("/exceptions")["total"] == 0


def test_when_every_carrier_rejects_a_carrier_tender_failed_case_is_opened(
    make_world: Any,
) -> None:
    world, order_id = picked_world(make_world)
    tms(world).reject_next(2, "no capacity")
    run(world, order_id)
    assert not world.events(order_id, "CarrierTendered")
    [case] = world.cases("CARRIER_TENDER_FAILED")
    assert (case["kind"], case["stage"], case["source_system"], case["owner_team"],
            case["order_id"], case["customer_id"], case["blocking"]) == (
        "operational", "ship", "tms", "transport", order_id, "C1", True)
    assert case["sla_due_at"]
    assert [(a["carrier_service"], a["outcome"], a["error"])
            for a in case["details"]["attempts"]] == [
        ("UPS:GND", "rejected", "no capacity"), ("FDX:GRD", "rejected", "no capacity")]
    assert [r[2] for r in tenders(world)] == ["rejected", "rejected"]
    [opened] = world.events(order_id, "ExceptionOpened")
    assert opened["case_id"] == case["case_id"]


def test_a_redelivered_request_tenders_once(make_world: Any) -> None:
    world, order_id = picked_world(make_world)
    message = message_of(world, order_id, "CarrierTenderRequested")
    deps = world.container.deps
    handler = TenderHandler(deps, world.container.connectors)
    assert apply_once(deps, "tms-tender", handler, message)
    assert not apply_once(deps, "tms-tender", handler, message)
    assert len(tenders(world)) == 1
    assert len(world.events(order_id, "CarrierTendered")) == 1
    # a second consumer (a race) tendering the same event is answered from the TMS's memory
    assert apply_once(deps, "tms-tender-copy", handler, message)
    assert tms(world).applied_count("tender") == 1


def test_a_tender_accepted_after_the_order_was_cancelled_is_voided(make_world: Any) -> None:
    world, order_id = picked_world(make_world)
    message = message_of(world, order_id, "CarrierTenderRequested")
    deps = world.container.deps
    handler = TenderHandler(deps, world.container.connectors)
    prepared = handler.prepare(message)  # the TMS accepts while ...
    with deps.uow() as uow:  # ... the order is cancelled
        uow.orders.set_status(order_id, OrderStatus.CANCELLED, deps.clock.now())
        uow.commit()
    with deps.uow() as uow:
        handler.apply(uow, message, prepared)
        uow.commit()
    assert not world.events(order_id, "CarrierTendered")
    [void] = world.events(order_id, "TenderCancelRequested")
    [(_, service, outcome, tracking, label)] = tenders(world)
    assert (void["carrier_service"], void["tracking_number"], void["label_ref"], outcome) == (
        service, tracking, label, "accepted")
    assert "cancelled" in void["reason"]
