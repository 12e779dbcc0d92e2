"""The message transport port: at-least-once delivery, deduplicated by message id.

The outbox and inbox tables are the truth; a transport only carries messages between them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Message:
    """`id` deduplicates (JetStream's Nats-Msg-Id); `key` orders (one order's events in turn)."""

    id: str
    subject: str
    key: str
    payload: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


EVENT_TYPE_HEADER = "Event-Type"
"""The header naming the event type of a message the relay published."""


def event_type_of(message: Message) -> str:
    return message.headers.get(EVENT_TYPE_HEADER, "")


def body_of(message: Message) -> dict[str, object]:
    """The event's JSON body; {} when it is not an object."""
    body = json.loads(message.payload or b"{}")
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True, slots=True)
class Delivery:
    message: Message
    attempt: int
    token: str
    """Opaque handle the transport needs to ack, nak or dead-letter this delivery."""


@dataclass(frozen=True, slots=True)
class ConsumerPolicy:
    ack_wait_s: float = 30.0
    max_deliver: int = 5
    backoff_s: tuple[float, ...] = (1.0, 5.0, 30.0)


@dataclass(frozen=True, slots=True)
class TransportHealth:
    """What `Transport.health` found: `kind` names the transport (memory, nats)."""

    ok: bool
    kind: str
    detail: str = ""


class Transport(Protocol):
    def publish(self, message: Message) -> None:
        """Returns once the broker holds the message; a repeated id is accepted and ignored."""
        ...

    def fetch(self, consumer: str, subjects: Sequence[str], batch: int, timeout_s: float,
              policy: ConsumerPolicy) -> list[Delivery]:
        """Up to `batch` deliveries for a durable consumer; an empty list on timeout."""
        ...

    def ack(self, delivery: Delivery) -> None: ...

    def nak(self, delivery: Delivery, delay_s: float = 0.0) -> None: ...

    def dead_letters(self, consumer: str) -> list[Delivery]:
        """Deliveries that reached `max_deliver` without an ack."""
        ...

    def health(self) -> TransportHealth:
        """Whether the broker answers now, within the transport's request timeout; never
        raises."""
        ...

    def close(self) -> None: ...
