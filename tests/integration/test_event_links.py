"""Every stored event is linked to each object it touches (OCEL 2.0's event-object relation):
written with the event for new ones, backfilled by migration 0011 for those stored before."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, column, insert, select, table

from shipshape.adapters.db import migrate
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.engine import make_engine
from shipshape.adapters.db.event_queries import events_of_object
from shipshape.adapters.db.types import UtcDateTime
from tests.conftest import BACKENDS
from tests.worlds.journey import acknowledged, run
from tests.worlds.migrations import downgrade

AT = datetime(2026, 11, 1, tzinfo=UTC)


def links_by_event(engine: Engine) -> dict[str, set[tuple[str, str, str]]]:
    o = t.event_objects.c
    found: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    with engine.connect() as conn:
        for row in conn.execute(select(o.event_id, o.object_type, o.object_id, o.qualifier)):
            found[row.event_id].add((row.object_type, row.object_id, row.qualifier))
    return found


def events(engine: Engine) -> list[Any]:
    e = t.order_events.c
    with engine.connect() as conn:
        return list(conn.execute(select(e.event_id, e.type, e.order_id, e.stream)
                                 .order_by(e.id)).all())


def test_every_event_of_a_journey_is_linked_to_its_order_and_what_it_is_about(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    report = run(world, after_s=7200)
    engine = world.container.engine
    links = links_by_event(engine)
    stored = events(engine)
    assert stored and all(links[e.event_id] for e in stored)
    of_order = [e for e in stored if e.order_id == journey.order_id]
    assert all(("order", journey.order_id) in {(k, i) for k, i, _ in links[e.event_id]}
               for e in of_order)
    kinds = {e.type: {k for k, _, _ in links[e.event_id]} for e in of_order}
    assert {"shipment", "line"} <= kinds["ShipmentConfirmed"]
    assert "invoice" in kinds["InvoiceIssued"] and "invoice" in kinds["InvoicePosted"]
    [run_event] = [e for e in stored if e.type == "ReconciliationRun"]
    assert (run_event.order_id, run_event.stream) == (None, report.run_id)
    assert ("reconciliation_run", report.run_id, "reconciliation_run") in links[
        run_event.event_id]
    invoice_events = [r["type"] for r in events_of_object(engine, "invoice", journey.invoice_id)]
    assert invoice_events[0] == "InvoiceIssued" and "InvoicePosted" in invoice_events


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.empty_store
def test_migration_0011_links_the_events_stored_before_it(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0010")
        old = table("order_events", column("event_id"), column("order_id"), column("type"),
                    column("payload", JSON), column("occurred_at", UtcDateTime))
        with engine.begin() as conn:
            conn.execute(insert(old), [
                {"event_id": "ev-1", "order_id": "ord-1", "type": "ShipmentConfirmed",
                 "payload": {"shipment_id": "SHP-1", "site": "DAL", "lines": [
                     {"line_no": 1, "sku": "SKU1", "quantity": 2}]}, "occurred_at": AT},
                {"event_id": "ev-2", "order_id": "wave-1", "type": "WaveReleased",
                 "payload": {"wave_id": "wave-1", "site": "DAL",
                             "orders": [{"order_id": "ord-1", "lines": []}]},
                 "occurred_at": AT},
                {"event_id": "ev-3", "order_id": "ord-1", "type": "SomethingRetired",
                 "payload": {}, "occurred_at": AT}])

        assert migrate.upgrade(engine) == migrate.head_revision()
        links = links_by_event(engine)
        assert {("order", "ord-1", "order"), ("shipment", "SHP-1", "shipment"),
                ("line", "ord-1:1", "line")} <= links["ev-1"]
        assert ("wave", "wave-1", "wave") in links["ev-2"]
        assert ("order", "ord-1") in {(k, i) for k, i, _ in links["ev-2"]}
        assert links["ev-3"] == {("order", "ord-1", "order")}
        keyed = {e.event_id: (e.order_id, e.stream) for e in events(engine)}
        assert keyed == {"ev-1": ("ord-1", "ord-1"), "ev-2": (None, "wave-1"),
                         "ev-3": ("ord-1", "ord-1")}

        downgrade(engine, "0010")
        with engine.connect() as conn:
            assert sorted(conn.execute(select(old.c.event_id, old.c.order_id))
                          .all()) == [("ev-1", "ord-1"), ("ev-2", "wave-1"), ("ev-3", "ord-1")]
    finally:
        engine.dispose()
