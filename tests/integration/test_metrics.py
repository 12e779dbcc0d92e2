"""`GET /metrics` (Prometheus) and `GET /api/v1/health` (store, broker, connectors)."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from shipshape.adapters.messaging.memory import TRIM_EVERY
from shipshape.adapters.metrics import PrometheusMetrics
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, LazyTransport, build, make_transport
from shipshape.config import Settings
from shipshape.services.delivery.relay import relay_pending
from shipshape.services.ports import NewDeadLetter
from shipshape.services.ports.connectors import Connector, ConnectorHealth, Payload
from shipshape.services.ports.messaging import ConsumerPolicy, Message
from tests.builders import order, post_order, seed_distributor
from tests.conftest import BACKENDS

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a scrape, or None when it is not there."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = "^" + re.escape(name + (f"{{{wanted}}}" if labels else "")) + r" (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


def scrape(client: TestClient) -> str:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    return answer.text


def add_dead_letters(container: Container, count: int) -> list[int]:
    at = datetime.now(UTC)
    with container.deps.uow() as uow:
        ids = [uow.dead_letters.add(NewDeadLetter(
            "billing", f"evt-{n}", "shipshape.p0.OrderShipped.O1", "O1", b"{}", {}, "erp",
            "post_invoice", "ERP rejected it", 5, None), at) for n in range(count)]
        uow.commit()
    return ids


# -- /metrics --------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_empty_store_reads_zero_and_needs_no_token(client: TestClient) -> None:
    answer = client.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == PROMETHEUS_TEXT
    for gauge in ("outbox_unsent", "outbox_oldest_age_seconds", "dead_letters_open"):
        assert sample(answer.text, f"shipshape_{gauge}") == 0
    assert sample(answer.text, "shipshape_events_published_total") == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_outbox_lag_shows_until_the_relay_publishes(
        client: TestClient, container: Container, tokens: dict[str, str]) -> None:
    seed_distributor(container)
    assert post_order(client, tokens["integration"], order()).status_code == 201

    waiting = scrape(client)
    sent = relay_pending(container.deps, container.transport)
    after_relay = scrape(client)
    container.metrics.published(3)
    relayed = scrape(client)

    assert (sample(waiting, "shipshape_outbox_unsent") or 0) >= 1
    assert (sample(waiting, "shipshape_outbox_oldest_age_seconds") or -1) >= 0
    assert sample(relayed, "shipshape_outbox_unsent") == 0
    assert sample(relayed, "shipshape_outbox_oldest_age_seconds") == 0
    assert sent >= 1
    assert sample(after_relay, "shipshape_events_published_total") == sent
    assert sample(relayed, "shipshape_events_published_total") == sent + 3


def test_the_in_process_broker_reports_what_it_holds_and_lets_go(
        client: TestClient, container: Container, tokens: dict[str, str],
        tmp_path: Path) -> None:
    seed_distributor(container)
    assert post_order(client, tokens["integration"], order()).status_code == 201
    sent = relay_pending(container.deps, container.transport)
    held = sample(scrape(client), "shipshape_broker_messages_held")
    policy = ConsumerPolicy(ack_wait_s=30.0, max_deliver=5, backoff_s=())
    for _ in range(TRIM_EVERY):
        deliveries = container.transport.fetch("w", ["shipshape.>"], 100, 0, policy)
        for delivery in deliveries:
            container.transport.ack(delivery)
        container.transport.publish(Message(f"filler-{_}", "shipshape.p0.Filler.F", "F", b""))
    container.metrics.write_to(tmp_path / "engine.prom")

    assert sent >= 1 and held == sent
    assert sample(scrape(client), "shipshape_broker_messages_held") < TRIM_EVERY
    assert "shipshape_broker_messages_held" in (tmp_path / "engine.prom").read_text()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_open_dead_letters_are_counted(client: TestClient, container: Container) -> None:
    first, *_ = add_dead_letters(container, 3)
    with container.deps.uow() as uow:
        uow.dead_letters.mark_replayed(first, datetime.now(UTC))
        uow.commit()

    assert sample(scrape(client), "shipshape_dead_letters_open") == 2


def test_what_the_services_report_is_counted_by_label(client: TestClient,
                                                       container: Container) -> None:
    m = container.metrics
    m.consumed("billing", "applied", 0.02)
    m.consumed("billing", "applied", 0.03)
    m.consumed("billing", "duplicate", 0.001)
    m.connector_call("erp", "post_invoice", "ok", 0.1)
    m.connector_call("erp", "post_invoice", "unavailable", 5.0)
    m.retried("erp", "post_invoice")
    m.dead_lettered("billing", "erp")
    m.dead_lettered("carrier", "")

    text = scrape(client)

    assert sample(text, "shipshape_events_consumed_total",
                  consumer="billing", outcome="applied") == 2
    assert sample(text, "shipshape_events_consumed_total",
                  consumer="billing", outcome="duplicate") == 1
    assert sample(text, "shipshape_consume_seconds_count", consumer="billing") == 3
    assert sample(text, "shipshape_connector_calls_total",
                  system="erp", operation="post_invoice", outcome="unavailable") == 1
    assert sample(text, "shipshape_connector_call_seconds_sum",
                  system="erp", operation="post_invoice") == pytest.approx(5.1)
    assert sample(text, "shipshape_connector_retries_total",
                  system="erp", operation="post_invoice") == 1
    assert sample(text, "shipshape_dead_letters_total", consumer="billing", system="erp") == 1
    assert sample(text, "shipshape_dead_letters_total", consumer="carrier", system="") == 1


def test_each_instance_counts_on_its_own() -> None:
    one, other = PrometheusMetrics(), PrometheusMetrics()
    one.published(2)

    body, content_type = other.render()

    assert content_type == PROMETHEUS_TEXT
    assert sample(one.render()[0].decode(), "shipshape_events_published_total") == 2
    assert sample(body.decode(), "shipshape_events_published_total") == 0


def test_a_store_that_does_not_answer_leaves_its_gauges_out() -> None:
    metrics = PrometheusMetrics(store=create_engine("sqlite:////nonexistent/dir/x.db"))
    metrics.published(1)

    text = metrics.render()[0].decode()

    assert sample(text, "shipshape_events_published_total") == 1
    assert "shipshape_outbox_unsent" not in text
    assert "shipshape_dead_letters_open" not in text


def test_the_oldest_age_follows_the_clock(client: TestClient, container: Container,
                                          tokens: dict[str, str]) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    metrics = PrometheusMetrics(store=container.engine, clock=lambda: later)
    seed_distributor(container)
    post_order(client, tokens["integration"], order())

    age = sample(metrics.render()[0].decode(), "shipshape_outbox_oldest_age_seconds")
    assert age is not None and 3500 < age < 3700


# -- /api/v1/health --------------------------------------------------------------------------


@dataclass
class StubConnector:
    system: str
    report: ConnectorHealth

    def call(self, operation: str, payload: Payload, idempotency_key: str) -> Payload:
        raise NotImplementedError

    def health(self) -> ConnectorHealth:
        return self.report


class StubConnectors:
    def __init__(self, *connectors: StubConnector) -> None:
        self._by_system = {c.system: c for c in connectors}

    def get(self, system: str) -> Connector:
        return self._by_system[system]

    def all(self) -> Mapping[str, Connector]:
        return dict(self._by_system)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_health_reports_the_store_the_broker_and_each_connector(client: TestClient) -> None:
    answer = client.get("/api/v1/health")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["store"]["ok"] is True
    assert body["broker"] == {"ok": True, "kind": "memory",
                              "detail": "in-process; not started yet"}
    assert set(body["connectors"]) == {"erp", "wms", "tms", "finance"}
    assert all(c["ok"] and c["kind"] == "simulated" for c in body["connectors"].values())


def test_health_asks_a_built_transport(client: TestClient, container: Container) -> None:
    container.transport  # noqa: B018  (built, as the relay would)

    broker = client.get("/api/v1/health").json()["broker"]

    assert broker == {"ok": True, "kind": "memory", "detail": "in-process; 0 messages"}


def test_a_connector_that_is_down_degrades_without_503(container: Container) -> None:
    connectors = StubConnectors(
        StubConnector("erp", ConnectorHealth(True, "simulated", "up")),
        StubConnector("tms", ConnectorHealth(False, "webhook", "connection refused")))
    with TestClient(create_app(dataclasses.replace(container, connectors=connectors))) as client:
        answer = client.get("/api/v1/health")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] and body["store"]["ok"]
    assert body["connectors"] == {
        "erp": {"ok": True, "kind": "simulated", "detail": "up"},
        "tms": {"ok": False, "kind": "webhook", "detail": "connection refused"}}


@pytest.fixture
def unreachable_broker(database_url: str) -> Iterator[Container]:
    settings = Settings(database_url=database_url, env="test", broker_url="nats://127.0.0.1:1")
    built = build(settings, migrate=True)
    quick = LazyTransport(lambda: make_transport(settings, connect_timeout_s=1.0))
    yield dataclasses.replace(built, lazy_transport=quick)
    built.close()


def test_a_broker_that_cannot_be_reached_gives_503(unreachable_broker: Container) -> None:
    started = time.monotonic()
    with TestClient(create_app(unreachable_broker)) as client:
        answer = client.get("/api/v1/health")

    assert time.monotonic() - started < 5
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["store"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["kind"] == "nats"
    assert "cannot reach NATS" in body["broker"]["detail"]
