"""Workers: consume the broker's events and run the handlers, one thread per partition.

Events are spread over `broker_partitions` partitions by order id (`event_subject`); each
partition is a durable consumer of the transport, delivered in order, one event in flight at a
time, and each delivery goes to every handler that wants it (`dispatch_once`), so an order's
events are applied in the order they happened while partitions proceed in parallel. Several
workers, on one machine or many, fetch from the same durable consumers and share the work. A
stop (SIGTERM, SIGINT) lets every thread finish the deliveries it holds (applied and acked, or
nakked) and then ends; a worker killed outright leaves its deliveries unacked, and the broker
redelivers them after `worker_ack_wait_s`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from shipshape.adapters.messaging import partition_subject
from shipshape.bootstrap import Container, as2_sender, handlers_of, reconcile_policy
from shipshape.services import promise
from shipshape.services.as2 import SendReport
from shipshape.services.delivery.consume import ConsumeResult, Handler
from shipshape.services.delivery.dispatch import dispatch_once
from shipshape.services.delivery.inbound import take_events
from shipshape.services.edi_ack_sweep import sweep_missing_acks
from shipshape.services.escalation import sweep
from shipshape.services.ports.messaging import ConsumerPolicy
from shipshape.services.reconciliation import reconcile
from shipshape.services.release import WaveResult, release_due_waves

log = logging.getLogger(__name__)
JOIN_TIMEOUT_S = 60.0
ERROR_PAUSE_S = 1.0
SYSTEM_EVENTS_INTERVAL_S = 0.2
STOP_POLL_S = 0.1


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(slots=True)
class WorkerTally:
    """What the worker's threads did, summed; guarded by `lock`."""

    result: ConsumeResult = field(default_factory=ConsumeResult)
    system_events: Counter[str] = field(default_factory=Counter)
    """Events of the simulated systems received, by outcome."""
    errors: int = 0
    waves: int = 0
    """Waves released on the cadence (`wave_cadence_s`)."""
    reconciliations: int = 0
    """Reconciliation runs done on the interval (`reconcile_interval_s`)."""
    escalations: int = 0
    """Cases escalated by the sweeps on the interval (`desk.escalation_interval_s`)."""
    promises_at_risk: int = 0
    """Orders the promise sweeps found newly at risk (`promise.sweep_interval_s`)."""
    as2_delivered: int = 0
    as2_failed: int = 0
    """Outbound documents sent by AS2 (`as2.send_interval_s`), and those whose sending failed."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, got: ConsumeResult) -> None:
        with self.lock:
            self.result.add(got)


def consumer_policy(container: Container) -> ConsumerPolicy:
    s = container.settings
    return ConsumerPolicy(ack_wait_s=s.worker_ack_wait_s, max_deliver=s.dlq_max_deliver,
                          backoff_s=(0.5, 2.0, 10.0))


ALL_CONSUMERS = "worker"


def worker_durable(partition: int, consumers: Sequence[str] | None = None) -> str:
    """The durable consumer of a partition: one for the workers that run every consumer, one
    per set of consumers otherwise (a worker must never ack what another's handlers need)."""
    group = ALL_CONSUMERS if consumers is None else "worker-" + "+".join(sorted(consumers))
    return f"{group}-p{partition}"


class Worker:
    def __init__(self, container: Container, consumers: Sequence[str] | None = None) -> None:
        self.container = container
        handlers = handlers_of(container)
        chosen = list(consumers) if consumers else list(handlers)
        unknown = [name for name in chosen if name not in handlers]
        if unknown:
            raise ValueError(f"unknown consumer(s) {', '.join(unknown)}; known: "
                             + ", ".join(handlers))
        self.handlers: Mapping[str, Handler] = {name: handlers[name] for name in chosen}
        self.group: Sequence[str] | None = None if set(chosen) == set(handlers) else chosen
        self.tally = WorkerTally()
        self.max_skew = timedelta(seconds=container.settings.event_max_clock_skew_s)
        self._as2: Callable[[], SendReport] | None = None

    def run(self, stop: StopFlag, on_start: Callable[[int], None] | None = None) -> WorkerTally:
        """Consume until `stop` is set, then let the threads finish what they hold."""
        threads = [threading.Thread(target=self._loop, args=(partition, stop),
                                    name=f"worker-p{partition}", daemon=True)
                   for partition in range(self.container.settings.broker_partitions)]
        threads.append(threading.Thread(target=self._take_system_events, args=(stop,),
                                        name="worker-system-events", daemon=True))
        threads += [threading.Thread(target=self._every, args=(interval, action, stop),
                                     name=f"worker-{name}", daemon=True)
                    for name, interval, action in self._timers()]
        for thread in threads:
            thread.start()
        if on_start is not None:
            on_start(len(threads))
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S if stop.is_set() else None)
        self.take_system_events()
        return self.tally

    def _timers(self) -> list[tuple[str, float, Callable[[], None]]]:
        """The work done on an interval: (name, seconds, one pass); an interval of 0 is off."""
        s = self.container.settings
        timers = [("waves", s.wave_cadence_s, lambda: self.release_waves(s.wave_limit)),
                  ("reconcile", s.reconcile_interval_s, self.reconcile),
                  ("escalation", s.desk.escalation_interval_s, self.sweep_escalations),
                  ("promise", s.promise.sweep_interval_s, self.sweep_promises),
                  ("as2", s.as2.send_interval_s if self._as2_sender() else 0, self.send_as2)]
        return [(name, interval, action) for name, interval, action in timers if interval > 0]

    @staticmethod
    def _every(interval_s: float, action: Callable[[], None], stop: StopFlag) -> None:
        """`action` every `interval_s` seconds (the first after one interval), until `stop`."""
        next_at = time.monotonic() + interval_s
        while not stop.is_set():
            if time.monotonic() < next_at:
                time.sleep(STOP_POLL_S)
                continue
            action()
            next_at = time.monotonic() + interval_s

    def _loop(self, partition: int, stop: StopFlag) -> None:
        container = self.container
        transport = container.transport
        subjects = [partition_subject(container.settings.broker_subject_prefix, partition)]
        policy = consumer_policy(container)
        durable = worker_durable(partition, self.group)
        while not stop.is_set():
            try:
                got = dispatch_once(container.deps, transport, durable, subjects, self.handlers,
                                    policy, batch=container.settings.worker_batch,
                                    timeout_s=0.5)
            except Exception as error:
                with self.tally.lock:
                    self.tally.errors += 1
                log.warning("%s: %s; trying again in %.0f s", durable, error, ERROR_PAUSE_S)
                time.sleep(ERROR_PAUSE_S)
                continue
            self.tally.add(got)

    def _take_system_events(self, stop: StopFlag) -> None:
        while not stop.is_set():
            self.take_system_events()
            time.sleep(SYSTEM_EVENTS_INTERVAL_S)

    def release_waves(self, limit: int) -> None:
        """One tick of the wave cadence: a wave at every site (logged, counted)."""
        try:
            results = release_due_waves(self.container.deps, limit)
        except Exception as error:
            with self.tally.lock:
                self.tally.errors += 1
            log.warning("waves: %s", error)
            return
        for site, result in results.items():
            if not isinstance(result, WaveResult):
                log.warning("wave at %s: %s", site, result)
            elif result.wave_id is not None:
                log.info("wave %s at %s: %d released, %d pulled", result.wave_id, site,
                         len(result.released), len(result.pulled))
                with self.tally.lock:
                    self.tally.waves += 1

    def reconcile(self) -> None:
        """One reconciliation run (logged, counted)."""
        policy = reconcile_policy(self.container.settings)
        try:
            report = reconcile(self.container.deps, policy)
        except Exception as error:
            with self.tally.lock:
                self.tally.errors += 1
            log.warning("reconciliation: %s", error)
            return
        log.info("reconciliation %s: %d findings %s", report.run_id, len(report.findings),
                 report.actions)
        self.sweep_missing_acks()
        with self.tally.lock:
            self.tally.reconciliations += 1

    def sweep_missing_acks(self) -> None:
        """EDI documents not acknowledged within their partner's window open EDI_ACK_MISSING."""
        try:
            found = sweep_missing_acks(self.container.deps)
        except Exception as error:
            with self.tally.lock:
                self.tally.errors += 1
            log.warning("acknowledgement sweep: %s", error)
            return
        if found.missing:
            log.info("acknowledgement sweep: %d documents unacknowledged", len(found.missing))

    def sweep_escalations(self) -> None:
        """One escalation sweep (logged, counted)."""
        try:
            report = sweep(self.container.deps)
        except Exception as error:
            with self.tally.lock:
                self.tally.errors += 1
            log.warning("escalation: %s", error)
            return
        if report.cases:
            log.info("escalation: %d cases escalated %s", len(report.cases), dict(report.steps))
        with self.tally.lock:
            self.tally.escalations += len(report.cases)

    def sweep_promises(self) -> None:
        """One promise sweep (logged, counted)."""
        try:
            report = promise.sweep(self.container.deps)
        except Exception as error:
            with self.tally.lock:
                self.tally.errors += 1
            log.warning("promise: %s", error)
            return
        if report.at_risk or report.recovered:
            log.info("promise: %d orders at risk, %d recovered", len(report.at_risk),
                     len(report.recovered))
        with self.tally.lock:
            self.tally.promises_at_risk += len(report.at_risk)

    def _as2_sender(self) -> Callable[[], SendReport] | None:
        """AS2 outbound as configured; None (logged) when it is not, or its key or
        certificate cannot be read."""
        if self._as2 is None and self.container.settings.as2.configured:
            try:
                self._as2 = as2_sender(self.container)
            except (OSError, ValueError) as error:
                log.error("AS2 outbound is off: %s", error)
        return self._as2

    def send_as2(self) -> None:
        """One pass of AS2 outbound: every document due to an AS2 partner (logged, counted)."""
        sender = self._as2_sender()
        if sender is None:
            return
        try:
            report = sender()
        except Exception as error:
            with self.tally.lock:
                self.tally.errors += 1
            log.warning("AS2 outbound: %s", error)
            return
        if report.delivered or report.failed or report.awaiting_receipt:
            log.info("AS2 outbound: %d delivered, %d failed, %d awaiting an MDN",
                     report.delivered, report.failed, report.awaiting_receipt)
        with self.tally.lock:
            self.tally.as2_delivered += report.delivered
            self.tally.as2_failed += report.failed

    def take_system_events(self) -> None:
        """Receive the events the simulated systems of this process sent (webhook systems
        post theirs to the API)."""
        registry = self.container.connectors
        for name in registry.all():
            source = registry.simulated(name)
            if source is None:
                continue
            try:
                counts = take_events(self.container.deps, self.container.ownership, source,
                                     self.max_skew)
            except Exception as error:
                log.warning("events of %s: %s", name, error)
                continue
            with self.tally.lock:
                self.tally.system_events.update(counts)


def start_worker_threads(container: Container) -> Callable[[], WorkerTally]:
    """Run a worker in this process (embedded mode); returns the function that stops it."""
    stop = threading.Event()
    worker = Worker(container)
    thread = threading.Thread(target=worker.run, args=(stop,), name="shipshape-worker",
                              daemon=True)
    thread.start()

    def stop_worker() -> WorkerTally:
        stop.set()
        thread.join(JOIN_TIMEOUT_S)
        return worker.tally

    return stop_worker
