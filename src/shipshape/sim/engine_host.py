"""The real engine, built on a fresh store with the simulation's clock, ids and systems, and
stepped by the simulation instead of threads: `pump` relays the outbox, lets every consumer
take what was published and receives what the systems sent, until nothing moves."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from shipshape.adapters.messaging import partition_subject
from shipshape.adapters.messaging.memory import MemoryBroker, MemoryTransport
from shipshape.adapters.systems.registry import build_connectors
from shipshape.bootstrap import Container, LazyTransport, build
from shipshape.config import ConnectorSettings, Settings, SystemName
from shipshape.promise_settings import PromiseSettings
from shipshape.services.delivery.dispatch import dispatch_once
from shipshape.services.delivery.inbound import take_events
from shipshape.services.delivery.relay import relay_once
from shipshape.sim.systems.system import SimulatedSystem
from shipshape.worker import consumer_policy, worker_durable

SYSTEMS: tuple[SystemName, ...] = ("erp", "wms", "tms", "finance")
MAX_ROUNDS = 200
"""Rounds of one pump at most (a delivery nakked for redelivery at once could go on)."""
FETCH = 200


class SimClock:
    def __init__(self, start: datetime, now_s: Callable[[], float]) -> None:
        self._start, self._now_s = start, now_s

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._now_s())


class SimIds:
    """Ids from a counter: the same run gives the same ids, so ties break the same way."""

    def __init__(self) -> None:
        self._n = 0

    def __call__(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n:020d}"


def twin_settings(store: Path, transit_days: int) -> Settings:
    """A fresh SQLite store (written without waiting for the disk: a simulation can be run
    again), one partition (the simulation steps one consumer at a time) and connectors that
    retry as by default but without pausing (a pause would be real time); promises count the
    world's carrier transit days."""
    no_pause = ConnectorSettings(kind="simulated", first_delay_s=0, max_delay_s=0, jitter_s=0)
    return Settings(database_url=f"sqlite:///{store}", sqlite_synchronous="OFF",
                    broker_url="", broker_partitions=1,
                    connectors=dict.fromkeys(SYSTEMS, no_pause),
                    promise=PromiseSettings(default_transit_days=transit_days))


def host(store: Path, clock: SimClock, now_s: Callable[[], float],
         systems: Mapping[str, SimulatedSystem], transit_days: int) -> Container:
    """The engine on `store` (created), on the simulation's clock, with `systems`."""
    for stale in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
        stale.unlink(missing_ok=True)
    settings = twin_settings(store, transit_days)
    container = build(settings, migrate=True)
    deps = dataclasses.replace(container.deps, clock=clock, new_id=SimIds())
    subjects = (f"{settings.broker_subject_prefix}.>",)
    transport = LazyTransport(lambda: MemoryTransport(MemoryBroker(subjects=subjects,
                                                                   clock=now_s)))
    container.connectors.close()
    connectors = build_connectors(settings.connectors, container.metrics,
                                  lambda system, _timeout: systems[system])
    return dataclasses.replace(container, deps=deps, lazy_transport=transport,
                               connectors=connectors)


class Pump:
    """Steps the engine's relay, consumers and inbound events on the caller's thread."""

    def __init__(self, container: Container, systems: Mapping[str, SimulatedSystem]) -> None:
        self.container = container
        self.systems = systems
        self.handlers = container.consumers
        self.policy = consumer_policy(container)
        prefix = container.settings.broker_subject_prefix
        self.partitions = [(worker_durable(p), [partition_subject(prefix, p)])
                           for p in range(container.settings.broker_partitions)]
        self.max_skew = timedelta(seconds=container.settings.event_max_clock_skew_s)
        self._relay_full = True
        """The last relay took a whole batch: there may be more, whether or not a commit
        woke it since (a commit's wake-up is a flag, cleared as the relay takes it)."""

    def __call__(self) -> int:
        """Until nothing moves; how many steps moved something."""
        moved_total = 0
        for _ in range(MAX_ROUNDS):
            moved = self._round()
            if not moved:
                break
            moved_total += moved
        return moved_total

    def _round(self) -> int:
        c = self.container
        moved = 0
        if self._relay_full or c.deps.uow.await_events(0):
            moved = relay_once(c.deps, c.transport, FETCH)
            self._relay_full = moved == FETCH
        for durable, subjects in self.partitions:
            got = dispatch_once(c.deps, c.transport, durable, subjects, self.handlers,
                                self.policy, batch=FETCH, timeout_s=0)
            moved += got.applied + got.duplicates + got.skipped + got.dead_lettered
        for system in self.systems.values():
            moved += sum(take_events(c.deps, c.ownership, system, self.max_skew).values())
        return moved
