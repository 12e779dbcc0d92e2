"""Waves: the pre-wave check pulls what may no longer go, the rest goes to the WMS once, and two
waves never take the same order."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select, update

from shipshape.adapters.channels.canonical import CarrierIn, CustomerIn, ItemIn, StockMovementIn
from shipshape.adapters.db import tables as t
from shipshape.services import masterdata as md
from shipshape.services.delivery.inbound import parse_event, receive_event
from shipshape.services.release import WaveResult, release_wave
from tests.conftest import BACKENDS
from tests.worlds.waves import App, cases_of, line, place, status_of, wms
from tests.worlds.worker import events, work_until

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_a_clean_wave_releases_the_best_orders_first_and_the_wms_gets_it_once(
    app: App,
) -> None:
    container, _ = app
    late = place(app, 1, requested_ship_date="2026-12-03")
    low = place(app, 2, customer_id="C3", requested_ship_date="2026-11-28")
    strategic = place(app, 3, customer_id="C2", requested_ship_date="2026-12-09")
    early = place(app, 4, requested_ship_date="2026-12-01")

    wave = release_wave(container.deps, "DAL", limit=3)

    assert wave.released == (strategic, early, late) and wave.pulled == ()
    assert [status_of(container, o) for o in (strategic, early, late, low)] == [
        "released", "released", "released", "accepted"]
    [released] = events(container, "WaveReleased")
    assert (released.stream, released.order_id) == (wave.wave_id, None)
    assert [o["order_id"] for o in released.payload["orders"]] == [strategic, early, late]
    assert released.payload["orders"][0]["lines"] == [{"line_no": 1, "sku": "SKU1",
                                                       "quantity": 2}]
    assert {e.order_id for e in events(container, "OrderReleased")} == {strategic, early, late}
    with container.engine.connect() as conn:
        row = conn.execute(select(t.waves)).one()
    assert (row.site, row.trigger, row.status, row.released, row.pulled) == (
        "DAL", "demand", "released", 3, 0)

    work_until(container, lambda: wms(container).applied_count("wave_release") == 1)
    work_until(container, lambda: True)
    assert wms(container).applied_count("wave_release") == 1
    [called] = [e for e in events(container, "SystemCalled") if e.stream == wave.wave_id]
    assert called.payload["operation"] == "wave_release"
    assert release_wave(container.deps, "DAL").released == (low,)
    assert release_wave(container.deps, "DAL").wave_id is None


def test_each_prewave_failure_pulls_its_order_with_a_case_and_the_rest_goes(app: App) -> None:
    container, _ = app
    deps = container.deps
    md.upsert(deps, [
        CustomerIn(name="Late payer", credit_limit="100000", preferred_site="DAL"
                   ).to_domain("C5"),
        ItemIn(description="Visors", weight_kg="1").to_domain("SKU3"),
        CarrierIn(name="FedEx", services=[{"code": "2DAY", "countries": ["US"]}]
                  ).to_domain("FDX")])
    md.receive(deps, [StockMovementIn(site_id="DAL", sku="SKU3", quantity=50).to_domain()])
    clean = place(app, 1)
    stale = place(app, 2, lines=[line("SKU2", 5, "5.00")])
    on_hold = place(app, 3, customer_id="C5")
    inactive_item = place(app, 4, lines=[line("SKU3")])
    no_carrier = place(app, 5, carrier_service="FDX:2DAY")

    # A count takes an order's stock before the wave (`test_counts.py`); a ledger whose counter
    # was reset under the reservations (a stock sync written straight to the table) is what
    # leaves a reservation uncovered until the pre-wave check.
    with container.engine.begin() as conn:
        conn.execute(update(t.inventory).where(t.inventory.c.site == "DAL",
                                               t.inventory.c.sku == "SKU2")
                     .values(on_hand=3, reserved=0))
    md.upsert(deps, [
        CustomerIn(name="Late payer", credit_limit="100000", preferred_site="DAL",
                   credit_hold=True).to_domain("C5"),
        ItemIn(description="Visors", weight_kg="1", active=False).to_domain("SKU3"),
        CarrierIn(name="FedEx", services=[{"code": "GND"}]).to_domain("FDX")])

    wave = release_wave(deps, "DAL")

    assert wave.released == (clean,)
    assert {p.order_id: p.codes for p in wave.pulled} == {
        stale: ("STALE_RESERVATION",), on_hold: ("CREDIT_HOLD",),
        inactive_item: ("INACTIVE_ITEM",), no_carrier: ("INVALID_CARRIER_SERVICE",)}
    for pulled in wave.pulled:
        assert status_of(container, pulled.order_id) == "held"
        [case] = cases_of(container, pulled.order_id)
        assert case.id in pulled.case_ids
        assert (case.stage, case.site_id, case.severity, case.blocking, case.status,
                case.source_system, case.escalation_level) == (
            "release", "DAL", "block", True, "open", "shipshape", 0)
        assert case.customer_id and case.customer_segment and case.sla_due_at > case.opened_at
    [stale_case] = cases_of(container, stale)
    assert (stale_case.kind, stale_case.owner_team, stale_case.line_nos) == (
        "operational", "warehouse", [1])
    assert cases_of(container, on_hold)[0].owner_team == "credit"
    pulled_events = {e.order_id: e.payload for e in events(container, "OrderPulledFromWave")}
    assert pulled_events[stale]["codes"] == ["STALE_RESERVATION"]
    assert pulled_events[stale]["from"] == "accepted" and pulled_events[stale]["to"] == "held"
    with container.engine.connect() as conn:
        found = conn.execute(select(t.order_findings.c.stage, t.order_findings.c.code).where(
            t.order_findings.c.order_id == stale)).all()
        outcomes = dict(conn.execute(select(t.wave_orders.c.order_id,
                                            t.wave_orders.c.outcome)).all())
    assert ("release", "STALE_RESERVATION") in [tuple(f) for f in found]
    assert Counter(outcomes.values()) == {"pulled": 4, "released": 1}


def test_an_order_split_across_sites_is_released_at_each_site_once(app: App) -> None:
    container, _ = app
    md.adjust(container.deps, md.StockMovement("DAL", "SKU1", -999, reason="count"))
    split = place(app, 1, customer_id="C4", lines=[line("SKU1", 3)])

    at_dal = release_wave(container.deps, "DAL")
    at_atl = release_wave(container.deps, "ATL")

    assert at_dal.released == (split,) and at_atl.released == (split,)
    lines = {e.payload["site"]: e.payload["orders"][0]["lines"]
             for e in events(container, "WaveReleased")}
    assert lines == {"DAL": [{"line_no": 1, "sku": "SKU1", "quantity": 1}],
                     "ATL": [{"line_no": 1, "sku": "SKU1", "quantity": 2}]}
    assert status_of(container, split) == "released"
    assert release_wave(container.deps, "DAL").wave_id is None
    assert release_wave(container.deps, "ATL").wave_id is None


def test_a_shortfall_resourced_to_a_site_that_released_the_order_goes_in_its_next_wave(
        app: App) -> None:
    """Without this the re-sourced units were never sent to the second site's WMS: the order
    stayed released for ever with only a warning case."""
    container, _ = app
    md.adjust(container.deps, md.StockMovement("DAL", "SKU1", -998, reason="count"))
    split = place(app, 1, customer_id="C4", lines=[line("SKU1", 5)])
    assert release_wave(container.deps, "DAL").released == (split,)
    assert release_wave(container.deps, "ATL").released == (split,)

    short = {"order_id": split, "site": "DAL", "lines": [{"line_no": 1, "quantity": 1}]}
    event = parse_event("wms", "wms-short", {"type": "pick_confirmed", "data": short,
                                             "occurred_at": container.deps.clock.now().isoformat()})
    receive_event(container.deps, container.ownership, event, b"short")

    again = release_wave(container.deps, "ATL")
    assert again.released == (split,)
    [*_, last] = events(container, "WaveReleased")
    assert last.payload["orders"][0]["lines"] == [{"line_no": 1, "sku": "SKU1", "quantity": 1}]
    assert release_wave(container.deps, "ATL").wave_id is None
    assert release_wave(container.deps, "DAL").wave_id is None


def test_a_split_order_pulled_at_its_second_site_stops_its_first_site_too(app: App) -> None:
    container, _ = app
    md.adjust(container.deps, md.StockMovement("DAL", "SKU1", -999, reason="count"))
    split = place(app, 1, customer_id="C4", lines=[line("SKU1", 3)])
    assert release_wave(container.deps, "DAL").released == (split,)
    md.upsert(container.deps, [ItemIn(description="Gloves", weight_kg="1.0",
                                      active=False).to_domain("SKU1")])

    at_atl = release_wave(container.deps, "ATL")

    assert [(p.order_id, p.codes) for p in at_atl.pulled] == [(split, ("INACTIVE_ITEM",))]
    assert status_of(container, split) == "held"
    [cancel] = events(container, "TaskCancelRequested")
    assert (cancel.order_id, cancel.payload["sites"]) == (split, [])


def test_concurrent_waves_at_one_site_never_release_an_order_twice(app: App) -> None:
    container, _ = app
    placed = {place(app, n) for n in range(24)}
    start = threading.Barrier(4)
    results: list[WaveResult] = []
    errors: list[BaseException] = []

    def wave() -> None:
        start.wait()
        try:
            results.append(release_wave(container.deps, "DAL", limit=7))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=wave) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    results.append(release_wave(container.deps, "DAL"))  # whatever was left

    released = Counter(o for r in results for o in r.released)
    assert set(released) == placed and set(released.values()) == {1}
    with container.engine.connect() as conn:
        rows = Counter(conn.execute(select(t.wave_orders.c.order_id)).scalars())
    assert set(rows.values()) == {1}
    assert len(events(container, "OrderReleased")) == len(placed)
