"""The consistency check (`shipshape check`): a store the services wrote holds every condition;
each hand-made change breaks exactly the condition it should."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.cli import app
from shipshape.services.consistency import check_consistency
from tests.conftest import BACKENDS
from tests.worlds.journey import (
    Journey,
    acknowledged,
    copy_invoice,
    delete_invoice,
    execute,
)
from tests.worlds.picking import World, line, released_order

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def store(world: World) -> tuple[Journey, str]:
    """A journey shipped and invoiced, and an order of two lines still holding stock."""
    journey = acknowledged(world)
    open_order = released_order(world, [line(1, 3), line(2, 2, "SKU2")],
                                external_id="W-2", customer_po="PO-2")
    return journey, open_order


def violations(world: World) -> list[tuple[int, str]]:
    return [(v.check, v.subject) for v in check_consistency(world.container.deps)]


def first_id(world: World, table: Any, *where: Any) -> int:
    with world.container.engine.connect() as conn:
        return int(conn.execute(select(table.c.id).where(*where)
                                .order_by(table.c.id)).scalars().first())


def test_a_store_written_by_the_services_is_consistent(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    store(world)
    assert check_consistency(world.container.deps) == []


Defect = Callable[[World, Journey, str], list[tuple[int, str]]]


def line_deleted(world: World, journey: Journey, open_order: str) -> list[tuple[int, str]]:
    ol = t.order_lines.c
    execute(world, delete(t.order_lines).where(ol.order_id == open_order, ol.line_no == 2))
    return [(1, f"order {open_order}"), (1, f"order {open_order}"),
            (2, f"order {open_order} line 2")]


def value_changed(world: World, journey: Journey, open_order: str) -> list[tuple[int, str]]:
    execute(world, update(t.orders).where(t.orders.c.id == open_order).values(value="41.00"))
    return [(1, f"order {open_order}"), (8, "customer C1")]


def exposure_counted_twice(world: World, journey: Journey,
                           open_order: str) -> list[tuple[int, str]]:
    ce = t.credit_exposure.c
    with world.container.engine.connect() as conn:
        stored = conn.execute(select(ce.open_value).where(ce.customer_id == "C1")).scalar_one()
    execute(world, update(t.credit_exposure).where(ce.customer_id == "C1")
            .values(open_value=2 * Decimal(stored)))
    return [(8, "customer C1")]


def picked_too_much(world: World, journey: Journey, open_order: str) -> list[tuple[int, str]]:
    execute(world, t.picks.insert().values(
        order_id=journey.order_id, line_no=1, site="DAL", sku="SKU1", quantity=2,
        source_event="hand-made", picked_at=datetime.now(UTC)))
    return [(2, f"order {journey.order_id} line 1")]


def reservation_changed(world: World, journey: Journey,
                        open_order: str) -> list[tuple[int, str]]:
    rs = t.reservations.c
    row = first_id(world, t.reservations, rs.order_id == open_order, rs.line_no == 1)
    execute(world, update(t.reservations).where(rs.id == row).values(quantity=2))
    return [(4, "SKU1 at DAL")]


def movement_removed(world: World, journey: Journey, open_order: str) -> list[tuple[int, str]]:
    mv = t.stock_movements.c
    row = first_id(world, t.stock_movements, mv.sku == "SKU2", mv.kind == "receipt")
    execute(world, delete(t.stock_movements).where(mv.id == row))
    return [(4, "SKU2 at DAL")]


def invoice_deleted(world: World, journey: Journey, open_order: str) -> list[tuple[int, str]]:
    delete_invoice(world, journey.invoice_id)
    return [(3, f"shipment SHP-1 (order {journey.order_id})")]


def invoice_doubled(world: World, journey: Journey, open_order: str) -> list[tuple[int, str]]:
    copy_invoice(world, journey.invoice_id, "inv-copy")
    return [(3, f"shipment SHP-1 (order {journey.order_id})")]


def shipment_lost(world: World, journey: Journey, open_order: str) -> list[tuple[int, str]]:
    execute(world, delete(t.shipment_lines).where(t.shipment_lines.c.shipment_id == "SHP-1"),
            delete(t.shipments).where(t.shipments.c.id == "SHP-1"))
    return [(5, f"order {journey.order_id}")]


@pytest.mark.parametrize("defect", [
    line_deleted, value_changed, picked_too_much, reservation_changed, movement_removed,
    invoice_deleted, invoice_doubled, shipment_lost, exposure_counted_twice],
    ids=lambda d: d.__name__)
def test_each_defect_breaks_exactly_its_condition(make_world: Any, defect: Defect) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    journey, open_order = store(world)
    expected = defect(world, journey, open_order)
    assert violations(world) == expected


def test_the_check_command_exits_1_with_a_table_of_violations(
    make_world: Any, database_url: str,
) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    journey, open_order = store(world)
    runner = CliRunner()
    env = {"SHIPSHAPE_DATABASE_URL": database_url, "COLUMNS": "200"}
    clean = runner.invoke(app, ["check"], env=env)
    assert (clean.exit_code, clean.output.strip().splitlines()[-1]) == (
        0, "OK: every consistency condition holds")
    assert "events wait to be published" in clean.output, "nothing relayed them yet"
    invoice_deleted(world, journey, open_order)
    broken = runner.invoke(app, ["check"], env=env)
    assert broken.exit_code == 1, broken.output
    assert "1 consistency violations" in broken.output
    assert "one invoice per shipment" in broken.output and "SHP-1" in broken.output
