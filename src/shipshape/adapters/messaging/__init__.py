"""Message transports behind the `shipshape.services.ports.messaging.Transport` port.

Two transports pass one contract suite (`tests/contract/test_transport_contract.py`):
`memory.MemoryTransport` (in-process, the embedded default) and `nats.NatsTransport`
(NATS JetStream, chosen by `SHIPSHAPE_BROKER_URL=nats://...`).

The semantics both give, for one durable consumer:

* **At least once.** A delivery counts as done only when acked. A delivery that is neither acked
  nor nakked within `ack_wait_s` is redelivered then. A nak redelivers it after `delay_s`, or,
  when no delay is given, after `backoff_s[attempt - 1]` (`nak_delay`; values past the end
  repeat the last one; no backoff means at once). Backoff applies to naks only: JetStream's
  consumer BackOff is not used, because with it the server shifts every nak delay after the
  first delivery by `BackOff[n-1] - BackOff[0]` (seen on nats-server 2.9.10 and 2.15.1), so a
  requested delay could not be honoured.
* **Dedup.** A message id seen within the dedup window (default 120 s, JetStream's
  `duplicate_window`) is accepted and ignored.
* **Per-key order.** While a message of a key is delivered and not yet acked (in flight, or
  waiting for its redelivery after a nak or a timeout), no later message of that key is
  delivered. The memory transport holds back only that key; the NATS transport holds back the
  whole consumer (JetStream `max_ack_pending=1`), since JetStream has no per-key flow control.
* **Dead letters.** A message whose `max_deliver`-th delivery fails (times out or is nakked) is
  no longer delivered; it is listed by `dead_letters(consumer)` and stops blocking its key.
  `max_deliver <= 0` means no limit.
"""

from __future__ import annotations

import zlib

from shipshape.domain.errors import ShipshapeError
from shipshape.services.ports.messaging import ConsumerPolicy

KEY_HEADER = "Shipshape-Key"
ID_HEADER = "Nats-Msg-Id"
_ESCAPED = frozenset(". *>%\t\r\n")
_ESCAPES = str.maketrans({char: f"%{ord(char):02X}" for char in _ESCAPED})


class TransportError(ShipshapeError):
    """The broker refused a request or answered with an error."""


class BrokerUnavailable(TransportError):
    """The broker could not be reached in time; the call may be retried."""


class UnsafeBrokerConfig(TransportError):
    """The broker is not configured to keep what it acknowledged (refused at start)."""


def subject_token(value: str) -> str:
    """`value` as one subject token: `.`, `*`, `>`, `%` and whitespace become `%XX`."""
    if not value:
        return "_"
    return value.translate(_ESCAPES)


def partition_of(key: str, partitions: int) -> int:
    """The partition of a key: the same in every process (CRC-32, not Python's `hash`)."""
    return zlib.crc32(key.encode()) % max(partitions, 1)


def partition_subject(prefix: str, partition: int) -> str:
    """The filter of one partition's consumer: every event of the keys in that partition."""
    return f"{prefix}.p{partition}.>"


def event_subject(event_type: str, key: str, prefix: str = "shipshape",
                  partitions: int = 1) -> str:
    """The subject of one event, `prefix.pN.type.key`: a subject per event type and order, under
    the partition of its key, so that a consumer per partition sees all events of its orders."""
    partition = partition_of(key, partitions)
    return f"{prefix}.p{partition}.{subject_token(event_type)}.{subject_token(key)}"


def _step(values: tuple[float, ...], attempt: int) -> float:
    if not values:
        return 0.0
    return values[min(max(attempt, 1), len(values)) - 1]


def nak_delay(policy: ConsumerPolicy, attempt: int, delay_s: float = 0.0) -> float:
    """Seconds before a nakked delivery comes again: `delay_s`, else the policy's backoff."""
    return delay_s if delay_s > 0 else _step(tuple(policy.backoff_s), attempt)


def exhausted(policy: ConsumerPolicy, attempt: int) -> bool:
    """Whether delivery number `attempt` was the last one allowed."""
    return policy.max_deliver > 0 and attempt >= policy.max_deliver


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` matches one token, a final `>` one or more."""
    if "*" not in pattern:
        if pattern == ">" or pattern.endswith(".>"):
            stem = pattern[:-1]
            return subject.startswith(stem) and len(subject) > len(stem)
        return pattern == subject
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or token not in ("*", tokens[index]):
            return False
    return len(tokens) == len(wanted)


def valid_subject(subject: str) -> bool:
    tokens = subject.split(".")
    return all(tokens) and not any(char in "*> \t\r\n" for char in subject)
