"""An in-process stand-in for an ERP, WMS, TMS or finance system.

It answers the operations of `OPERATIONS` like a real system would, including its bad days:
latency (drawn uniformly between half and one and a half times `latency_ms`), timeouts, outage
windows, transient failures and business rejections, all from a seeded random generator. Each
idempotency key is applied at most once; repeating it returns the stored reply marked
`"duplicate": true`. A call that times out or fails is not applied.

It also produces the system's own events, delivered by `take_events` with the configured share of
duplicates and swapped neighbours, as a real system's webhooks would arrive: after applying a call
it reacts as the real system would (`REACTIONS`): the ERP acknowledges mirrored orders and posted
invoices, the WMS confirms the picks of a released wave and the shipments of a ship release. The
TMS answers a tender with a tracking number.

Faults can also be injected deterministically (`reject_when`, `negative_ack_nth`,
`short_pick_nth`), so that a scenario plays out the same way every time.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from shipshape.domain.integration import EXTERNAL_SYSTEMS, OPERATIONS, System
from shipshape.services.ports.connectors import (
    ConnectorHealth,
    ConnectorRejected,
    ConnectorUnavailable,
    Payload,
)

Event = tuple[str, dict[str, object]]
"""An event a system sends of its own accord: its type and data."""


@dataclass(frozen=True, slots=True)
class Applied:
    """An applied call, as a reaction sees it."""

    payload: Payload
    reply: Payload
    occurred_at: datetime
    negative: bool = False
    """`negative_ack_nth` names this call: its acknowledgement is the negative one."""
    picks_short: Callable[[], bool] = lambda: False
    """Asked once per order picked, in order: whether `short_pick_nth` names that order."""
    pays: bool = False
    """`pays_invoices`: the customer pays a booked invoice at once."""


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
    @property
    def reject_when(self) -> Mapping[str, Mapping[str, Sequence[str]]]: ...
    @property
    def negative_ack_nth(self) -> Mapping[str, Sequence[int]]: ...
    @property
    def short_pick_nth(self) -> Sequence[int]: ...
    @property
    def pays_invoices(self) -> bool: ...


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
    reject_when: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)
    negative_ack_nth: Mapping[str, Sequence[int]] = field(default_factory=dict)
    short_pick_nth: Sequence[int] = field(default_factory=tuple)
    pays_invoices: bool = False


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
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if system not in EXTERNAL_SYSTEMS:
            raise ValueError(f"{system!r} is not an external system "
                             f"({', '.join(s.value for s in EXTERNAL_SYSTEMS)})")
        self._system = system
        self._operations = OPERATIONS[System(system)]
        self._settings: SimulationSettings = settings or SimulationProfile()
        _check_faults(system, self._operations, self._settings)
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
        refusal = _refusal(self._settings.reject_when, operation, payload)
        if refusal is not None:
            raise ConnectorRejected(self._system, operation, refusal, status=422)
        if self._reject_next or draw.rejects:
            reason = self._reject_next.pop(0) if self._reject_next else "business rule refused it"
            raise ConnectorRejected(self._system, operation, reason, status=422)

    def _apply(self, operation: str, payload: Payload, key: str) -> Payload:
        self._applied[key] = (operation, dict(payload))
        self._applied_by_operation[operation] += 1
        reply: dict[str, object] = {
            "system": self._system, "operation": operation,
            "ref": f"{self._system.upper()}-{len(self._applied):06d}", "duplicate": False,
            **_reply_extras(self._system, operation, key)}
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
                          picks_short=self._picks_short, pays=self._settings.pays_invoices)
        for event_type, data in reaction(applied):
            self._events.append(_envelope(self._system, event_type, occurred_at, data))

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


def _order_acknowledged(call: Applied) -> list[Event]:
    order_id = call.payload.get("order_id")
    if not isinstance(order_id, str):
        return []
    return [("order_acknowledged", {"order_id": order_id, "erp_ref": call.reply["ref"]})]


def _invoice_acknowledged(call: Applied) -> list[Event]:
    invoice_id, order_id = call.payload.get("invoice_id"), call.payload.get("order_id")
    if not (isinstance(invoice_id, str) and isinstance(order_id, str)):
        return []
    if call.negative:
        return [("invoice_rejected", {"invoice_id": invoice_id, "order_id": order_id,
                                      "reason": "the ERP refused the posting "
                                                "(simulated: negative_ack_nth)"})]
    posted: list[Event] = [("invoice_posted", {
        "invoice_id": invoice_id, "order_id": order_id, "erp_ref": call.reply["ref"],
        "total": call.payload.get("total")})]
    if call.pays:
        posted.append(("payment_received", {"invoice_id": invoice_id, "order_id": order_id,
                                             "amount": call.payload.get("total")}))
    return posted


def _picks_confirmed(call: Applied) -> list[Event]:
    """One confirmation per order of the wave, every line picked in full unless short."""
    site = call.payload.get("site")
    if not isinstance(site, str):
        return []
    return [("pick_confirmed", {"order_id": order["order_id"], "site": site,
                                "lines": _picked(_mappings(order.get("lines")),
                                                 short=call.picks_short())})
            for order in _mappings(call.payload.get("orders"))
            if isinstance(order.get("order_id"), str)]


def _picked(lines: list[Mapping[str, object]], short: bool) -> list[dict[str, object]]:
    """The lines as picked; a short pick finds one less of the first line."""
    picked = [{"line_no": line.get("line_no"), "quantity": _quantity(line),
               **_present(line, "lot", "expiry")} for line in lines]
    if short and picked:
        picked[0]["quantity"] = max(_quantity(picked[0]) - 1, 0)
    return picked


def _shipments_confirmed(call: Applied) -> list[Event]:
    """One shipment per site of the release, shipping what the release says that site picked."""
    order_id = call.payload.get("order_id")
    if not isinstance(order_id, str):
        return []
    ship_date = call.occurred_at.date().isoformat()
    return [("shipment_confirmed", {
        "order_id": order_id, "site": site["site"], "shipment_id": f"SHP-{site['site']}-{order_id}",
        "ship_date": ship_date,
        "lines": [{"line_no": line.get("line_no"), "quantity": _quantity(line),
                   **_present(line, "lot")} for line in _mappings(site.get("lines"))]})
        for site in _mappings(call.payload.get("sites")) if isinstance(site.get("site"), str)]


REACTIONS: Mapping[tuple[str, str], Callable[[Applied], list[Event]]] = {
    ("erp", "order_mirror"): _order_acknowledged,
    ("erp", "invoice_posting"): _invoice_acknowledged,
    ("wms", "wave_release"): _picks_confirmed,
    ("wms", "ship_release"): _shipments_confirmed,
}
"""Events a simulated system sends back after applying an operation (then taken by
`take_events`, with the configured duplicates and reordering)."""

NEGATIVE_ACKS: frozenset[tuple[str, str]] = frozenset({("erp", "invoice_posting")})
"""The (system, operation) pairs whose acknowledgement `negative_ack_nth` can turn negative."""


def _tracking_number(key: str) -> dict[str, object]:
    """UPS-like, derived from the idempotency key: the same tender always gets the same number,
    also after a restart, and different tenders different ones."""
    return {"tracking_number": "1Z" + hashlib.sha256(key.encode()).hexdigest()[:16].upper()}


REPLY_EXTRAS: Mapping[tuple[str, str], Callable[[str], dict[str, object]]] = {
    ("tms", "tender"): _tracking_number,
}
"""What a reply carries besides its ref, from the call's idempotency key."""


