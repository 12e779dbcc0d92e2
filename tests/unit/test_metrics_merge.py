"""The API's scrape with the engine process's counts added: counters and histograms summed
by labels, the store's gauges read once (the API's), a family only one side has kept."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from shipshape.adapters.metrics import PrometheusMetrics
from shipshape.services.delivery.accounting import DeliveryDebt


def samples(metrics: PrometheusMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = metrics.render()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples if not s.name.endswith("_created")}


def test_the_engine_counts_are_added_to_the_apis(tmp_path: Path) -> None:
    api, engine = PrometheusMetrics(), PrometheusMetrics()
    api.published(2)
    engine.published(5)
    engine.consumed("erp-order-mirror", "applied", 0.25)
    engine.consumed("erp-order-mirror", "applied", 0.5)
    api.connector_call("erp", "order_mirror", "ok", 0.1)
    shared = tmp_path / "engine.prom"
    engine.write_to(shared)
    api.add_from(shared)

    found = samples(api)

    assert found[("shipshape_events_published_total", ())] == 7
    applied = (("consumer", "erp-order-mirror"), ("outcome", "applied"))
    assert found[("shipshape_events_consumed_total", applied)] == 2
    mirror = (("consumer", "erp-order-mirror"),)
    assert found[("shipshape_consume_seconds_count", mirror)] == 2
    assert found[("shipshape_consume_seconds_sum", mirror)] == 0.75
    assert found[("shipshape_consume_seconds_bucket", (*mirror, ("le", "0.5")))] == 2
    calls = (("operation", "order_mirror"), ("outcome", "ok"), ("system", "erp"))
    assert found[("shipshape_connector_calls_total", calls)] == 1


def test_before_the_engine_writes_the_api_scrapes_its_own(tmp_path: Path) -> None:
    api = PrometheusMetrics()
    api.published(3)
    api.add_from(tmp_path / "not-yet.prom")
    assert samples(api)[("shipshape_events_published_total", ())] == 3


def test_a_gauge_both_read_from_the_store_is_counted_once(tmp_path: Path) -> None:
    api, engine = PrometheusMetrics(), PrometheusMetrics()
    reading = iter([4.0, 9.0])
    for metrics in (api, engine):
        value = next(reading)
        metrics.registry.register(_Gauge(value))
    engine.write_to(tmp_path / "engine.prom")
    api.add_from(tmp_path / "engine.prom")
    assert samples(api)[("shipshape_outbox_unsent", ())] == 4.0


class _Gauge:
    def __init__(self, value: float) -> None:
        self._value = value

    def collect(self) -> list[object]:
        family = GaugeMetricFamily("shipshape_outbox_unsent", "Outbox rows not yet published")
        family.add_metric([], self._value)
        return [family]


def test_the_engine_writes_its_counts_without_reading_the_stores_gauges(tmp_path: Path) -> None:
    engine = PrometheusMetrics()
    engine.published(1)
    reads: list[str] = []

    def debt() -> DeliveryDebt:
        reads.append("debt")
        return DeliveryDebt(0, 0, None, ())

    engine.watch_delivery(debt)
    engine.write_to(tmp_path / "engine.prom")
    written = (tmp_path / "engine.prom").read_text()
    assert "shipshape_events_published_total 1.0" in written
    assert reads == []
    engine.render()
    assert reads == ["debt"]
