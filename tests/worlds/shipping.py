"""The shipping world: orders of the picking world tendered, shipped and invoiced, the events of
the WMS and the ERP about them, and the ERP that takes the invoices."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.services.billing import ERP_INVOICE_POSTING, InvoicePostingHandler
from shipshape.services.delivery.consume import apply_once
from shipshape.services.delivery.relay import EVENT_TYPE_HEADER
from shipshape.services.ports.messaging import Message
from shipshape.services.tendering import TenderHandler
from shipshape.sim.systems.system import SimulatedSystem
from tests.worlds.picking import World, pick, released_order


def send(world: World, system: str, kind: str, data: dict[str, Any], webhook_id: str) -> Any:
    world.clock[0] += timedelta(minutes=1)
    raw = json.dumps({"type": kind, "occurred_at": world.clock[0].isoformat(),
                      "data": data}).encode()
    return world.resend(system, raw, webhook_id)


def message_of(world: World, order_id: str, kind: str) -> Message:
    [body] = world.events(order_id, kind)
    return Message(f"evt-{kind}-{order_id}", f"shipshape.{kind}.{order_id}", order_id,
                   json.dumps(body).encode(), {EVENT_TYPE_HEADER: kind})


def tendered_order(world: World, lines: list[dict[str, Any]],
                   picks: list[dict[str, Any]]) -> str:
    """An order released at DAL, picked there as `picks` say and tendered to UPS ground."""
    order_id = released_order(world, lines)
    answer = send(world, "wms", "pick_confirmed", pick(order_id, "DAL", *picks), "wms-pick")
    assert answer.status_code == 200, answer.text
    deps = world.container.deps
    handler = TenderHandler(deps, world.container.connectors)
    assert apply_once(deps, "tms-tender", handler,
                      message_of(world, order_id, "CarrierTenderRequested"))
    assert world.events(order_id, "CarrierTendered")
    return order_id


def shipment(order_id: str, *entries: dict[str, Any], site: str = "DAL",
             shipment_id: str = "SHP-1") -> dict[str, Any]:
    return {"order_id": order_id, "site": site, "shipment_id": shipment_id,
            "ship_date": "2026-11-27", "lines": list(entries)}


def invoices(world: World) -> list[dict[str, Any]]:
    with world.container.engine.connect() as conn:
        rows = conn.execute(select(t.invoices).order_by(t.invoices.c.created_at)).all()
        lines = conn.execute(select(t.invoice_lines).order_by(t.invoice_lines.c.line_no)).all()
    found = [dict(row._mapping) for row in rows]
    for invoice in found:
        invoice["lines"] = [(ln.line_no, ln.sku, ln.quantity, ln.unit_price)
                            for ln in lines if ln.invoice_id == invoice["id"]]
    return found


def erp(world: World) -> SimulatedSystem:
    system = world.container.connectors.simulated("erp")
    assert system is not None
    return system


def post_invoice(world: World, order_id: str) -> bool:
    deps = world.container.deps
    handler = InvoicePostingHandler(deps, world.container.connectors)
    return apply_once(deps, ERP_INVOICE_POSTING, handler,
                      message_of(world, order_id, "InvoiceIssued"))
