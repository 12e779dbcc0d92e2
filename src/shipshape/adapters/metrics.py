"""The `Metrics` port on prometheus-client, exposed by `GET /metrics`.

Each `PrometheusMetrics` has a registry of its own (not the process-wide one), so several
applications can live in one process. Counters and histograms are kept as the services report;
the store's gauges (outbox lag, open dead letters) are read at scrape time, and are left out of a
scrape, with a warning in the log, when the store does not answer.

When the relay and workers run in a process of their own (`serve`'s engine process), that
process writes its counters and histograms to a file every half second (`write_to`; the store's
gauges are not read there) and the API's scrape adds those counts to its own (`add_from`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from shipshape.adapters.db.outbox_store import outbox_lag
from shipshape.adapters.db.queries import open_dead_letters
from shipshape.services.delivery.accounting import DeliveryDebt

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text format that `generate_latest` writes."""
P = "shipshape_"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PrometheusMetrics:
    """Counts and times what the services report; `render()` gives the scrape's body."""

    def __init__(self, store: Engine | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.registry = CollectorRegistry()
        self._counts = CollectorRegistry()
        """This process's counters and histograms alone: what `write_to` writes, without the
        store's gauges, which the process that serves `/metrics` reads itself."""
        self.registry.register(_Counts(self._counts))
        self._clock = clock
        self._store: _StoreCollector | None = None
        self._other: Path | None = None
        self._held: Gauge | None = None
        r = self._counts
        self._published = Counter(f"{P}events_published", "Outbox events published by the relay",
                                  registry=r)
        self._consumed = Counter(
            f"{P}events_consumed", "Deliveries handled by a consumer, by outcome (applied, "
            "duplicate, skipped, retried, failed, dead_lettered)", ["consumer", "outcome"],
            registry=r)
        self._consume_seconds = Histogram(f"{P}consume_seconds", "Time to handle one delivery",
                                          ["consumer"], registry=r)
        self._calls = Counter(
            f"{P}connector_calls", "Attempts of connector calls, by outcome (ok, unavailable, "
            "rejected)", ["system", "operation", "outcome"], registry=r)
        self._call_seconds = Histogram(f"{P}connector_call_seconds",
                                       "Time of one connector call attempt",
                                       ["system", "operation"], registry=r)
        self._retries = Counter(f"{P}connector_retries", "Connector calls tried again",
                                ["system", "operation"], registry=r)
        self._dead = Counter(f"{P}dead_letters", "Deliveries dead-lettered (system empty when "
                             "no connector was involved)", ["consumer", "system"], registry=r)
        self._unscored = Counter(f"{P}risk_unscored", "Orders the risk model gave no score, by "
                                 "status (missing, stale, failing)", ["status"], registry=r)
        if store is not None:
            self.attach_store(store)

    def watch_delivery(self, read: Callable[[], DeliveryDebt]) -> None:
        """Report what `read` says is not yet applied, by consumer, at every scrape."""
        self.registry.register(_DeliveryCollector(read, self._clock))

    def watch_broker(self, held: Callable[[], int]) -> None:
        """Report how many messages the in-process broker holds. Counted with this process's
        own metrics, so serve's engine writes it to the API's scrape: a count that only grows
        is a broker that does not let go. A transport built anew takes the place of the last."""
        if self._held is None:
            self._held = Gauge(f"{P}broker_messages_held", "Messages the in-process broker "
                               "holds (published and not yet let go by every consumer)",
                               registry=self._counts)
        self._held.set_function(held)

    def attach_store(self, engine: Engine) -> None:
        """Read the outbox and dead-letter gauges from `engine` at every scrape (once only)."""
        if self._store is not None:
            raise ValueError("a store is attached already")
        self._store = _StoreCollector(engine, self._clock)
        self.registry.register(self._store)

    # -- the port -------------------------------------------------------------------------

    def published(self, count: int) -> None:
        if count > 0:
            self._published.inc(count)

    def consumed(self, consumer: str, outcome: str, seconds: float) -> None:
        self._consumed.labels(consumer, outcome).inc()
        self._consume_seconds.labels(consumer).observe(seconds)

    def connector_call(self, system: str, operation: str, outcome: str, seconds: float) -> None:
        self._calls.labels(system, operation, outcome).inc()
        self._call_seconds.labels(system, operation).observe(seconds)

    def retried(self, system: str, operation: str) -> None:
        self._retries.labels(system, operation).inc()

    def dead_lettered(self, consumer: str, system: str) -> None:
        self._dead.labels(consumer, system or "").inc()

    def risk_unscored(self, status: str) -> None:
        self._unscored.labels(status).inc()

    # -- exposition -----------------------------------------------------------------------

    def render(self) -> tuple[bytes, str]:
        """The scrape's body in the Prometheus text format, and its content type."""
        if self._other is None:
            return generate_latest(self.registry), CONTENT_TYPE
        return generate_latest(_Families(merged(self.registry.collect(),
                                                _read(self._other)))), CONTENT_TYPE

    def add_from(self, path: Path) -> None:
        """Add the counts another process writes to `path` (`write_to`) to every scrape."""
        self._other = path

    @property
    def added_from(self) -> Path | None:
        return self._other

    def write_to(self, path: Path) -> None:
        """This process's scrape, to `path` (whole: written aside, then renamed over it)."""
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        aside.write_bytes(generate_latest(self._counts))
        aside.replace(path)


SUMMED = frozenset({"counter", "histogram", "summary"})


def merged(ours: Iterable[Metric], theirs: Iterable[Metric]) -> list[Metric]:
    """`ours` with `theirs` added: the samples of counters, histograms and summaries summed by
    name and labels (their `_created` kept from the first); a gauge or a family only one side
    has kept as it is (a gauge both have read from the same store: ours)."""
    families = {family.name: family for family in ours}
    for family in theirs:
        mine = families.get(family.name)
        if mine is None:
            families[family.name] = family
        elif mine.type in SUMMED and mine.type == family.type:
            mine.samples = _summed(mine.samples, family.samples)
    return list(families.values())


def _summed(ours: list[Sample], theirs: list[Sample]) -> list[Sample]:
    totals = {(s.name, tuple(sorted(s.labels.items()))): s for s in ours}
    for sample in theirs:
        key = (sample.name, tuple(sorted(sample.labels.items())))
        mine = totals.get(key)
        if mine is None:
            totals[key] = sample
        elif not sample.name.endswith("_created"):
            totals[key] = mine._replace(value=mine.value + sample.value)
    return list(totals.values())


def _read(path: Path) -> list[Metric]:
    """The families another process wrote; none while it has written nothing (or unreadable)."""
    try:
        text = path.read_text()
    except OSError:
        return []
    return list(text_string_to_metric_families(text))


class _Families:
    """Fixed families, in the shape `generate_latest` reads."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


class _StoreCollector:
    """Gauges read from the store at scrape time."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    def describe(self) -> list[Metric]:
        return list(self._families())

    def collect(self) -> list[Metric]:
        try:
            lag = outbox_lag(self._engine)
            dead = open_dead_letters(self._engine)
        except SQLAlchemyError as error:
            log.warning("metrics: the store did not answer, its gauges are left out: %s", error)
            return []
        unsent, age, open_letters = self._families()
        unsent.add_metric([], lag.unsent)
        age.add_metric([], lag.age_s(self._clock()))
        open_letters.add_metric([], dead)
        return [unsent, age, open_letters]

    @staticmethod
    def _families() -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(f"{P}outbox_unsent", "Outbox rows not yet published")
        yield GaugeMetricFamily(f"{P}outbox_oldest_age_seconds",
                                "Age of the oldest unpublished outbox row (0 when none)")
        yield GaugeMetricFamily(f"{P}dead_letters_open", "Dead letters not yet replayed")


class _Counts:
    """Another registry's metrics, collected as part of this one."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        return self._registry.collect()


class _DeliveryCollector:
    """Events written and not yet applied by every consumer that takes them."""

    def __init__(self, read: Callable[[], DeliveryDebt], clock: Callable[[], datetime]) -> None:
        self._read = read
        self._clock = clock

    def describe(self) -> list[Metric]:
        return list(self._families())

    def collect(self) -> list[Metric]:
        try:
            debt = self._read()
        except SQLAlchemyError as error:
            log.warning("metrics: the store did not answer, delivery gauges left out: %s", error)
            return []
        owed, unapplied, age = self._families()
        owed.add_metric([], debt.owed)
        for consumer, count in sorted(debt.by_consumer.items()):
            unapplied.add_metric([consumer], count)
        age.add_metric([], debt.age_s(self._clock()))
        return [owed, unapplied, age]

    @staticmethod
    def _families() -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(f"{P}events_owed", "Events published and not yet settled as "
                                "applied by every consumer that takes them")
        yield GaugeMetricFamily(f"{P}events_unapplied", "Published events a consumer has not "
                                "applied yet (among the oldest 5,000 owed)", labels=["consumer"])
        yield GaugeMetricFamily(f"{P}events_unapplied_oldest_age_seconds",
                                "Age of the oldest event not yet published or applied (0 when "
                                "none)")
