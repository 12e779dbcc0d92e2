"""The digital twin's world: a SimPy environment that drives the real engine.

Orders arrive from the channels and reach intake as the scenario's process says (each as it
arrives, or in the ERP's batches); the engine's outbox, consumers and inbound events are pumped
every simulated 5 minutes; waves are released on the warehouse's cadence; the warehouse picks
each wave against physical stock (which drifts from the record, found out at pick); stock is
replenished; customer service works the desk's queue with its staffing and handling times.
No thread, no sleep: everything happens in simulated time.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import simpy
from sqlalchemy import Engine

from shipshape.adapters.channels.bulk_files import read_masterdata
from shipshape.adapters.db.twin_world_queries import free_by_site, free_stock
from shipshape.bootstrap import Container
from shipshape.domain.errors import InvalidInput
from shipshape.domain.masterdata import PRIORITY_RANK, Priority
from shipshape.domain.orders import OrderDraft
from shipshape.services import masterdata as md
from shipshape.services.intake import SubmitOrder, submit_order
from shipshape.services.ports.connectors import Payload
from shipshape.services.release import release_due_waves
from shipshape.sim.engine_host import SYSTEMS, Pump, SimClock, host
from shipshape.sim.scenario import Scenario
from shipshape.sim.systems.system import SimulatedSystem
from shipshape.sim.twin_data import (
    Arrival,
    World,
    arrivals,
    build_world,
    masterdata,
    priced_pairs,
    start_stock,
    streams,
    target_level,
)
from shipshape.sim.twin_desk import CustomerService
from shipshape.sim.twin_systems import build_system
from shipshape.worker import Worker

Process = Generator[simpy.Event, Any, None]
"""A SimPy process."""
PUMP_EVERY_S = 300.0
"""Simulated seconds between pumps of the engine: the integration's latency."""
HOUR_S = 3600.0
RECONCILE_EVERY_S = HOUR_S
DAY_S = 24 * HOUR_S
REORDER_AT = 0.5
"""A position is replenished when what is free of it falls below this share of its level."""


@dataclass
class Tally:
    """What the world knows of its own orders, beside what the engine stored."""

    ordered_units: dict[str, int] = field(default_factory=dict)
    """Original orders (not repeats): external id -> units asked for."""
    priority: dict[str, str] = field(default_factory=dict)
    """Original orders: external id -> their customer's priority."""
    order_ids: dict[str, str] = field(default_factory=dict)
    """Original orders the engine took: its order id -> external id."""
    orders: int = 0


