"""What the fault tests share (no tests of its own).

* `private_nats`: a nats-server of the test's own (tests/contract/natsserver.py), on free ports,
  restartable on the same ports and store; skipped without a binary (failing under
  SHIPSHAPE_REQUIRE_SERVICES=1).
* `Stack`: a migrated PostgreSQL schema (from the `database_url` fixture), that broker, and a
  webhook ERP (tests/contract/webhook_peer.py) that applies each webhook-id once and records
  every delivery; `env()` is the environment of the console scripts (`shipshape relay`,
  `shipshape worker`) run against it.
* `Proc`: one console-script subprocess with its own log file.
* `feed`: sample orders through the intake service, in chunks.
* `audit`: what the store says was applied, to compare with what the ERP received.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.systems.signing import new_secret
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.domain.catalogue import OrderAccepted, OrderHeld, SystemCalled
from shipshape.domain.errors import Conflict
from shipshape.services import intake
from shipshape.services.delivery.outbound import ERP_ORDER_MIRROR
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem
from tests.contract.natsserver import NatsServer, nats_server_binary_or_skip
from tests.contract.webhook_peer import WebhookPeer

SCRIPT = Path(sys.executable).parent / "shipshape"
PARTITIONS = 4
ACK_WAIT_S = 2.0
"""A killed worker's unacked delivery comes again after this."""
STOP_TIMEOUT_S = 30.0
STREAM, PREFIX = "FAULTS", "faults"
WAITING_OR_DONE = frozenset({"accepted", "held"})
"""Where intake leaves an order (domain/orders.py); a duplicate or replay creates none."""


