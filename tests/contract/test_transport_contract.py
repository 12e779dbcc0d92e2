"""One contract for every message transport: the in-process one and NATS JetStream.

NATS runs against the shared server (SHIPSHAPE_TEST_NATS, default nats://127.0.0.1:4222), with a
stream and subjects of its own per test, deleted afterwards; it is skipped when that server is
unreachable, and fails instead under SHIPSHAPE_REQUIRE_SERVICES=1. Tests that stop or reconfigure
a broker start a private nats-server (tests/contract/natsserver.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shipshape.adapters.messaging import (
    BrokerUnavailable,
    TransportError,
    UnsafeBrokerConfig,
    event_subject,
)
from shipshape.adapters.messaging.memory import TRIM_EVERY, MemoryBroker, MemoryTransport
from shipshape.services.ports.messaging import ConsumerPolicy, Delivery, Message, Transport
from tests.contract.natsserver import (
    NatsServer,
    delete_streams,
    nats_server_binary_or_skip,
    server_version,
)
from tests.services import shared_nats_or_skip

QUICK = ConsumerPolicy(ack_wait_s=1.0, max_deliver=5, backoff_s=())
PATIENT = ConsumerPolicy(ack_wait_s=10.0, max_deliver=5, backoff_s=())


class Harness:
    """Opens transports on one broker (one stream) and closes them all afterwards."""

    def __init__(self, name: str, make: Callable[[], Transport], prefix: str) -> None:
        self.name, self._make, self.prefix = name, make, prefix
        self.subjects = [f"{prefix}.>"]
        self.opened: list[Transport] = []

    def open(self) -> Transport:
        transport = self._make()
        self.opened.append(transport)
        return transport

    def message(self, key: str, n: int, event: str = "OrderEvent", id: str | None = None
                ) -> Message:
        return Message(id or f"{key}-{n}-{uuid.uuid4().hex[:6]}",
                       event_subject(event, key, self.prefix), key,
                       f"{key}:{n}".encode(), {"Event-Type": event})

    def close(self) -> None:
        for transport in self.opened:
            transport.close()


@pytest.fixture(params=["memory", "nats"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    tag = uuid.uuid4().hex[:10]
    prefix = f"t{tag}"
    if request.param == "memory":
        broker = MemoryBroker(subjects=(f"{prefix}.>",))
        built = Harness("memory", lambda: MemoryTransport(broker), prefix)
        yield built
        built.close()
        return
    url = shared_nats_or_skip()
    from shipshape.adapters.messaging.nats import NatsTransport

    stream = f"SHIPSHAPE_T_{tag}"
    built = Harness("nats", lambda: NatsTransport(url, stream, (f"{prefix}.>",),
                                                  request_timeout_s=3.0), prefix)
    try:
        yield built
    finally:
        built.close()
        delete_streams(url, [stream, f"{stream}_DLQ"])


def drain(transport: Transport, consumer: str, subjects: list[str], policy: ConsumerPolicy,
          expected: int, within_s: float = 10.0) -> list[Delivery]:
    """Fetch and ack until `expected` deliveries came or `within_s` passed."""
    got: list[Delivery] = []
    deadline = time.monotonic() + within_s
    while len(got) < expected and time.monotonic() < deadline:
        for delivery in transport.fetch(consumer, subjects, 10, 0.5, policy):
            transport.ack(delivery)
            got.append(delivery)
    return got


def fetch_one(transport: Transport, h: Harness, policy: ConsumerPolicy, within_s: float = 5.0,
              consumer: str = "worker") -> Delivery:
    deliveries = transport.fetch(consumer, h.subjects, 1, within_s, policy)
    assert len(deliveries) == 1, f"nothing delivered within {within_s} s"
    return deliveries[0]


@pytest.fixture
def h(harness: Harness) -> Harness:
    return harness


# -- the contract ---------------------------------------------------------------------------


def test_every_published_message_is_delivered_and_acked_ones_stay_done(h: Harness) -> None:
    transport = h.open()
    sent = [h.message(key, n) for n in range(3) for key in ("A", "B")]
    for message in sent:
        transport.publish(message)

    got = drain(transport, "worker", h.subjects, PATIENT, len(sent))

    assert sorted(d.message.id for d in got) == sorted(m.id for m in sent)
    assert sorted((d.message for d in got), key=lambda m: m.id) == sorted(sent, key=lambda m: m.id)
    assert all(d.attempt == 1 for d in got)
    transport.ack(got[0])  # a second ack, or a late nak, changes nothing
    transport.nak(got[1])
    assert transport.fetch("worker", h.subjects, 10, 0.3, PATIENT) == []


def test_each_durable_consumer_gets_every_message_of_its_subjects(h: Harness) -> None:
    transport = h.open()
    shipped = [h.message("A", n, "OrderShipped") for n in range(2)]
    invoiced = [h.message("A", n, "OrderInvoiced") for n in range(2)]
    for message in [*shipped, *invoiced]:
        transport.publish(message)

    everything = drain(transport, "audit", h.subjects, PATIENT, 4)
    only_shipped = drain(transport, "carrier", [f"{h.prefix}.p0.OrderShipped.>"], PATIENT, 2)

    assert [d.message.id for d in everything] == [m.id for m in [*shipped, *invoiced]]
    assert [d.message.id for d in only_shipped] == [m.id for m in shipped]
    assert transport.fetch("carrier", [f"{h.prefix}.p0.OrderShipped.>"], 10, 0.3, PATIENT) == []


def test_the_same_id_published_twice_is_delivered_once(h: Harness) -> None:
    transport = h.open()
    first = h.message("A", 1, id="event-1")
    transport.publish(first)
    transport.publish(first)
    transport.publish(Message("event-1", first.subject, "A", b"changed"))
    transport.publish(h.message("A", 2, id="event-2"))

    got = drain(transport, "worker", h.subjects, PATIENT, 2)

    assert [d.message.id for d in got] == ["event-1", "event-2"]
    assert got[0].message.payload == first.payload
    assert transport.fetch("worker", h.subjects, 10, 0.3, PATIENT) == []


def test_order_is_kept_per_key_with_keys_interleaved(h: Harness) -> None:
    transport = h.open()
    keys = ["ORD-1", "ORD-2", "ORD.3 x"]
    for n in range(4):
        for key in keys:
            transport.publish(h.message(key, n))

    got = drain(transport, "worker", h.subjects, PATIENT, 12)

    assert len(got) == 12
    for key in keys:
        assert [d.message.payload for d in got if d.message.key == key] == [
            f"{key}:{n}".encode() for n in range(4)]


def test_a_later_message_of_a_key_waits_until_the_earlier_one_is_done(h: Harness) -> None:
    transport = h.open()
    transport.publish(h.message("A", 1))
    transport.publish(h.message("A", 2))

    first = fetch_one(transport, h, PATIENT)
    assert transport.fetch("worker", h.subjects, 10, 0.3, PATIENT) == []
    transport.nak(first, delay_s=0.2)
    again = fetch_one(transport, h, PATIENT)
    transport.ack(again)
    second = fetch_one(transport, h, PATIENT)

    assert (first.message.payload, first.attempt) == (b"A:1", 1)
    assert (again.message.payload, again.attempt) == (b"A:1", 2)
    assert (second.message.payload, second.attempt) == (b"A:2", 1)


def test_a_delivery_not_acked_is_redelivered_after_ack_wait(h: Harness) -> None:
    transport = h.open()
    transport.publish(h.message("A", 1))

    first = fetch_one(transport, h, QUICK)
    delivered_at = time.monotonic()
    assert transport.fetch("worker", h.subjects, 10, 0.4, QUICK) == []
    again = fetch_one(transport, h, QUICK, within_s=3.0)
    waited = time.monotonic() - delivered_at
    transport.ack(again)

    assert again.message == first.message
    assert (first.attempt, again.attempt) == (1, 2)
    assert 0.8 <= waited <= 2.5
    assert transport.fetch("worker", h.subjects, 10, 1.3, QUICK) == []


def test_a_crashed_consumer_gets_its_unacked_messages_again(h: Harness) -> None:
    crashed = h.open()
    sent = [h.message("A", n) for n in range(3)]
    for message in sent:
        crashed.publish(message)
    in_hand = crashed.fetch("worker", h.subjects, 10, 2.0, QUICK)
    assert in_hand
    crashed.close()  # neither ack nor nak: the worker is gone

    got = drain(h.open(), "worker", h.subjects, QUICK, len(sent))

    assert [d.message.id for d in got] == [m.id for m in sent]
    assert got[0].attempt == 2


def test_a_nak_redelivers_after_the_backoff_or_the_given_delay(h: Harness) -> None:
    transport = h.open()
    policy = ConsumerPolicy(ack_wait_s=10.0, max_deliver=5, backoff_s=(0.4, 0.9))
    transport.publish(h.message("A", 1))
    waits: list[float] = []

    delivery = fetch_one(transport, h, policy)
    for delay in (0.0, 0.0, 0.3):
        transport.nak(delivery, delay_s=delay)
        naked_at = time.monotonic()
        delivery = fetch_one(transport, h, policy, within_s=3.0)
        waits.append(time.monotonic() - naked_at)
    transport.ack(delivery)

    assert delivery.attempt == 4
    assert 0.3 <= waits[0] <= 0.9
    assert 0.8 <= waits[1] <= 1.5
    assert 0.2 <= waits[2] <= 0.8


def test_a_message_is_dead_lettered_after_max_deliver(h: Harness) -> None:
    transport = h.open()
    policy = ConsumerPolicy(ack_wait_s=1.0, max_deliver=2, backoff_s=())
    poison, after = h.message("A", 1), h.message("A", 2)
    transport.publish(poison)
    transport.publish(after)

    for attempt in (1, 2):  # nakked every time
        delivery = fetch_one(transport, h, policy, consumer="w")
        assert (delivery.message, delivery.attempt) == (poison, attempt)
        transport.nak(delivery)
    freed = fetch_one(transport, h, policy, consumer="w")  # the poison no longer blocks its key
    transport.ack(freed)
    timed_out = h.message("B", 1)
    transport.publish(timed_out)
    attempts = [fetch_one(transport, h, policy, consumer="w", within_s=3.0).attempt
                for _ in range(2)]  # never acked: times out twice
    assert transport.fetch("w", h.subjects, 10, 2.0, policy) == []

    dead = wait_for(lambda: transport.dead_letters("w"), 2)

    assert freed.message == after
    assert attempts == [1, 2]
    assert sorted((d.message.id, d.attempt) for d in dead) == sorted(
        [(poison.id, 2), (timed_out.id, 2)])
    assert sorted((d.message for d in dead), key=lambda m: m.id) == sorted(
        [poison, timed_out], key=lambda m: m.id)
    assert transport.dead_letters("someone-else") == []


def wait_for(read: Callable[[], list[Delivery]], count: int, within_s: float = 3.0
             ) -> list[Delivery]:
    """JetStream stores its advisories asynchronously: read until `count` are there."""
    deadline = time.monotonic() + within_s
    found = read()
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(0.05)
        found = read()
    return found


def test_a_subject_no_stream_takes_is_refused(h: Harness) -> None:
    with pytest.raises(TransportError):
        h.open().publish(Message("x", "elsewhere.Event.A", "A", b""))




# -- the in-process transport: what only it can show (a clock of its own) --------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def memory(clock: FakeClock) -> tuple[MemoryTransport, Callable[[str, int], Message]]:
    transport = MemoryTransport(MemoryBroker(dedup_window_s=60.0, clock=clock))

    def message(key: str, n: int) -> Message:
        return Message(f"{key}-{n}", event_subject("OrderEvent", key), key, f"{n}".encode())

    return transport, message


def test_memory_holds_back_only_the_key_in_flight() -> None:
    transport, message = memory(FakeClock())
    for m in (message("A", 1), message("A", 2), message("B", 1), message("B", 2)):
        transport.publish(m)

    first = transport.fetch("w", ["shipshape.>"], 10, 0, PATIENT)
    transport.ack(first[1])
    then = transport.fetch("w", ["shipshape.>"], 10, 0, PATIENT)

    assert [d.message.id for d in first] == ["A-1", "B-1"]
    assert [d.message.id for d in then] == ["B-2"]


def test_memory_redelivers_and_dead_letters_by_its_clock() -> None:
    clock = FakeClock()
    transport, message = memory(clock)
    policy = ConsumerPolicy(ack_wait_s=30.0, max_deliver=3, backoff_s=(5.0,))
    transport.publish(message("A", 1))
    attempts = []

    delivery = transport.fetch("w", ["shipshape.>"], 1, 0, policy)[0]
    attempts.append(delivery.attempt)
    clock.now += 29.9
    assert transport.fetch("w", ["shipshape.>"], 1, 0, policy) == []
    clock.now += 0.1
    delivery = transport.fetch("w", ["shipshape.>"], 1, 0, policy)[0]
    attempts.append(delivery.attempt)
    transport.nak(delivery)
    clock.now += 4.9
    assert transport.fetch("w", ["shipshape.>"], 1, 0, policy) == []
    clock.now += 0.1
    delivery = transport.fetch("w", ["shipshape.>"], 1, 0, policy)[0]
    attempts.append(delivery.attempt)
    clock.now += 30
    assert transport.fetch("w", ["shipshape.>"], 1, 0, policy) == []

    assert attempts == [1, 2, 3]
    assert [(d.message.id, d.attempt) for d in transport.dead_letters("w")] == [("A-1", 3)]
    transport.ack(delivery)  # too late: nothing changes
    assert len(transport.dead_letters("w")) == 1


def test_memory_forgets_ids_after_the_dedup_window() -> None:
    clock = FakeClock()
    transport, message = memory(clock)
    transport.publish(message("A", 1))
    clock.now += 59
    transport.publish(message("A", 1))
    clock.now += 2
    transport.publish(message("A", 1))

    got = drain(transport, "w", ["shipshape.>"], PATIENT, 3, within_s=0.5)

    assert [d.message.id for d in got] == ["A-1", "A-1"]


def test_memory_is_safe_with_threads() -> None:
    import threading

    transport, message = memory(FakeClock())
    received: list[str] = []
    lock = threading.Lock()

    def produce(key: str) -> None:
        for n in range(200):
            transport.publish(message(key, n))

    def consume() -> None:
        for delivery in drain(transport, "w", ["shipshape.>"], PATIENT, 400, within_s=1.0):
            with lock:
                received.append(delivery.message.id)

    workers = [threading.Thread(target=produce, args=(key,)) for key in ("A", "B")]
    workers += [threading.Thread(target=consume) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)

    assert sorted(received) == sorted(f"{k}-{n}" for k in ("A", "B") for n in range(200))


def test_memory_lets_go_of_what_every_consumer_is_done_with() -> None:
    transport, message = memory(FakeClock())
    orders = ["shipshape.p0.OrderEvent.>"]
    count = 3 * TRIM_EVERY
    for n in range(count):
        transport.publish(message(f"K{n % 50}", n))
        if n == 10:
            transport.publish(Message("late-1", event_subject("LateEvent", "K7"), "K7", b""))
    slow = transport.fetch("slow", orders, 1, 0, PATIENT)
    held = transport.broker.message_count()

    assert len(drain(transport, "w", orders, PATIENT, count, within_s=10.0)) == count
    transport.ack(slow[0])
    after_one_is_done = transport.broker.message_count()
    rest = drain(transport, "slow", orders, PATIENT, count - 1, within_s=10.0)
    late = transport.fetch("latecomer", ["shipshape.p0.LateEvent.>"], 10, 0, PATIENT)

    assert held == count + 1
    assert after_one_is_done == count + 1  # "slow" has taken one of them only
    assert [d.message.id for d in rest] == [f"K{n % 50}-{n}" for n in range(1, count)]
    assert transport.broker.message_count() < TRIM_EVERY + 1
    assert [d.message.id for d in late] == ["late-1"]


def test_memory_refuses_calls_once_closed() -> None:
    transport, message = memory(FakeClock())
    transport.close()
    with pytest.raises(TransportError):
        transport.publish(message("A", 1))


# -- NATS only: a private server to stop, kill and reconfigure -------------------------------


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., NatsServer]]:
    binary = nats_server_binary_or_skip()
    started: list[NatsServer] = []

    def start(sync_always: bool | None = True, min_version: tuple[int, int] = (2, 10)
              ) -> NatsServer:
        """A server syncing every write (`None`: when the binary can), or not."""
        assert binary is not None
        supported = server_version(binary) >= min_version
        if sync_always and not supported:
            pytest.skip(f"{binary} is older than {min_version}: it lacks what this test needs")
        sync_always = supported if sync_always is None else sync_always
        server = NatsServer(binary, tmp_path / f"js{len(started)}", sync_always=sync_always)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def nats_transport(url: str, **options: object) -> Transport:
    from shipshape.adapters.messaging.nats import NatsTransport

    return NatsTransport(url, request_timeout_s=3.0, connect_timeout_s=2.0, **options)  # type: ignore[arg-type]


def test_a_killed_server_loses_nothing_it_acknowledged(servers: Callable[..., NatsServer]
                                                       ) -> None:
    server = servers(sync_always=None)
    publisher = nats_transport(server.url)
    sent = [Message(f"e-{n}", event_subject("OrderEvent", f"O{n % 3}"), f"O{n % 3}", b"x")
            for n in range(20)]
    try:
        for message in sent:
            publisher.publish(message)
        server.stop(kill=True)
        server.start()
        publisher.publish(Message("e-after", event_subject("OrderEvent", "O1"), "O1", b"y"))
    finally:
        publisher.close()

    consumer = nats_transport(server.url)
    try:
        got = drain(consumer, "worker", ["shipshape.>"], PATIENT, 21)
    finally:
        consumer.close()

    assert [d.message.id for d in got] == [m.id for m in sent] + ["e-after"]


def test_production_refuses_a_server_that_does_not_sync_every_write(
        servers: Callable[..., NatsServer]) -> None:
    server = servers(sync_always=False)

    with pytest.raises(UnsafeBrokerConfig, match="sync_interval: always"):
        nats_transport(server.url, require_sync=True, monitor_urls=[server.monitor_url])
    nats_transport(server.url, monitor_urls=[server.monitor_url]).close()  # fine outside prod


def test_production_starts_on_a_server_that_syncs_every_write(
        servers: Callable[..., NatsServer]) -> None:
    server = servers(sync_always=True)

    transport = nats_transport(server.url, require_sync=True, monitor_urls=[server.monitor_url])
    transport.publish(Message("e-1", event_subject("OrderEvent", "O1"), "O1", b"x"))
    transport.close()


def test_production_refuses_when_it_cannot_see_the_setting(
        servers: Callable[..., NatsServer]) -> None:
    from tests.contract.natsserver import free_port

    server = servers(sync_always=True)
    other = servers(sync_always=True)

    with pytest.raises(UnsafeBrokerConfig, match="unreachable"):
        nats_transport(server.url, require_sync=True,
                       monitor_urls=[f"http://127.0.0.1:{free_port()}"])
    with pytest.raises(UnsafeBrokerConfig, match="connected server"):
        nats_transport(server.url, require_sync=True, monitor_urls=[other.monitor_url])
    with pytest.raises(UnsafeBrokerConfig, match="no monitor URL"):
        nats_transport(server.url, require_sync=True, monitor_urls=[])


def test_the_monitor_urls_default_to_port_8222_of_each_broker_host() -> None:
    from shipshape.adapters.messaging.nats_support import default_monitor_urls

    assert default_monitor_urls("nats://a.example:4222, nats://user:pw@b.example:4223") == [
        "http://a.example:8222", "http://b.example:8222"]


@pytest.mark.parametrize(("stream_config", "problem", "since"), [
    ({"storage": "memory"}, "stored in memory", (2, 10)),
    ({"storage": "file", "persist_mode": "async"}, "persist_mode 'async'", (2, 12)),
])
def test_production_refuses_a_stream_that_is_not_synced(
        servers: Callable[..., NatsServer], stream_config: dict[str, str], problem: str,
        since: tuple[int, int]) -> None:
    import asyncio
    import json

    import nats

    server = servers(sync_always=True, min_version=since)

    async def create() -> None:
        nc = await nats.connect(server.url, connect_timeout=2)
        config = {"name": "SHIPSHAPE", "subjects": ["shipshape.>"], **stream_config}
        await nc.request("$JS.API.STREAM.CREATE.SHIPSHAPE", json.dumps(config).encode(), 3)
        await nc.close()

    asyncio.run(asyncio.wait_for(create(), 10))
    with pytest.raises(UnsafeBrokerConfig, match=problem):
        nats_transport(server.url, require_sync=True, monitor_urls=[server.monitor_url])


def test_an_unreachable_broker_is_reported_as_such() -> None:
    from tests.contract.natsserver import free_port

    started = time.monotonic()
    with pytest.raises(BrokerUnavailable):
        nats_transport(f"nats://127.0.0.1:{free_port()}")
    assert time.monotonic() - started < 10


def test_health_reports_a_broker_that_answers_and_a_closed_transport(h: Harness) -> None:
    transport = h.open()
    transport.publish(h.message("A", 1))

    up = transport.health()
    transport.close()
    closed = transport.health()

    assert (up.ok, up.kind) == (True, h.name)
    assert "1 messages" in up.detail
    assert (closed.ok, closed.kind) == (False, h.name)