class Twin:
    """One replication of one scenario on its own store."""

    def __init__(self, scenario: Scenario, seed: int, days: int, store: Path) -> None:
        self.scenario, self.seed, self.days, self.store = scenario, seed, days, store
        self.env = simpy.Environment()
        self.start = datetime.combine(scenario.start, time(), UTC)
        self.clock = SimClock(self.start, self._now_s)
        self.world: World = build_world(scenario, seed)
        self.tally = Tally()
        self.physical: dict[tuple[str, str], int] = start_stock(scenario, self.world)
        self.unrecorded: dict[tuple[str, str], int] = {}
        self.on_order: dict[tuple[str, str], int] = {}
        self.erp_queue: list[Arrival] = []
        self.systems: dict[str, SimulatedSystem] = {
            name: build_system(name, scenario, seed, self._take_wave, self._now_s,
                               self.clock.now)
            for name in SYSTEMS}
        self.container: Container = host(store, self.clock, self._now_s, self.systems,
                                         math.ceil(scenario.carriers.transit_days))
        self.pump = Pump(self.container, self.systems)
        self.desk = CustomerService(self)
        self._pick_rng = streams(seed, "picking")

    def _now_s(self) -> float:
        return float(self.env.now)

    @property
    def horizon_s(self) -> float:
        return (self.days + self.scenario.drain_days) * DAY_S

    def run(self, on_hour: Callable[[float], None] | None = None) -> Tally:
        stream = arrivals(self.scenario, self.world, self.seed, self.days)
        self._load_masterdata(priced_pairs(self.world, stream))
        env = self.env
        env.process(self._orders(stream))
        if self.scenario.process.reservation == "batch":
            env.process(self._every(self.scenario.process.reservation_every_minutes * 60,
                                    self._reserve_batch))
        env.process(self._every(PUMP_EVERY_S, self.pump))
        env.process(self._every(self.scenario.warehouse.wave_every_minutes * 60, self._wave))
        for site in self.scenario.sites:
            env.process(self._every(site.replenish_every_hours * HOUR_S,
                                    functools.partial(self._replenish, site.id)))
        env.process(self._drift())
        env.process(self.desk.run())
        for interval_s, sweep in self._sweeps():
            env.process(self._every(interval_s, sweep))
        if on_hour is not None:
            env.process(self._every(HOUR_S, lambda: on_hour(env.now / self.horizon_s)))
        env.run(until=self.horizon_s)
        self.pump()
        return self.tally

    def close(self) -> None:
        self.container.close()

    def _sweeps(self) -> list[tuple[float, Callable[[], None]]]:
        """What `shipshape worker` does on its timers, on simulated time (at most as often as
        the engine is pumped): escalation and promise sweeps as configured, reconciliation
        every simulated hour. A sweep configured off (0) stays off."""
        worker, settings = Worker(self.container), self.container.settings
        sweeps = [(settings.desk.escalation_interval_s, worker.sweep_escalations),
                  (settings.promise.sweep_interval_s, worker.sweep_promises),
                  (RECONCILE_EVERY_S, worker.reconcile)]
        return [(max(interval_s, PUMP_EVERY_S), sweep) for interval_s, sweep in sweeps
                if interval_s > 0]

    def _every(self, interval_s: float, action: Callable[[], object]) -> Process:
        while True:
            yield self.env.timeout(interval_s)
            action()

    def _load_masterdata(self, priced: set[tuple[str, str]]) -> None:
        path = self.store.with_suffix(".masterdata.json")
        path.write_text(json.dumps(masterdata(self.scenario, self.world, priced)),
                        encoding="utf-8")
        data = read_masterdata(path)
        receipts = [md.StockMovement(site, sku, units, reason="opening stock")
                    for (site, sku), units in self.physical.items() if units > 0]
        md.load(self.container.deps, data.records, receipts)

    def _orders(self, stream: list[Arrival]) -> Process:
        for arrival in stream:
            wait = arrival.at_s - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            self._count_arrival(arrival)
            if self.scenario.process.reservation == "event":
                self._submit(arrival)
            else:
                self.erp_queue.append(arrival)

    def _count_arrival(self, arrival: Arrival) -> None:
        if arrival.repeat_of is not None:
            return
        self.tally.orders += 1
        self.tally.ordered_units[arrival.draft.external_id] = arrival.units
        self.tally.priority[arrival.draft.external_id] = arrival.priority

    def _reserve_batch(self) -> None:
        batch, self.erp_queue = self.erp_queue, []
        if self.scenario.process.priority:
            batch.sort(key=lambda a: PRIORITY_RANK[Priority(a.priority)])
        for arrival in batch:
            self._submit(arrival)

    def _submit(self, arrival: Arrival) -> None:
        draft = arrival.draft
        if self.scenario.process.shortages == "ship_available":
            draft = trimmed_to_stock(self.container.engine, draft, self._home_site(draft))
            if not draft.lines:
                return
        result = submit_order(self.container.deps, SubmitOrder(draft))
        order_id = result.body.get("order_id")
        if isinstance(order_id, str) and arrival.repeat_of is None:
            self.tally.order_ids[order_id] = draft.external_id

    def _home_site(self, draft: OrderDraft) -> str:
        return self.world.site_of[draft.customer_id]

    def _wave(self) -> None:
        if self.scenario.process.counts_before_wave:
            for key in sorted(self.unrecorded):
                self._count(key)
        release_due_waves(self.container.deps, self.container.settings.wave_limit)
        self.pump()

    def _take_wave(self, payload: Payload) -> None:
        site = str(payload.get("site"))
        listed = payload.get("orders")
        orders = [o for o in listed if isinstance(o, dict)] if isinstance(listed, list) else []
        self.env.process(self._pick(site, orders))

    def _pick(self, site: str, orders: list[dict[str, object]]) -> Process:
        yield self.env.timeout(self.scenario.warehouse.pick_minutes * 60)
        wms, found_short = self.systems["wms"], set[tuple[str, str]]()
        for order in orders:
            listed = order.get("lines")
            lines = [self._pick_line(site, line, found_short)
                     for line in (listed if isinstance(listed, list) else [])
                     if isinstance(line, dict)]
            wms.emit("pick_confirmed", {"order_id": order["order_id"], "site": site,
                                        "lines": lines}, self.clock.now())
        self.pump()
        for key in sorted(found_short):
            self._count(key)

    def _pick_line(self, site: str, line: dict[str, object],
                   found_short: set[tuple[str, str]]) -> dict[str, object]:
        sku, wanted = str(line.get("sku")), int(str(line.get("quantity") or 0))
        key = (site, sku)
        picked = min(wanted, self.physical.get(key, 0))
        if picked < wanted:
            found_short.add(key)
        if picked and self._pick_rng.random() > self.scenario.warehouse.pick_accuracy:
            picked -= 1  # a unit missed at packing: it stays on the shelf, the record keeps it
        self.physical[key] = self.physical.get(key, 0) - picked
        return {"line_no": line.get("line_no"), "quantity": picked}

    def _count(self, key: tuple[str, str]) -> None:
        """The WMS counts a position (at a short pick, or before a wave) and the record learns
        its drift: orders not yet released give their stock way to it. When only released
        orders could, the engine refuses the count, and the record learns as much as its free
        stock allows; the rest waits for a later count."""
        drift = self.unrecorded.pop(key, 0)
        if drift and self._adjust(key, drift):
            return
        free = (free_by_site(self.container.engine, key[1]) or {}).get(key[0], 0)
        change = max(drift, -free)
        if drift != change:
            self.unrecorded[key] = drift - change
        if change:
            self._adjust(key, change)

    def _adjust(self, key: tuple[str, str], change: int) -> bool:
        try:
            md.adjust(self.container.deps, md.StockMovement(key[0], key[1], change,
                                                            reason="cycle count"))
        except InvalidInput:
            return False
        return True

    def _drift(self) -> Process:
        """Physical stock lost or found, unknown to the record until counted."""
        rng = streams(self.seed, "drift")
        warehouse = self.scenario.warehouse
        positions = sorted(self.physical)
        per_day = warehouse.drift_rate * len(positions)
        at = 0.0
        while per_day > 0:
            at += rng.expovariate(per_day / DAY_S)
            if at >= self.days * DAY_S:
                return
            key, found = rng.choice(positions), rng.random() < warehouse.found_share
            yield self.env.timeout(at - self.env.now)
            change = warehouse.drift_units if found else -min(warehouse.drift_units,
                                                              self.physical[key])
            self.physical[key] += change
            self.unrecorded[key] = self.unrecorded.get(key, 0) + change

    def _replenish(self, site_id: str) -> None:
        site = next(s for s in self.scenario.sites if s.id == site_id)
        free = free_stock(self.container.engine, site_id)
        due: list[tuple[str, int]] = []
        for n, sku in enumerate(self.world.skus):
            level = target_level(self.scenario, self.world, site_id, n)
            have = free.get(sku, 0) + self.on_order.get((site_id, sku), 0)
            if have < REORDER_AT * level:
                due.append((sku, level - have))
        for sku, units in due:
            self.on_order[(site_id, sku)] = self.on_order.get((site_id, sku), 0) + units
        if due:
            self.env.process(self._receive(site_id, due, site.lead_time_hours * HOUR_S))

    def _receive(self, site_id: str, due: list[tuple[str, int]],
                 lead_s: float) -> Process:
        yield self.env.timeout(lead_s)
        for sku, units in due:
            self.on_order[(site_id, sku)] -= units
            self.physical[(site_id, sku)] = self.physical.get((site_id, sku), 0) + units
        md.receive(self.container.deps, [md.StockMovement(site_id, sku, units,
                                                          reason="replenishment")
                                         for sku, units in due])
        self.pump()


def trimmed_to_stock(engine: Engine, draft: OrderDraft, site: str) -> OrderDraft:
    """The legacy ERP's reservation: each line cut to what is free at the customer's site, the
    lines with nothing free dropped (a line of an SKU the store does not know goes on as it is,
    for intake's control points)."""
    lines = []
    for line in draft.lines:
        free = free_by_site(engine, line.sku)
        if free is None:
            lines.append(line)
            continue
        kept = min(line.quantity or 0, free.get(site, 0))
        if kept > 0:
            lines.append(dataclasses.replace(line, quantity=kept))
    return dataclasses.replace(draft, lines=tuple(lines))
