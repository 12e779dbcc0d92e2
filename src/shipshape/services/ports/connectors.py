"""The port to the other systems (ERP, WMS, TMS, finance), and how their failures are told apart.

A connector sends one operation with a JSON payload and an idempotency key (the event id, or a
key derived from it), and returns the system's JSON answer. Every call has a timeout and goes
through a retry policy; errors say whether trying again can help:

* `ConnectorUnavailable` (a timeout, a refused connection, a 5xx, an outage): retried;
* `ConnectorRejected` (a 4xx, a business rejection): final, never retried;
* `ConnectorExhausted`: the retry policy gave up; it carries the attempts and the last error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from shipshape.domain.errors import ShipshapeError

Payload = Mapping[str, object]


class ConnectorError(ShipshapeError):
    retryable = False

    def __init__(self, system: str, operation: str, reason: str) -> None:
        super().__init__(f"{system} {operation}: {reason}")
        self.system = system
        self.operation = operation
        self.reason = reason
        self.attempts = 1
        """How many attempts the call had when it failed (the retry policy sets it)."""


class ConnectorUnavailable(ConnectorError):
    """The call did not get an answer it could act on; the same call may succeed later."""

    retryable = True


class ConnectorRejected(ConnectorError):
    """The system answered no (a 4xx or a business rejection); repeating it would not help."""

    def __init__(self, system: str, operation: str, reason: str, status: int = 0) -> None:
        super().__init__(system, operation, reason)
        self.status = status


class ConnectorExhausted(ConnectorError):
    """The retry policy ran out of attempts; `last` is the error of the final one."""

    def __init__(self, last: ConnectorError, attempts: int) -> None:
        super().__init__(last.system, last.operation,
                         f"gave up after {attempts} attempts: {last.reason}")
        self.last = last
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Per call: `timeout_s`; between attempts an exponential delay from `first_delay_s`,
    doubled each time up to `max_delay_s`, with up to `jitter_s` added at random."""

    timeout_s: float = 5.0
    max_attempts: int = 4
    first_delay_s: float = 0.2
    max_delay_s: float = 5.0
    jitter_s: float = 0.2


@dataclass(frozen=True, slots=True)
class ConnectorHealth:
    ok: bool
    kind: str
    detail: str = ""


class Connector(Protocol):
    """One external system. Implementations time out every call (`RetryPolicy.timeout_s`)."""

    @property
    def system(self) -> str: ...

    def call(self, operation: str, payload: Payload, idempotency_key: str) -> Payload:
        """The system's answer; raises a `ConnectorError`."""
        ...

    def health(self) -> ConnectorHealth: ...


class Connectors(Protocol):
    """The configured connector of each system."""

    def get(self, system: str) -> Connector: ...

    def all(self) -> Mapping[str, Connector]: ...
