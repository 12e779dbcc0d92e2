"""An in-process stand-in for an ERP, WMS, TMS or finance system.

It answers the operations of `OPERATIONS` like a real system would, including its bad days:
latency (drawn uniformly between half and one and a half times `latency_ms`), timeouts, outage
windows, transient failures and business rejections, all from a seeded random generator. Each
idempotency key is applied at most once; repeating it returns the stored reply marked
`"duplicate": true`. A call that times out or fails is not applied.

It also produces the system's own events, delivered by `take_events` with the configured share of
duplicates and swapped neighbours, as a real system's webhooks would arrive.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from shipshape.domain.integration import EXTERNAL_SYSTEMS, OPERATIONS, System
from shipshape.services.connectors import (
    ConnectorHealth,
    ConnectorRejected,
    ConnectorUnavailable,
    Payload,
)

REACTIONS: Mapping[tuple[str, str], str] = {("erp", "order_mirror"): "order_acknowledged"}
"""Events a simulated system sends back after applying an operation (then taken by
`take_events`, with the configured duplicates and reordering)."""


class SimulationSettings(Protocol):
    """What the simulation reads from `shipshape.config.ConnectorSettings` (a Protocol, because
    the adapters layer may not import the configuration)."""

    @property
    def timeout_s(self) -> float: ...
    @property
    def latency_ms(self) -> float: ...
    @property
    def failure_rate(self) -> float: ...
    @property
    def reject_rate(self) -> float: ...
    @property
    def outages(self) -> Sequence[tuple[float, float]]: ...
    @property
    def duplicate_rate(self) -> float: ...
    @property
    def reorder_rate(self) -> float: ...
    @property
    def seed(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SimulationProfile:
    """Settings for a simulated system; the defaults are those of `ConnectorSettings`."""

    timeout_s: float = 5.0
    latency_ms: float = 0.0
    failure_rate: float = 0.0
    reject_rate: float = 0.0
    outages: Sequence[tuple[float, float]] = field(default_factory=tuple)
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    seed: int = 0


@dataclass(frozen=True, slots=True)
class _Draw:
    latency_s: float
    fails: bool
    rejects: bool


class SimulatedSystem:
    """Thread-safe; `sleep` and `monotonic` are injectable so tests need not wait."""

    def __init__(self, system: str, settings: SimulationSettings | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if system not in EXTERNAL_SYSTEMS:
            raise ValueError(f"{system!r} is not an external system "
                             f"({', '.join(s.value for s in EXTERNAL_SYSTEMS)})")
        self._system = system
        self._operations = OPERATIONS[System(system)]
        self._settings: SimulationSettings = settings or SimulationProfile()
        self._sleep, self._monotonic = sleep, monotonic
        self._started = monotonic()
        self._random = random.Random(self._settings.seed)
        self._event_random = random.Random(f"{self._settings.seed}:events")
        self._lock = threading.Lock()
        self._calls = 0
        self._down = False
        self._fail_next = 0
        self._reject_next: list[str] = []
        self._applied: dict[str, tuple[str, dict[str, object]]] = {}
        self._replies: dict[str, dict[str, object]] = {}
        self._events: list[dict[str, object]] = []

    @property
    def system(self) -> str:
        return self._system

    @property
    def calls(self) -> int:
        """Every attempt, answered or not."""
        with self._lock:
            return self._calls

    @property
    def applied(self) -> dict[str, tuple[str, Payload]]:
        """A copy: idempotency key -> (operation, payload) of each applied call."""
        with self._lock:
            return dict(self._applied)

    def applied_count(self, operation: str | None = None) -> int:
        with self._lock:
            return sum(1 for op, _ in self._applied.values() if operation in (None, op))

    def set_down(self, down: bool) -> None:
        """Forces an outage (True) until called with False."""
        with self._lock:
            self._down = down

    def fail_next(self, n: int) -> None:
        """The next `n` calls that reach the system fail as unavailable."""
        with self._lock:
            self._fail_next = n

    def reject_next(self, n: int, reason: str = "rejected by the simulated system") -> None:
        """The next `n` calls that would be applied are rejected (422) with `reason`."""
        with self._lock:
            self._reject_next = [reason] * n

    def call(self, operation: str, payload: Payload, idempotency_key: str) -> Payload:
        draw = self._start(operation)
        timeout = self._settings.timeout_s
        if draw.latency_s > timeout:
            self._sleep(timeout)
            raise ConnectorUnavailable(self._system, operation, f"timed out after {timeout:g} s")
        if draw.latency_s > 0:
            self._sleep(draw.latency_s)
        with self._lock:
            return self._answer(operation, payload, idempotency_key, draw)

    def health(self) -> ConnectorHealth:
        with self._lock:
            problem = self._outage()
        return ConnectorHealth(ok=problem is None, kind="simulated", detail=problem or "up")

    def emit(self, event_type: str, data: Mapping[str, object], occurred_at: datetime) -> None:
        """Queues one of the system's own events for `take_events`."""
        with self._lock:
            self._events.append(_envelope(self._system, event_type, occurred_at, data))

    def take_events(self) -> list[dict[str, object]]:
        """The queued envelopes, in delivery order: some sent twice (same id), some swapped with
        the one that followed them, by `duplicate_rate` and `reorder_rate`."""
        with self._lock:
            queued, self._events = self._events, []
            rng, settings = self._event_random, self._settings
            delivered: list[dict[str, object]] = []
            for envelope in queued:
                delivered.append(envelope)
                if rng.random() < settings.duplicate_rate:
                    delivered.append(dict(envelope))
            return _swap_neighbours(delivered, rng, settings.reorder_rate)

    def _start(self, operation: str) -> _Draw:
        with self._lock:
            self._calls += 1
            rng = self._random
            mean_s = self._settings.latency_ms / 1000
            draw = _Draw(latency_s=mean_s * rng.uniform(0.5, 1.5),
                         fails=rng.random() < self._settings.failure_rate,
                         rejects=rng.random() < self._settings.reject_rate)
        if operation not in self._operations:
            raise ConnectorRejected(self._system, operation,
                                    f"unknown operation (known: {', '.join(self._operations)})",
                                    status=404)
        return draw

    def _answer(self, operation: str, payload: Payload, key: str, draw: _Draw) -> Payload:
        problem = self._outage()
        if problem is not None:
            raise ConnectorUnavailable(self._system, operation, problem)
        if self._fail_next > 0 or draw.fails:
            self._fail_next = max(0, self._fail_next - 1)
            raise ConnectorUnavailable(self._system, operation, "temporarily unavailable")
        if key in self._replies:
            return self._repeat(operation, key)
        if self._reject_next or draw.rejects:
            reason = self._reject_next.pop(0) if self._reject_next else "business rule refused it"
            raise ConnectorRejected(self._system, operation, reason, status=422)
        self._applied[key] = (operation, dict(payload))
        reply: dict[str, object] = {
            "system": self._system, "operation": operation,
            "ref": f"{self._system.upper()}-{len(self._applied):06d}", "duplicate": False}
        self._replies[key] = reply
        self._react(operation, payload, reply)
        return dict(reply)

    def _react(self, operation: str, payload: Payload, reply: Payload) -> None:
        """What the real system would report back: an ERP acknowledges a mirrored order."""
        kind = REACTIONS.get((self._system, operation))
        order_id = payload.get("order_id")
        if kind is not None and isinstance(order_id, str):
            self._events.append(_envelope(self._system, kind, datetime.now(UTC), {
                "order_id": order_id, f"{self._system}_ref": reply["ref"]}))

    def _repeat(self, operation: str, key: str) -> Payload:
        applied_operation = self._applied[key][0]
        if applied_operation != operation:
            raise ConnectorRejected(
                self._system, operation,
                f"idempotency key {key!r} was already used for {applied_operation}", status=409)
        return {**self._replies[key], "duplicate": True}

    def _outage(self) -> str | None:
        if self._down:
            return "down"
        elapsed = self._monotonic() - self._started
        for start, end in self._settings.outages:
            if start <= elapsed < end:
                return f"in an outage window ({start:g} s to {end:g} s after start-up)"
        return None


def _envelope(system: str, event_type: str, occurred_at: datetime,
              data: Mapping[str, object]) -> dict[str, object]:
    return {"id": f"{system}-{uuid.uuid4().hex}", "type": event_type,
            "occurred_at": occurred_at.isoformat(), "data": dict(data)}


def _swap_neighbours(items: list[dict[str, object]], rng: random.Random,
                     rate: float) -> list[dict[str, object]]:
    index = 0
    while index < len(items) - 1:
        if rng.random() < rate:
            items[index], items[index + 1] = items[index + 1], items[index]
            index += 2
        else:
            index += 1
    return items
