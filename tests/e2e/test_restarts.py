"""The embedded default across restarts, from outside: `shipshape serve` with a slow ERP is
killed (SIGKILL) and stopped (SIGTERM) while orders are being mirrored, and restarted; every
order reaches the ERP exactly once afterwards, and while events wait `shipshape check` and
`/health` say so."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from shipshape.adapters.db import tables as t
from shipshape.domain.catalogue import SystemCalled
from shipshape.services.delivery.outbound import ERP_ORDER_MIRROR
from tests.worlds.served import SCRIPT, free_port, order, seed, wait_until_healthy

pytestmark = pytest.mark.slow
BATCH = 30
CONFIG = "simulation:\n  erp:\n    latency_ms: 150\n"
"""An ERP that takes 150 ms a call: mirroring a batch takes about a second per partition."""


@dataclass
class Store:
    directory: Path
    token: str = ""

    @property
    def url(self) -> str:
        return f"sqlite:///{self.directory / 'restarts.db'}"

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "SHIPSHAPE_DATABASE_URL": self.url,
                "SHIPSHAPE_CONFIG": str(self.directory / "shipshape.yaml"), **extra}

    def mirror_calls(self) -> Counter[str]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(select(t.order_events.c.order_id, t.order_events.c.payload)
                                    .where(t.order_events.c.type == SystemCalled.TYPE)).all()
        finally:
            engine.dispose()
        return Counter(order_id for order_id, payload in rows
                       if payload.get("operation") == "order_mirror")

    def mirrored(self) -> int:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(t.inbox).where(
                    t.inbox.c.consumer == ERP_ORDER_MIRROR)).scalar_one())
        finally:
            engine.dispose()

    def shipshape(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), *args], env=self.env(**extra), cwd=self.directory,
                              capture_output=True, text=True, timeout=120)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    (tmp_path / "shipshape.yaml").write_text(CONFIG, encoding="utf-8")
    made = Store(tmp_path)
    made.token = made.shipshape("tokens", "create", "--role", "admin",
                                "--name", "e2e").stdout.splitlines()[-1]
    return made


@contextmanager
def serving(store: Store, **extra: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    log = store.directory / f"server-{port}.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)],
                                  env=store.env(**extra), cwd=store.directory, stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, server, log)
        yield server, base_url
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=30)


def client(store: Store, base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=60,
                        headers={"Authorization": f"Bearer {store.token}"})


def place(store: Store, base_url: str, first: int) -> list[str]:
    with client(store, base_url) as http:
        answers = [http.post("/api/v1/orders", json=order(n))
                   for n in range(first, first + BATCH)]
    assert {a.status_code for a in answers} == {201}
    return [str(a.json()["order_id"]) for a in answers]


def wait_for(check: object, within_s: float = 60.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return bool(check())  # type: ignore[operator]


def interrupted(store: Store, first: int, stop: signal.Signals) -> list[str]:
    """Serve, place a batch, stop the server with `stop` while the ERP mirror is under way. A
    SIGKILL goes to the whole process group, the engine's process with the API's, as when the
    machine or its container dies: the engine has no half second to notice and finish what it
    holds (tests/e2e/test_engine_process.py kills the server alone: its engine stops too)."""
    with serving(store) as (server, base_url):
        if first == 0:
            with client(store, base_url) as http:
                seed_all(http)
        before = store.mirrored()
        ids = place(store, base_url, first)
        assert wait_for(lambda: store.mirrored() > before, 30)
        if stop == signal.SIGKILL:
            os.killpg(server.pid, stop)
        else:
            server.send_signal(stop)
        server.wait(timeout=60)
    # Orders of an earlier interrupted batch are mirrored too: the premise is that not every
    # order placed so far was, not that this batch's share stayed below BATCH.
    assert store.mirrored() < first + BATCH, "the ERP mirror finished before the stop"
    return ids


def seed_all(http: httpx.Client) -> None:
    seed(http)
    more = http.post("/api/v1/inventory/receipts", json={"site_id": "DAL", "sku": "SKU1",
                                                         "quantity": 1000})
    assert more.status_code == 201, more.text


def test_every_order_is_mirrored_once_across_a_kill_and_a_stop(store: Store) -> None:
    killed = interrupted(store, 0, signal.SIGKILL)

    waiting = store.shipshape("check", SHIPSHAPE_DELIVERY_MAX_LAG_S="0.5")
    assert waiting.returncode == 1, waiting.stdout
    # The kill leaves events either published and not yet applied by the ERP mirror, or not
    # yet published at all (the relay died first): the check must name whichever it is.
    unapplied = ERP_ORDER_MIRROR in waiting.stdout and "not applied" in waiting.stdout
    unpublished = re.search(r"waiting: [1-9]\d* events wait to be published", waiting.stdout)
    assert unapplied or unpublished, waiting.stdout

    stopped = interrupted(store, BATCH, signal.SIGTERM)
    with serving(store, SHIPSHAPE_DELIVERY_MAX_LAG_S="0.5") as (_, base_url):
        health = httpx.get(f"{base_url}/api/v1/health", timeout=10).json()
        assert health["delivery"]["unsent"] + sum(health["delivery"]["unapplied"].values()) > 0
        assert wait_for(lambda: store.mirrored() == 2 * BATCH, 90), store.mirrored()
        assert wait_for(lambda: httpx.get(f"{base_url}/api/v1/health", timeout=10)
                        .json()["delivery"]["ok"], 30)
    assert store.mirror_calls() == dict.fromkeys(killed + stopped, 1)
    clean = store.shipshape("check")
    assert clean.returncode == 0, clean.stdout