def _reply_extras(system: str, operation: str, key: str) -> dict[str, object]:
    extras = REPLY_EXTRAS.get((system, operation))
    return extras(key) if extras is not None else {}


def _refusal(rules: Mapping[str, Mapping[str, Sequence[str]]], operation: str,
             payload: Payload) -> str | None:
    """The reason `reject_when` refuses the call, or None; values are compared as text."""
    for name, values in rules.get(operation, {}).items():
        value = payload.get(name)
        if value is not None and str(value) in values:
            return f"refused by rule reject_when.{operation}.{name} ({name} = {value})"
    return None


def _check_faults(system: str, operations: Sequence[str], settings: SimulationSettings) -> None:
    where = f"connectors.{system}"
    for operation in settings.reject_when:
        if operation not in operations:
            raise ValueError(f"{where}.reject_when: {system} has no operation {operation!r} "
                             f"(its operations: {', '.join(operations)})")
    for operation in settings.negative_ack_nth:
        if (system, operation) not in NEGATIVE_ACKS:
            known = ", ".join(" ".join(pair) for pair in sorted(NEGATIVE_ACKS))
            raise ValueError(f"{where}.negative_ack_nth: {system} sends no negative "
                             f"acknowledgement of {operation!r} (only: {known})")
    if settings.short_pick_nth and system != System.WMS:
        raise ValueError(f"{where}.short_pick_nth: only the wms picks, {system} does not")
    if settings.pays_invoices and system != System.ERP:
        raise ValueError(f"{where}.pays_invoices: only the erp books payments, {system} does not")


def _mappings(value: object) -> list[Mapping[str, object]]:
    """The mappings of a list in a payload (anything else in it is skipped)."""
    items = value if isinstance(value, list | tuple) else []
    return [item for item in items if isinstance(item, Mapping)]


def _quantity(line: Mapping[str, object]) -> int:
    quantity = line.get("quantity")
    return quantity if isinstance(quantity, int) else 0


def _present(line: Mapping[str, object], *names: str) -> dict[str, object]:
    return {name: line[name] for name in names if line.get(name) is not None}


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
