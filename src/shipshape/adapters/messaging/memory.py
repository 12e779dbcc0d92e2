"""The in-process transport: the embedded default, with the semantics of the NATS one.

`MemoryBroker` holds the state (the log, the dedup window, the consumers); a `MemoryTransport`
is one client of it. Dropping or closing a transport leaves the broker as it was, so a new
transport on the same broker sees the unacked deliveries of the old one again, as a worker
restarted against JetStream would. One lock guards the broker; `fetch` waits on it.

Times (ack wait, backoff, dedup window) follow the broker's clock, injectable for tests; the
`timeout_s` of `fetch` is real time.

Retention is by interest, so that a long-running process does not keep every event it ever
relayed: a message is let go once some consumer took it and every consumer has acked it or
passed it by. A message no consumer's filter has matched yet is kept for a consumer to come.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shipshape.adapters.messaging import (
    TransportError,
    exhausted,
    nak_delay,
    subject_matches,
    valid_subject,
)
from shipshape.services.ports.messaging import ConsumerPolicy, Delivery, Message, TransportHealth

Clock = Callable[[], float]
TRIM_EVERY = 1024
"""Acks between two looks for messages every consumer is done with."""


@dataclass(slots=True)
class _Entry:
    seq: int
    attempt: int = 0
    due: float = 0.0
    """When it may be delivered (again): at once when new, else the ack deadline or nak delay."""
    in_flight: bool = False


@dataclass(slots=True)
class _Consumer:
    filters: tuple[str, ...]
    policy: ConsumerPolicy
    cursor: int = 0
    """How many log entries this consumer has looked at."""
    keys: dict[str, deque[_Entry]] = field(default_factory=dict)
    dead: list[Delivery] = field(default_factory=list)


class MemoryBroker:
    """The shared state of the in-process transport; thread-safe."""

    def __init__(self, subjects: Sequence[str] = ("shipshape.>",), dedup_window_s: float = 120.0,
                 clock: Clock = time.monotonic) -> None:
        self.subjects = tuple(subjects)
        self.dedup_window_s = dedup_window_s
        self.clock = clock
        self.changed = threading.Condition()
        self._log: dict[int, Message] = {}
        """The messages held, by sequence (from 1, in the order published)."""
        self._last = 0
        self._untaken: set[int] = set()
        """Messages no consumer's filter has matched yet: kept for a consumer to come."""
        self._acks = 0
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._consumers: dict[str, _Consumer] = {}

    def publish(self, message: Message) -> None:
        if not valid_subject(message.subject) or not any(
                subject_matches(pattern, message.subject) for pattern in self.subjects):
            raise TransportError(f"no stream takes subject {message.subject!r}")
        with self.changed:
            now = self.clock()
            while self._seen and next(iter(self._seen.values())) <= now - self.dedup_window_s:
                self._seen.popitem(last=False)
            if message.id in self._seen:
                return
            self._seen[message.id] = now
            self._last += 1
            self._log[self._last] = message
            self._untaken.add(self._last)
            self.changed.notify_all()

    def take(self, name: str, subjects: Sequence[str], batch: int,
             policy: ConsumerPolicy) -> list[Delivery]:
        """Up to `batch` deliveries due now; the caller holds `changed`."""
        consumer = self._consumer(name, subjects, policy)
        now = self.clock()
        out: list[Delivery] = []
        for key in self._heads_in_order(consumer):
            if len(out) >= batch:
                break
            delivery = self._next_of_key(name, consumer, key, now)
            if delivery is not None:
                out.append(delivery)
        return out

    def next_due_in(self, name: str) -> float | None:
        """Clock seconds until something of consumer `name` may become due; caller holds lock."""
        consumer = self._consumers.get(name)
        if consumer is None or not consumer.keys:
            return None
        return max(min(queue[0].due for queue in consumer.keys.values()) - self.clock(), 0.0)

    def ack(self, token: str) -> None:
        with self.changed:
            found = self._find(token)
            if found is not None:
                consumer, key, _ = found
                self._pop_head(consumer, key)
                self._acks += 1
                if self._acks % TRIM_EVERY == 0:
                    self._let_go()
                self.changed.notify_all()

    def nak(self, token: str, delay_s: float) -> None:
        with self.changed:
            found = self._find(token)
            if found is None:
                return
            consumer, key, entry = found
            if not entry.in_flight or entry.attempt != _attempt_of(token):
                return
            if exhausted(consumer.policy, entry.attempt):
                self._dead_letter(_name_of(token), consumer, key)
            else:
                entry.in_flight = False
                entry.due = self.clock() + nak_delay(consumer.policy, entry.attempt, delay_s)
            self.changed.notify_all()

    def dead_letters(self, name: str) -> list[Delivery]:
        with self.changed:
            consumer = self._consumers.get(name)
            return list(consumer.dead) if consumer is not None else []

    def message_count(self) -> int:
        """How many messages the broker holds: published (duplicates not counted) and not yet
        let go."""
        with self.changed:
            return len(self._log)

    def _let_go(self) -> None:
        """Drop what every consumer is done with; the caller holds the lock."""
        if not self._consumers:
            return
        done = min(self._done_up_to(consumer) for consumer in self._consumers.values())
        for seq in [seq for seq in itertools.takewhile(lambda seq: seq <= done, self._log)
                    if seq not in self._untaken]:
            del self._log[seq]

    @staticmethod
    def _done_up_to(consumer: _Consumer) -> int:
        """The last sequence up to which the consumer has nothing pending."""
        pending = [queue[0].seq for queue in consumer.keys.values()]
        return min(pending) - 1 if pending else consumer.cursor

    def _consumer(self, name: str, subjects: Sequence[str], policy: ConsumerPolicy) -> _Consumer:
        consumer = self._consumers.get(name)
        if consumer is None:
            consumer = self._consumers[name] = _Consumer(tuple(subjects), policy)
        consumer.filters, consumer.policy = tuple(subjects), policy
        for seq in range(consumer.cursor + 1, self._last + 1):
            message = self._log.get(seq)
            if message is not None and any(subject_matches(pattern, message.subject)
                                           for pattern in consumer.filters):
                consumer.keys.setdefault(message.key, deque()).append(_Entry(seq))
                self._untaken.discard(seq)
        consumer.cursor = self._last
        return consumer

    @staticmethod
    def _heads_in_order(consumer: _Consumer) -> list[str]:
        return sorted(consumer.keys, key=lambda key: consumer.keys[key][0].seq)

    def _next_of_key(self, name: str, consumer: _Consumer, key: str,
                     now: float) -> Delivery | None:
        """The delivery of the key's oldest message if it is due, dead-lettering spent ones."""
        while key in consumer.keys:
            entry = consumer.keys[key][0]
            if entry.due > now:
                return None
            if entry.attempt and exhausted(consumer.policy, entry.attempt):
                self._dead_letter(name, consumer, key)
                continue
            entry.attempt += 1
            entry.in_flight = True
            entry.due = now + consumer.policy.ack_wait_s
            return Delivery(self._log[entry.seq], entry.attempt,
                            f"{entry.seq}/{entry.attempt}/{name}")
        return None

    def _dead_letter(self, name: str, consumer: _Consumer, key: str) -> None:
        entry = self._pop_head(consumer, key)
        consumer.dead.append(Delivery(self._log[entry.seq], entry.attempt,
                                      f"{entry.seq}/{entry.attempt}/{name}"))

    @staticmethod
    def _pop_head(consumer: _Consumer, key: str) -> _Entry:
        queue = consumer.keys[key]
        entry = queue.popleft()
        if not queue:
            del consumer.keys[key]
        return entry

    def _find(self, token: str) -> tuple[_Consumer, str, _Entry] | None:
        """The consumer, key and entry a token names, if that message is still pending."""
        seq = int(token.split("/", 1)[0])
        consumer = self._consumers.get(_name_of(token))
        message = self._log.get(seq)
        if consumer is None or message is None:
            return None
        key = message.key
        queue = consumer.keys.get(key)
        if not queue or queue[0].seq != seq:
            return None
        return consumer, key, queue[0]


