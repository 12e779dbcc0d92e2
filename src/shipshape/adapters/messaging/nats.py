"""The NATS JetStream transport, synchronous on the outside (nats-py runs in its own loop thread).

* One stream (file storage, limits retention, `max_age_s` default 14 days) over `subjects`;
  a message goes to its own subject (`event_subject`: one per event type and order) with
  `Nats-Msg-Id` = message id, so the stream's duplicate window deduplicates, and
  `Shipshape-Key` = its key. `publish` returns once the PubAck is in (a duplicate's too).
* A consumer is a durable pull consumer: explicit ack, `ack_wait`, `max_deliver`, and
  `max_ack_pending=1`, so that a message of a key is never overtaken by a later one of the same
  key, also across redeliveries. A larger `max_ack_pending` fetches more at once but gives up
  that ordering. The policy's backoff goes with each nak as its delay (`-NAK {"delay": ns}`,
  kept by the server); see the package docstring for why the consumer's BackOff is not set.
* Dead letters: the server publishes a MAX_DELIVERIES advisory when it gives up on a message;
  the stream `<stream>_DLQ` captures those advisories durably, and `dead_letters(consumer)`
  reads them back with the messages they name from the main stream.
* `require_sync=True` (production) refuses a server that does not sync every write; see
  `nats_support` for how that is detected.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shipshape.adapters.messaging import (
    ID_HEADER,
    KEY_HEADER,
    BrokerUnavailable,
    TransportError,
    exhausted,
    nak_delay,
)
from shipshape.adapters.messaging.nats_support import (
    LoopThread,
    default_monitor_urls,
    verify_synced,
)
from shipshape.services.ports.messaging import ConsumerPolicy, Delivery, Message, TransportHealth

T = TypeVar("T")
log = logging.getLogger(__name__)
ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
DEAD_LETTER = "dead-letter "
_UNAVAILABLE = (TimeoutError, OSError, nats.errors.NoServersError,
                nats.errors.ConnectionClosedError, nats.errors.NoRespondersError,
                nats.errors.TimeoutError, nats.errors.ConnectionReconnectingError)
_NAME_FORBIDDEN = frozenset(".*> \t\r\n/\\")


def _ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


def _check_name(kind: str, name: str) -> str:
    if not name or any(char in _NAME_FORBIDDEN for char in name):
        raise TransportError(f"invalid {kind} name {name!r}: no dots, wildcards or spaces")
    return name


class _ApiError(TransportError):
    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(f"JetStream: {error.get('description')} ({error.get('err_code')})")
        self.code = int(error.get("code") or 0)


class NatsTransport:
    """A `Transport` on NATS JetStream."""

    def __init__(self, url: str, stream: str = "SHIPSHAPE",
                 subjects: Sequence[str] = ("shipshape.>",), require_sync: bool = False, *,
                 monitor_urls: Sequence[str] | None = None, duplicate_window_s: float = 120.0,
                 max_age_s: float = 14 * 86400.0, max_ack_pending: int = 1,
                 request_timeout_s: float = 5.0, connect_timeout_s: float = 5.0) -> None:
        self.stream = _check_name("stream", stream)
        self.dlq_stream = f"{stream}_DLQ"
        self._subjects = list(subjects)
        self._retention = {"duplicate_window": _ns(duplicate_window_s), "max_age": _ns(max_age_s)}
        self._max_ack_pending = max_ack_pending
        self._timeout = request_timeout_s
        self._consumers: dict[str, dict[str, Any]] = {}
        self._subscriptions: dict[str, JetStreamContext.PullSubscription] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._runner = LoopThread(f"nats-{stream}")
        self._nc: Client | None = None
        try:
            self._nc = self._connect(url, connect_timeout_s)
            config = self._run(self._ensure_streams())
            if require_sync:
                urls = default_monitor_urls(url) if monitor_urls is None else list(monitor_urls)
                server_id = str(getattr(self._nc, "_server_info", {}).get("server_id", ""))
                verify_synced(config, urls, server_id, self._timeout)
        except BaseException:
            self.close()
            raise

    # -- the port -------------------------------------------------------------------------

    def publish(self, message: Message) -> None:
        self._run(self._publish(message))

    def fetch(self, consumer: str, subjects: Sequence[str], batch: int, timeout_s: float,
              policy: ConsumerPolicy) -> list[Delivery]:
        _check_name("consumer", consumer)
        if batch < 1 or not subjects:
            raise TransportError("fetch needs a batch of at least 1 and at least one subject")
        coro = self._fetch(consumer, list(subjects), batch, timeout_s, policy)
        return self._run(coro, timeout_s + 3 * self._timeout)

    def ack(self, delivery: Delivery) -> None:
        if not delivery.token.startswith(DEAD_LETTER):
            reply = delivery.token.split(" ", 1)[0]
            self._run(self._client().request(reply, b"+ACK", timeout=self._timeout))

    def nak(self, delivery: Delivery, delay_s: float = 0.0) -> None:
        if not delivery.token.startswith(DEAD_LETTER):
            self._run(self._nak(delivery, delay_s))

    def dead_letters(self, consumer: str) -> list[Delivery]:
        return self._run(self._dead_letters(_check_name("consumer", consumer)))

    def health(self) -> TransportHealth:
        """Connected, and the stream's info comes back within the request timeout."""
        nc = self._nc
        if nc is None or not nc.is_connected:
            return TransportHealth(False, "nats", "not connected")
        try:
            info = self._run(self._api(f"STREAM.INFO.{self.stream}"), self._timeout + 1.0)
        except Exception as error:  # health reports, never raises
            return TransportHealth(False, "nats", f"stream {self.stream}: {error}")
        version = getattr(nc, "_server_info", {}).get("version", "?")
        messages = int((info.get("state") or {}).get("messages", 0))
        return TransportHealth(True, "nats",
                               f"server {version}; stream {self.stream}: {messages} messages")

    def close(self) -> None:
        nc, self._nc = self._nc, None
        if nc is not None and not nc.is_closed:
            try:
                self._runner.run(nc.close(), self._timeout)
            except (*_UNAVAILABLE, RuntimeError) as error:
                log.warning("closing the NATS connection failed: %s", error)
        self._runner.stop()

    # -- plumbing -------------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T], timeout_s: float | None = None) -> T:
        try:
            return self._runner.run(coro, timeout_s or 3 * self._timeout)
        except nats.js.errors.NoStreamResponseError as error:
            raise TransportError(f"no JetStream stream takes that subject: {error}") from error
        except nats.js.errors.APIError as error:
            raise TransportError(f"JetStream refused: {error}") from error
        except _UNAVAILABLE as error:
            raise BrokerUnavailable(f"NATS did not answer in time: {error!r}") from error
        except RuntimeError as error:
            raise TransportError(f"the transport is closed: {error}") from error

    def _client(self) -> Client:
        if self._nc is None:
            raise TransportError("the transport is closed")
        return self._nc

    def _connect(self, url: str, timeout_s: float) -> Client:
        """Connect within `timeout_s` (retrying meanwhile); later losses reconnect forever."""
        async def on_error(error: Exception) -> None:
            log.warning("NATS: %s", error)

        servers = [part.strip() for part in url.split(",")]
        try:
            return self._runner.run(nats.connect(
                servers=servers, name="shipshape", connect_timeout=max(int(timeout_s), 1),
                reconnect_time_wait=0.5, max_reconnect_attempts=-1, error_cb=on_error),
                timeout_s)
        except (*_UNAVAILABLE, nats.errors.Error) as error:
            raise BrokerUnavailable(f"cannot reach NATS at {url} within {timeout_s} s") from error

    async def _api(self, subject: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        payload = b"" if body is None else json.dumps(body).encode()
        reply = await self._client().request(f"$JS.API.{subject}", payload, timeout=self._timeout)
        answer: dict[str, Any] = json.loads(reply.data)
        if "error" in answer:
            raise _ApiError(answer["error"])
        return answer

    async def _ensure_stream(self, name: str, subjects: list[str]) -> dict[str, Any]:
        wanted = {"name": name, "subjects": subjects, "storage": "file", "retention": "limits",
                  "discard": "old", "num_replicas": 1, **self._retention}
        try:
            config: dict[str, Any] = (await self._api(f"STREAM.INFO.{name}"))["config"]
        except _ApiError as error:
            if error.code != 404:
                raise
            return dict((await self._api(f"STREAM.CREATE.{name}", wanted))["config"])
        merged = {**config, **self._retention,
                  "subjects": sorted(set(config.get("subjects") or []) | set(subjects))}
        if merged != config:
            config = (await self._api(f"STREAM.UPDATE.{name}", merged))["config"]
        return config

    async def _ensure_streams(self) -> dict[str, Any]:
        await self._ensure_stream(self.dlq_stream, [f"{ADVISORY}.{self.stream}.*"])
        return await self._ensure_stream(self.stream, self._subjects)

    # -- publishing and consuming ---------------------------------------------------------

    async def _publish(self, message: Message) -> None:
        headers = {**message.headers, ID_HEADER: message.id, KEY_HEADER: message.key}
        await self._client().jetstream().publish(
            message.subject, message.payload, timeout=self._timeout, stream=self.stream,
            headers=headers)

    def _consumer_config(self, name: str, subjects: list[str],
                         policy: ConsumerPolicy) -> dict[str, Any]:
        config: dict[str, Any] = {
            "durable_name": name, "deliver_policy": "all", "ack_policy": "explicit",
            "replay_policy": "instant", "ack_wait": _ns(policy.ack_wait_s),
            "max_deliver": policy.max_deliver if policy.max_deliver > 0 else -1,
            "max_ack_pending": self._max_ack_pending}
        if len(subjects) == 1:
            config["filter_subject"] = subjects[0]
        elif (self._client().connected_server_version.major,
              self._client().connected_server_version.minor) >= (2, 10):
            config["filter_subjects"] = subjects
        else:
            raise TransportError("this NATS server (< 2.10) filters a consumer on one subject only")
        return config

    async def _subscription(self, name: str, subjects: list[str],
                            policy: ConsumerPolicy) -> JetStreamContext.PullSubscription:
        config = self._consumer_config(name, subjects, policy)
        if self._consumers.get(name) != config:
            await self._api(f"CONSUMER.DURABLE.CREATE.{self.stream}.{name}",
                            {"stream_name": self.stream, "config": config})
            self._consumers[name] = config
        if name not in self._subscriptions:
            self._subscriptions[name] = await self._client().jetstream().pull_subscribe_bind(
                durable=name, stream=self.stream)
        return self._subscriptions[name]

    async def _fetch(self, name: str, subjects: list[str], batch: int, timeout_s: float,
                     policy: ConsumerPolicy) -> list[Delivery]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            subscription = await self._subscription(name, subjects, policy)
            try:
                # More than max_ack_pending never comes at once: asking for more would only wait.
                size = min(batch, self._max_ack_pending) if self._max_ack_pending > 0 else batch
                messages = await subscription.fetch(size, timeout=max(timeout_s, 0.05))
            except nats.errors.TimeoutError:
                return []
        return [_delivery(message, policy) for message in messages]

    async def _nak(self, delivery: Delivery, delay_s: float) -> None:
        reply, backoff, last = delivery.token.split(" ")
        # A nak of the last delivery dead-letters at once, as the memory transport does.
        delay = 0.0 if last == "1" else delay_s if delay_s > 0 else float(backoff)
        payload = b"-NAK" if delay <= 0 else b"-NAK " + json.dumps({"delay": _ns(delay)}).encode()
        await self._client().publish(reply, payload)
        await self._client().flush(timeout=max(int(self._timeout), 1))

    async def _dead_letters(self, consumer: str) -> list[Delivery]:
        js = self._client().jetstream()
        subject, seq = f"{ADVISORY}.{self.stream}.{consumer}", 1
        out: list[Delivery] = []
        while True:
            try:
                advisory = await js.get_msg(self.dlq_stream, seq=seq, subject=subject, next=True)
            except nats.js.errors.NotFoundError:
                return out
            seq = (advisory.seq or seq) + 1
            report = json.loads(advisory.data or b"{}")
            try:
                original = await js.get_msg(self.stream, seq=int(report["stream_seq"]))
            except nats.js.errors.NotFoundError:
                log.warning("dead letter %s of %s is gone from the stream", report, consumer)
                continue
            message = _message(original.subject or "", original.headers, original.data,
                               f"{self.stream}:{original.seq}")
            out.append(Delivery(message, int(report.get("deliveries", 0)),
                                f"{DEAD_LETTER}{self.stream} {original.seq}"))


def _message(subject: str, headers: Mapping[str, str] | None, payload: bytes | None,
             fallback_id: str) -> Message:
    fields = dict(headers or {})
    message_id = fields.pop(ID_HEADER, "") or fallback_id
    key = fields.pop(KEY_HEADER, "")
    own = {name: value for name, value in fields.items() if not name.startswith("Nats-")}
    return Message(message_id, subject, key, payload or b"", own)


def _delivery(msg: Msg, policy: ConsumerPolicy) -> Delivery:
    metadata = msg.metadata
    message = _message(msg.subject, msg.headers, msg.data,
                       f"{metadata.stream}:{metadata.sequence.stream}")
    attempt = metadata.num_delivered or 1
    # The token carries the reply subject (what acks and naks go to), the backoff of a nak
    # without a delay and whether this was the last delivery, so that any transport on the
    # stream can ack or nak the delivery.
    last = int(exhausted(policy, attempt))
    return Delivery(message, attempt, f"{msg.reply} {nak_delay(policy, attempt)} {last}")