@contextmanager
def private_nats(directory: Path) -> Iterator[NatsServer]:
    binary = nats_server_binary_or_skip()
    server = NatsServer(binary, directory / "js", sync_always=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Stack:
    database_url: str
    nats: NatsServer
    peer: WebhookPeer
    secret: str
    container: Container
    workdir: Path
    stream: str = STREAM
    prefix: str = PREFIX

    def env(self) -> dict[str, str]:
        """The console scripts' environment: only our SHIPSHAPE_ settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPSHAPE_")}
        env.update({
            "SHIPSHAPE_DATABASE_URL": self.database_url, "SHIPSHAPE_ENV": "test",
            "SHIPSHAPE_BROKER_URL": self.nats.url, "SHIPSHAPE_BROKER_STREAM": self.stream,
            "SHIPSHAPE_BROKER_SUBJECT_PREFIX": self.prefix,
            "SHIPSHAPE_BROKER_PARTITIONS": str(PARTITIONS),
            "SHIPSHAPE_WORKER_ACK_WAIT_S": str(ACK_WAIT_S), "SHIPSHAPE_RELAY_INTERVAL_S": "0.1",
            "SHIPSHAPE_CONNECTORS__ERP__KIND": "webhook",
            "SHIPSHAPE_CONNECTORS__ERP__URL": self.peer.url,
            "SHIPSHAPE_CONNECTORS__ERP__SECRET": self.secret,
            "SHIPSHAPE_CONNECTORS__ERP__TIMEOUT_S": "5",
            "SHIPSHAPE_CONNECTORS__ERP__MAX_ATTEMPTS": "4",
        })
        return env

    def proc(self, name: str, *args: str) -> Proc:
        return Proc(name, [str(SCRIPT), *args], self.env(), self.workdir)


@contextmanager
def stack(database_url: str, nats: NatsServer, workdir: Path,
          erp_latency_ms: float = 0.0) -> Iterator[Stack]:
    """A migrated store on `nats`, with a webhook ERP in this process."""
    secret = new_secret()
    peer = WebhookPeer(SimulatedSystem("erp", SimulationSettings(latency_ms=erp_latency_ms)),
                       [secret])
    built: Container | None = None
    try:
        built = build(Settings(database_url=database_url, env="test", broker_url=nats.url,
                               broker_stream=STREAM, broker_subject_prefix=PREFIX),
                      migrate=True)
        yield Stack(database_url, nats, peer, secret, built, workdir)
    finally:
        if built is not None:
            built.close()
        peer.close()


class Proc:
    """A console-script subprocess; each start has its own log file `<workdir>/<name>.log`."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str],
                 workdir: Path) -> None:
        self.name = name
        self.log = workdir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(argv, env=env, cwd=workdir, stdout=out,
                                            stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, within_s: float = 30.0) -> None:
        deadline = time.monotonic() + within_s
        while text not in self.output():
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.process.returncode}:\n"
                            + self.output()[-3000:])
            if time.monotonic() > deadline:
                pytest.fail(f"{self.name} did not print {text!r} within {within_s} s:\n"
                            + self.output()[-3000:])
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing finishes."""
        self.process.kill()
        self.process.wait(STOP_TIMEOUT_S)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it does not end in time; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)
        return self.process.returncode


def feed(container: Container, orders: Iterable[dict[str, object]], chunk: int = 25,
         pause_s: float = 0.0) -> Counter[str]:
    """Submit `orders` (canonical JSON, as `sample_day` makes them) in transactions of
    `chunk`; the outcomes counted (accepted, held, duplicate, replayed, rejected)."""
    tally: Counter[str] = Counter()
    batch: list[intake.SubmitOrder] = []

    def submit() -> None:
        for result in intake.submit_orders(container.deps, batch):
            if isinstance(result, Conflict):
                tally["rejected"] += 1
            else:
                tally["replayed" if result.replayed else result.status] += 1
        batch.clear()
        time.sleep(pause_s)

    for raw in orders:
        body = {k: v for k, v in raw.items() if k != "idempotency_key"}
        key = raw.get("idempotency_key")
        batch.append(intake.SubmitOrder(OrderIn.model_validate(body).to_domain(),
                                        str(key) if key else None))
        if len(batch) == chunk:
            submit()
    if batch:
        submit()
    return tally


@dataclass
class Audit:
    """What the store holds about the ERP order mirror, read after the fact."""

    mirrored: dict[str, str]
    """Event id -> order id of every OrderAccepted and OrderHeld: what must reach the ERP."""
    inbox: Counter[str]
    """Event id -> inbox rows of the erp-order-mirror consumer."""
    system_called: Counter[str]
    """Source event id -> SystemCalled events recorded for it."""
    duplicate_replies: int
    """SystemCalled events whose ERP reply says the call had been applied before."""
    unsent: int
    outbox_rows: int
    statuses: Counter[str]
    dead_letters: list[str] = field(default_factory=list)

    def complete(self) -> bool:
        """Every mirrored event has its inbox row and the outbox is empty."""
        return self.unsent == 0 and all(self.inbox[e] for e in self.mirrored)

    def problems(self, erp_applied: set[str]) -> list[str]:
        """Each way the store and the ERP disagree with "every event applied exactly once"."""
        wanted = set(self.mirrored)
        found: list[str] = []

        def check(what: str, ids: Iterable[str]) -> None:
            listed = sorted(ids)
            if listed:
                found.append(f"{what} ({len(listed)}): {listed[:20]}")

        check("no inbox row", (e for e in wanted if not self.inbox[e]))
        check("several inbox rows", (e for e in wanted if self.inbox[e] > 1))
        check("no SystemCalled", (e for e in wanted if not self.system_called[e]))
        check("several SystemCalled", (e for e, n in self.system_called.items() if n > 1))
        check("SystemCalled for an event that is no OrderAccepted/Held",
              set(self.system_called) - wanted)
        check("lost at the ERP (never applied there)", wanted - erp_applied)
        check("applied at the ERP but no such event", erp_applied - wanted)
        check("dead letters", self.dead_letters)
        check("orders neither accepted nor held",
              (s for s in self.statuses if s not in WAITING_OR_DONE))
        if self.unsent:
            found.append(f"{self.unsent} outbox rows unsent")
        return found


def audit(container: Container) -> Audit:
    with container.engine.connect() as conn:
        mirrored = dict(conn.execute(
            select(t.order_events.c.event_id, t.order_events.c.order_id)
            .where(t.order_events.c.type.in_([OrderAccepted.TYPE, OrderHeld.TYPE]))).all())
        inbox = Counter(conn.execute(select(t.inbox.c.event_id).where(
            t.inbox.c.consumer == ERP_ORDER_MIRROR)).scalars())
        calls = list(conn.execute(select(t.order_events.c.payload).where(
            t.order_events.c.type == SystemCalled.TYPE)).scalars())
        unsent = conn.execute(select(func.count()).select_from(t.outbox).where(
            t.outbox.c.published_at.is_(None))).scalar_one()
        rows = conn.execute(select(func.count()).select_from(t.outbox)).scalar_one()
        statuses = Counter(dict(conn.execute(
            select(t.orders.c.status, func.count()).group_by(t.orders.c.status)).all()))
        letters = list(conn.execute(select(t.dead_letters.c.event_id)).scalars())
    return Audit(mirrored, inbox, Counter(str(c["source_event"]) for c in calls),
                 sum(1 for c in calls if (c.get("reply") or {}).get("duplicate")),
                 int(unsent), int(rows), statuses, letters)


def wait_until(check: Callable[[], bool], within_s: float, every_s: float = 0.25) -> bool:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(every_s)
    return True


def redelivered_at_erp(peer: WebhookPeer) -> int:
    """Calls the ERP received for a webhook-id it had received before."""
    return len(peer.delivered) - len(set(peer.delivered))


def stream_message_ids(url: str, stream: str, subjects: str) -> list[str]:
    """The `Nats-Msg-Id` of every message in `stream` (one per message, copies included)."""
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    async def read() -> list[str]:
        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0,
                                allow_reconnect=False)
        try:
            js = nc.jetstream()
            expected = (await js.stream_info(stream)).state.messages
            sub = await js.pull_subscribe(subjects, stream=stream, config=ConsumerConfig(
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL, inactive_threshold=30.0))
            ids: list[str] = []
            while len(ids) < expected:
                for message in await sub.fetch(500, timeout=5):
                    ids.append((message.headers or {}).get("Nats-Msg-Id", ""))
            await sub.unsubscribe()
            return ids
        finally:
            await nc.close()

    return asyncio.run(asyncio.wait_for(read(), 60))


def broker_redeliveries(url: str, stream: str, consumers: Sequence[str]) -> int:
    """Deliveries the broker made beyond the first of each message: the consumers' delivery
    sequences summed, less the messages they have delivered (each message of the stream
    matches one partition's consumer; `num_pending` have not been delivered yet)."""
    import nats

    async def read() -> int:
        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0,
                                allow_reconnect=False)
        try:
            js = nc.jetstream()
            messages = (await js.stream_info(stream)).state.messages
            deliveries = 0
            for name in consumers:
                info = await js.consumer_info(stream, name)
                deliveries += info.delivered.consumer_seq if info.delivered else 0
                messages -= info.num_pending or 0
            return int(deliveries - messages)
        finally:
            await nc.close()

    return asyncio.run(asyncio.wait_for(read(), 30))
