"""The retry policy around any connector (tenacity).

Retryable errors (`ConnectorUnavailable`) are tried again up to `max_attempts` in all, waiting
`first_delay_s`, then twice as long each time up to `max_delay_s`, plus up to `jitter_s` at random.
When the attempts run out the caller gets `ConnectorExhausted` (with `.attempts` and `.last`).
Final errors (`ConnectorRejected`) pass through at once, with `.attempts` set on them too.
Every attempt is measured (`Metrics.connector_call`), every retry counted (`Metrics.retried`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from shipshape.services.ports.connectors import (
    Connector,
    ConnectorError,
    ConnectorExhausted,
    ConnectorHealth,
    ConnectorRejected,
    Payload,
    RetryPolicy,
)
from shipshape.services.ports.metrics import Metrics, NoMetrics

T = TypeVar("T")


class RetryProfile(Protocol):
    """The retry knobs every setting that calls another system carries."""

    @property
    def timeout_s(self) -> float: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def first_delay_s(self) -> float: ...
    @property
    def max_delay_s(self) -> float: ...
    @property
    def jitter_s(self) -> float: ...


def policy_of(profile: RetryProfile) -> RetryPolicy:
    return RetryPolicy(timeout_s=profile.timeout_s, max_attempts=profile.max_attempts,
                       first_delay_s=profile.first_delay_s, max_delay_s=profile.max_delay_s,
                       jitter_s=profile.jitter_s)


def _retryable(error: BaseException) -> bool:
    return isinstance(error, ConnectorError) and error.retryable


def _record_attempts(error: ConnectorRejected, attempts: int) -> None:
    error.attempts = attempts


class RetryingConnector:
    """A `Connector` that applies `policy` to every call of `inner`."""

    def __init__(self, inner: Connector, policy: RetryPolicy, metrics: Metrics | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._inner = inner
        self._policy = policy
        self._metrics: Metrics = metrics or NoMetrics()
        self._sleep = sleep

    @property
    def system(self) -> str:
        return self._inner.system

    @property
    def inner(self) -> Connector:
        return self._inner

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    def call(self, operation: str, payload: Payload, idempotency_key: str) -> Payload:
        return retried(self.system, operation,
                       lambda: self._inner.call(operation, payload, idempotency_key),
                       self._policy, self._metrics, self._sleep)

    def health(self) -> ConnectorHealth:
        return self._inner.health()

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


def retried(system: str, operation: str, call: Callable[[], T], policy: RetryPolicy,
            metrics: Metrics, sleep: Callable[[float], None] = time.sleep) -> T:
    """`call` under `policy`: each attempt measured, each retry counted; `ConnectorExhausted`
    when the attempts run out, a rejection at once with the attempts it took."""
    attempts = 0

    def attempt() -> T:
        nonlocal attempts
        attempts += 1
        started = time.perf_counter()
        try:
            reply = call()
        except ConnectorError as error:
            outcome = "unavailable" if error.retryable else "rejected"
            metrics.connector_call(system, operation, outcome, time.perf_counter() - started)
            raise
        metrics.connector_call(system, operation, "ok", time.perf_counter() - started)
        return reply

    def count_retry(state: RetryCallState) -> None:
        metrics.retried(system, operation)

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait_exponential(multiplier=policy.first_delay_s, max=policy.max_delay_s)
        + wait_random(0, policy.jitter_s),
        retry=retry_if_exception(_retryable), sleep=sleep, before_sleep=count_retry,
        reraise=True)
    try:
        return retrying(attempt)
    except ConnectorError as error:
        if error.retryable:
            raise ConnectorExhausted(error, attempts) from error
        if isinstance(error, ConnectorRejected):
            _record_attempts(error, attempts)
        raise
