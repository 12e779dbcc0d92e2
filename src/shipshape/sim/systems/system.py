"""An in-process stand-in for an ERP, WMS, TMS or finance system.

It answers the operations of `OPERATIONS` like a real system would, including its bad days
(`SimulationSettings`): latency (drawn uniformly between half and one and a half times
`latency_ms`), timeouts, outage windows, transient failures and business rejections, all from a
seeded random generator. Each idempotency key is applied at most once; repeating it returns the
stored reply marked `"duplicate": true`. A call that times out or fails is not applied.

It also produces the system's own events, delivered by `take_events` with the configured share of
duplicates and swapped neighbours, as a real system's webhooks would arrive: after applying a call
it reacts as the real system would (`reactions.REACTIONS`). Faults can also be injected
deterministically (`faults`), so that a scenario plays out the same way every time.

`simulated_systems` is what the composition root hands the connector registry to build them.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shipshape.domain.integration import EXTERNAL_SYSTEMS, OPERATIONS, System
from shipshape.services.ports.connectors import (
    ConnectorHealth,
    ConnectorRejected,
    ConnectorUnavailable,
    Payload,
)
from shipshape.sim.systems.faults import check_faults, refusal
from shipshape.sim.systems.reactions import REACTIONS, Applied, DeliveryOdds, reply_extras
from shipshape.sim.systems.settings import SimulationSettings, SystemName, simulation_settings

DEFAULT_TIMEOUT_S = 5.0
"""A call's timeout when none is given (that of the connector settings' default)."""


@dataclass(frozen=True, slots=True)
class _Draw:
    latency_s: float
    fails: bool
    rejects: bool


class SimulatedSystem:
    """Thread-safe; `sleep`, `monotonic` and `clock` are injectable so tests need not wait.

    ValueError when the injected faults do not fit the system (an operation it does not have, a
    negative acknowledgement it never sends, short picks of a system that does not pick)."""

    def __init__(self, system: str, settings: SimulationSettings | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if system not in EXTERNAL_SYSTEMS:
            raise ValueError(f"{system!r} is not an external system "
                             f"({', '.join(s.value for s in EXTERNAL_SYSTEMS)})")
        self._system = system
        self._operations = OPERATIONS[System(system)]
        self._settings = settings or SimulationSettings()
        self._timeout_s = timeout_s
        check_faults(system, self._operations, self._settings)
        self._sleep, self._monotonic, self._clock = sleep, monotonic, clock
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
        self._applied_by_operation: Counter[str] = Counter()
        self._orders_picked = 0
        self._delivery_random = random.Random(f"{self._settings.seed}:delivery")

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
        timeout = self._timeout_s
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

    def give_back(self, envelopes: list[dict[str, object]]) -> None:
        """Events taken and not received (the store was down) go first next time."""
        with self._lock:
            self._events = [*envelopes, *self._events]

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
        self._refuse_if_due(operation, payload, draw)
        return self._apply(operation, payload, key)

    def _refuse_if_due(self, operation: str, payload: Payload, draw: _Draw) -> None:
        refused = refusal(self._settings.reject_when, operation, payload)
        if refused is not None:
            raise ConnectorRejected(self._system, operation, refused, status=422)
        if self._reject_next or draw.rejects:
            reason = self._reject_next.pop(0) if self._reject_next else "business rule refused it"
            raise ConnectorRejected(self._system, operation, reason, status=422)

    def _apply(self, operation: str, payload: Payload, key: str) -> Payload:
        self._applied[key] = (operation, dict(payload))
        self._applied_by_operation[operation] += 1
        reply: dict[str, object] = {
            "system": self._system, "operation": operation,
            "ref": f"{self._system.upper()}-{len(self._applied):06d}", "duplicate": False,
            **reply_extras(self._system, operation, key)}
        self._replies[key] = reply
        self._react(operation, payload, reply)
        return dict(reply)

    def _react(self, operation: str, payload: Payload, reply: Payload) -> None:
        """Queues what the real system would report back about the call just applied."""
        reaction = REACTIONS.get((self._system, operation))
        if reaction is None:
            return
        ordinal = self._applied_by_operation[operation]
        occurred_at = self._clock()
        applied = Applied(payload, reply, occurred_at,
                          negative=ordinal in self._settings.negative_ack_nth.get(operation, ()),
                          picks_short=self._picks_short, lots=self._settings.pick_lots,
                          pays=self._settings.pays_invoices,
                          delivery=self._delivery_odds(operation, ordinal),
                          damaged_rate=self._settings.return_damaged_rate)
        seen: Counter[object] = Counter()
        for event_type, data in reaction(applied):
            # milestones of one shipment a microsecond apart, so they apply in order
            shipment = data.get("shipment_id")
            later = seen[shipment] if shipment is not None else 0
            seen[shipment] += 1
            self._events.append(_envelope(self._system, event_type,
                                          occurred_at + timedelta(microseconds=later), data))

    def _delivery_odds(self, operation: str, ordinal: int) -> DeliveryOdds:
        knobs = self._settings
        forced = {outcome for outcome, ordinals in knobs.delivery_nth.items()
                  if operation == "tracking" and ordinal in ordinals}

        def rate(outcome: str, drawn: float) -> float:
            return 1.0 if outcome in forced else drawn

        return DeliveryOdds(self._delivery_random.random, knobs.transit_days,
                            knobs.transit_noise_days, rate("late", knobs.delivery_late_rate),
                            knobs.late_days, rate("failed", knobs.delivery_failure_rate),
                            rate("damaged", knobs.delivery_damage_rate),
                            rate("short", knobs.delivery_short_rate))

    def _picks_short(self) -> bool:
        self._orders_picked += 1
        return self._orders_picked in self._settings.short_pick_nth

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


SimulatedSystems = Callable[[str, float], SimulatedSystem]
"""Builds the simulated system of a name, given its connector's call timeout."""


def simulated_systems(section: Mapping[SystemName, Mapping[str, object]]) -> SimulatedSystems:
    """The factory of simulated systems behaving as the `simulation` section of the settings
    says (each system not in it with every fault off). The section is checked here, at once:
    ValueError names `simulation.<system>` and what is wrong."""
    behaviours = simulation_settings(section)

    def simulated(system: str, timeout_s: float) -> SimulatedSystem:
        return SimulatedSystem(system, behaviours.get(system), timeout_s)

    return simulated
