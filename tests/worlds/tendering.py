"""Carrier tendering in the picking world: an order picked in full with two carriers to choose
from, the TMS it is tendered to, and a worker run until the tender is settled."""

from __future__ import annotations

from typing import Any

from shipshape.adapters.channels.canonical import CarrierIn
from shipshape.services import masterdata as md
from shipshape.sim.systems.system import SimulatedSystem
from tests.worlds.picking import World, line, pick, released_order
from tests.worlds.worker import work_until


def picked_world(make_world: Any) -> tuple[World, str]:
    """UPS ground (the customer's preference) and FedEx ground; an order picked in full."""
    world = make_world({("DAL", "SKU1"): 100})
    md.upsert(world.container.deps, [CarrierIn(name="FedEx", services=[
        {"code": "GRD", "max_weight_kg": "68", "countries": ["US"]}]).to_domain("FDX")])
    order_id = released_order(world, [line(1, 10)])
    answer = world.send("wms", pick(order_id, "DAL", {"line_no": 1, "quantity": 10}), "wms-1")
    assert answer.status_code == 200, answer.text
    return world, order_id


def tms(world: World) -> SimulatedSystem:
    system = world.container.connectors.simulated("tms")
    assert system is not None
    return system


def run(world: World, order_id: str) -> None:
    work_until(world.container, lambda: bool(
        world.events(order_id, "CarrierTendered") or world.events(order_id, "ExceptionOpened")))
