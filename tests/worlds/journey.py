"""A whole order journey for the reconciliation and consistency tests: released, picked at DAL,
tendered, shipped, its invoice posted to the ERP and acknowledged; and ways to break it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from shipshape.adapters.db import desk_queries, queries
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.desk_queries import CaseFilter
from shipshape.api.desk_view import sla_of
from shipshape.services.deps import Deps
from shipshape.services.reconciliation import ReconcilePolicy, ReconciliationReport, reconcile
from tests.worlds.picking import World, line
from tests.worlds.shipping import invoices, post_invoice, send, shipment, tendered_order

TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class Journey:
    order_id: str
    invoice_id: str


def shipped(world: World, quantity: int = 5) -> Journey:
    """Shipped in full from DAL; its invoice issued, not yet posted."""
    order_id = tendered_order(world, [line(1, quantity)],
                              [{"line_no": 1, "quantity": quantity}])
    answer = send(world, "wms", "shipment_confirmed",
                  shipment(order_id, {"line_no": 1, "quantity": quantity}), "wms-ship")
    assert answer.status_code == 200, answer.text
    [invoice] = invoices(world)
    return Journey(order_id, str(invoice["id"]))


def acknowledged(world: World, quantity: int = 5) -> Journey:
    """The whole journey: shipped, posted, acknowledged by the ERP (order invoiced)."""
    journey = shipped(world, quantity)
    assert post_invoice(world, journey.order_id)
    answer = send(world, "erp", "invoice_posted", {
        "invoice_id": journey.invoice_id, "order_id": journey.order_id, "erp_ref": "ERP-1",
        "total": f"{10 * quantity}.00"}, "erp-ack")
    assert answer.status_code == 200, answer.text
    return journey


@dataclass(frozen=True)
class Later:
    at: datetime

    def now(self) -> datetime:
        return self.at


def deps_after(world: World, seconds: float) -> Deps:
    """The world's services with a clock `seconds` from now."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return replace(world.container.deps, clock=Later(moment))


def run(world: World, after_s: float = 0, repair: bool = True) -> ReconciliationReport:
    deps = deps_after(world, after_s) if after_s else world.container.deps
    return reconcile(deps, ReconcilePolicy(TIMEOUT_S, repair=repair))


def found(report: ReconciliationReport) -> list[tuple[str, str | None, str | None, str]]:
    """(code, shipment, invoice, action) of each finding."""
    return [(i.code, i.shipment_id, i.invoice_id, i.action.value) for i in report.findings]


def execute(world: World, *statements: Any) -> None:
    with world.container.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def delete_invoice(world: World, invoice_id: str) -> None:
    execute(world, delete(t.invoice_lines).where(t.invoice_lines.c.invoice_id == invoice_id),
            delete(t.invoices).where(t.invoices.c.id == invoice_id))


def copy_invoice(world: World, invoice_id: str, new_id: str, **changes: Any) -> None:
    """Another invoice like `invoice_id` (same lines), with `changes` to its header."""
    with world.container.engine.begin() as conn:
        head = dict(conn.execute(select(t.invoices).where(t.invoices.c.id == invoice_id))
                    .mappings().one())
        lines = [dict(r) for r in conn.execute(select(t.invoice_lines).where(
            t.invoice_lines.c.invoice_id == invoice_id)).mappings()]
        conn.execute(t.invoices.insert().values({
            **head, "id": new_id, "status": "issued", "erp_ref": None,
            "created_at": datetime.now(UTC), **changes}))
        conn.execute(t.invoice_lines.insert(), [{**ln, "invoice_id": new_id} for ln in lines])


def set_invoice_line(world: World, invoice_id: str, **values: Any) -> None:
    execute(world, update(t.invoice_lines).where(t.invoice_lines.c.invoice_id == invoice_id)
            .values(**values))


def timeline(world: World, key: str, kind: str) -> list[dict[str, Any]]:
    return [e["payload"] for e in queries.order_timeline(world.container.engine, key)
            if e["type"] == kind]


def cases(world: World, code: str) -> list[dict[str, Any]]:
    return desk_queries.list_cases(world.container.engine, CaseFilter(code=code),
                                   sla_of(world.container), limit=1000).rows