def _attempt_of(token: str) -> int:
    return int(token.split("/", 2)[1])


def _name_of(token: str) -> str:
    return token.split("/", 2)[2]


class MemoryTransport:
    """An in-process `Transport`: a client of a `MemoryBroker` (its own one by default)."""

    def __init__(self, broker: MemoryBroker | None = None) -> None:
        self.broker = broker if broker is not None else MemoryBroker()
        self._closed = False

    def publish(self, message: Message) -> None:
        self._check_open()
        self.broker.publish(message)

    def fetch(self, consumer: str, subjects: Sequence[str], batch: int, timeout_s: float,
              policy: ConsumerPolicy) -> list[Delivery]:
        self._check_open()
        if batch < 1 or not subjects:
            raise TransportError("fetch needs a batch of at least 1 and at least one subject")
        deadline = time.monotonic() + timeout_s
        with self.broker.changed:
            while True:
                deliveries = self.broker.take(consumer, subjects, batch, policy)
                remaining = deadline - time.monotonic()
                if deliveries or remaining <= 0 or self._closed:
                    return deliveries
                due_in = self.broker.next_due_in(consumer)
                wait = remaining if due_in is None else min(remaining, max(due_in, 0.001))
                self.broker.changed.wait(wait)

    def ack(self, delivery: Delivery) -> None:
        self._check_open()
        self.broker.ack(delivery.token)

    def nak(self, delivery: Delivery, delay_s: float = 0.0) -> None:
        self._check_open()
        self.broker.nak(delivery.token, delay_s)

    def dead_letters(self, consumer: str) -> list[Delivery]:
        self._check_open()
        return self.broker.dead_letters(consumer)

    def health(self) -> TransportHealth:
        if self._closed:
            return TransportHealth(False, "memory", "the transport is closed")
        return TransportHealth(True, "memory",
                               f"in-process; {self.broker.message_count()} messages")

    def close(self) -> None:
        with self.broker.changed:
            self._closed = True
            self.broker.changed.notify_all()

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError("the transport is closed")
