"""The retry policy: what is retried, how long it waits, what the caller gets, what is measured."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from shipshape.adapters.systems.retrying import RetryingConnector
from shipshape.services.ports.connectors import (
    ConnectorError,
    ConnectorExhausted,
    ConnectorHealth,
    ConnectorRejected,
    ConnectorUnavailable,
    Payload,
    RetryPolicy,
)
from shipshape.services.ports.metrics import NoMetrics

POLICY = RetryPolicy(timeout_s=1.0, max_attempts=4, first_delay_s=0.1, max_delay_s=0.3,
                     jitter_s=0.0)


@dataclass
class Scripted:
    """Answers with the scripted errors in turn, then with a reply."""

    script: list[ConnectorError | None]
    system: str = "erp"
    keys: list[str] = field(default_factory=list)
    closed: bool = False

    def call(self, operation: str, payload: Payload, idempotency_key: str) -> Payload:
        self.keys.append(idempotency_key)
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return {"ref": "ERP-1", "operation": operation}

    def health(self) -> ConnectorHealth:
        return ConnectorHealth(True, "scripted")

    def close(self) -> None:
        self.closed = True


class Recorded(NoMetrics):
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.retries: list[tuple[str, str]] = []

    def connector_call(self, system: str, operation: str, outcome: str, seconds: float) -> None:
        assert seconds >= 0
        self.calls.append((system, operation, outcome))

    def retried(self, system: str, operation: str) -> None:
        self.retries.append((system, operation))


def down() -> ConnectorUnavailable:
    return ConnectorUnavailable("erp", "order_mirror", "503")


def rejected() -> ConnectorRejected:
    return ConnectorRejected("erp", "order_mirror", "no such customer", status=422)


def retrying(inner: Scripted, policy: RetryPolicy = POLICY,
             metrics: Recorded | None = None) -> tuple[RetryingConnector, list[float]]:
    sleeps: list[float] = []
    return RetryingConnector(inner, policy, metrics, sleep=sleeps.append), sleeps


def test_success_at_first_attempt_does_not_sleep() -> None:
    inner = Scripted([])
    connector, sleeps = retrying(inner)
    assert connector.call("order_mirror", {}, "k1") == {"ref": "ERP-1", "operation": "order_mirror"}
    assert inner.keys == ["k1"]
    assert sleeps == []


def test_transient_failures_are_retried_with_the_same_key() -> None:
    inner = Scripted([down(), down()])
    connector, sleeps = retrying(inner)
    assert connector.call("order_mirror", {}, "k1")["ref"] == "ERP-1"
    assert inner.keys == ["k1", "k1", "k1"]
    assert len(sleeps) == 2


def test_delays_double_up_to_the_cap() -> None:
    inner = Scripted([down()] * 5)
    policy = RetryPolicy(max_attempts=6, first_delay_s=0.1, max_delay_s=0.5, jitter_s=0.0)
    connector, sleeps = retrying(inner, policy)
    connector.call("order_mirror", {}, "k")
    assert sleeps == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])


def test_jitter_adds_at_most_jitter_s() -> None:
    inner = Scripted([down()] * 30)
    policy = RetryPolicy(max_attempts=31, first_delay_s=0.1, max_delay_s=0.1, jitter_s=0.05)
    connector, sleeps = retrying(inner, policy)
    connector.call("order_mirror", {}, "k")
    assert all(0.1 <= delay <= 0.15 for delay in sleeps)
    assert len(set(sleeps)) > 1


def test_exhausted_after_max_attempts() -> None:
    inner = Scripted([down()] * 10)
    connector, sleeps = retrying(inner)
    with pytest.raises(ConnectorExhausted) as caught:
        connector.call("order_mirror", {}, "k")
    assert caught.value.attempts == 4
    assert isinstance(caught.value.last, ConnectorUnavailable)
    assert not caught.value.retryable
    assert len(inner.keys) == 4
    assert len(sleeps) == 3


def test_rejection_is_not_retried_and_keeps_its_status() -> None:
    error = rejected()
    inner = Scripted([error])
    connector, sleeps = retrying(inner)
    with pytest.raises(ConnectorRejected) as caught:
        connector.call("order_mirror", {}, "k")
    assert caught.value is error
    assert caught.value.status == 422
    assert caught.value.attempts == 1  # type: ignore[attr-defined]
    assert len(inner.keys) == 1
    assert sleeps == []


def test_rejection_after_retries_counts_every_attempt() -> None:
    inner = Scripted([down(), rejected()])
    connector, _ = retrying(inner)
    with pytest.raises(ConnectorRejected) as caught:
        connector.call("order_mirror", {}, "k")
    assert caught.value.attempts == 2  # type: ignore[attr-defined]


def test_other_exceptions_are_not_retried() -> None:
    class Broken(Scripted):
        def call(self, operation: str, payload: Payload, idempotency_key: str) -> Payload:
            self.keys.append(idempotency_key)
            raise RuntimeError("bug")

    inner = Broken([])
    connector, _ = retrying(inner)
    with pytest.raises(RuntimeError):
        connector.call("order_mirror", {}, "k")
    assert len(inner.keys) == 1


def test_one_attempt_policy_is_exhausted_at_once() -> None:
    inner = Scripted([down()])
    connector, sleeps = retrying(inner, RetryPolicy(max_attempts=1))
    with pytest.raises(ConnectorExhausted) as caught:
        connector.call("order_mirror", {}, "k")
    assert caught.value.attempts == 1
    assert sleeps == []


def test_every_attempt_and_retry_is_measured() -> None:
    metrics = Recorded()
    connector, _ = retrying(Scripted([down(), down()]), metrics=metrics)
    connector.call("order_mirror", {}, "k")
    assert metrics.calls == [("erp", "order_mirror", "unavailable")] * 2 + [
        ("erp", "order_mirror", "ok")]
    assert metrics.retries == [("erp", "order_mirror")] * 2


def test_rejection_is_measured_as_rejected_without_retry() -> None:
    metrics = Recorded()
    connector, _ = retrying(Scripted([rejected()]), metrics=metrics)
    with pytest.raises(ConnectorRejected):
        connector.call("order_mirror", {}, "k")
    assert metrics.calls == [("erp", "order_mirror", "rejected")]
    assert metrics.retries == []


def test_exhaustion_measures_no_retry_after_the_last_attempt() -> None:
    metrics = Recorded()
    connector, _ = retrying(Scripted([down()] * 10), metrics=metrics)
    with pytest.raises(ConnectorExhausted):
        connector.call("order_mirror", {}, "k")
    assert len(metrics.calls) == 4
    assert len(metrics.retries) == 3


def test_calls_do_not_share_attempt_counts() -> None:
    inner = Scripted([down(), down(), down(), down(), down()])
    connector, _ = retrying(inner)
    with pytest.raises(ConnectorExhausted):
        connector.call("order_mirror", {}, "a")
    assert connector.call("order_mirror", {}, "b")["ref"] == "ERP-1"
    assert inner.keys == ["a"] * 4 + ["b"] * 2


def test_system_health_and_close_delegate() -> None:
    inner = Scripted([])
    connector, _ = retrying(inner)
    assert connector.system == "erp"
    assert connector.health() == ConnectorHealth(True, "scripted")
    assert connector.inner is inner
    connector.close()
    assert inner.closed
