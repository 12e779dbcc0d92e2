"""`shipshape relay`, the embedded relay thread, and the transport the settings choose."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipshape.adapters.db.outbox_store import outbox_lag
from shipshape.adapters.messaging import UnsafeBrokerConfig
from shipshape.adapters.messaging.memory import MemoryTransport
from shipshape.bootstrap import build, make_transport, start_relay_thread
from shipshape.cli import app
from shipshape.config import SYSTEMS, ConnectorSettings, Settings
from tests.builders import seed_distributor
from tests.conftest import BACKENDS
from tests.contract.natsserver import delete_streams, free_port
from tests.services import shared_nats_or_skip
from tests.worlds.relay import consume_until, counting, outbox_rows, submit, wired

SCRIPT = Path(sys.executable).parent / "shipshape"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'relay.db'}"


def with_orders(url: str, n: int) -> int:
    """A store with `n` accepted orders; how many outbox rows they wrote."""
    with wired(url, "memory") as w:
        seed_distributor(w.container)
        for i in range(n):
            submit(w, i)
        return outbox_lag(w.container.engine).unsent


def test_relay_refuses_to_run_without_a_broker_and_publishes_nothing(url: str) -> None:
    """In embedded mode `serve` relays; a relay of its own would publish into nothing."""
    rows = with_orders(url, 1)
    result = CliRunner().invoke(app, ["relay", "--once"], env={"SHIPSHAPE_DATABASE_URL": url})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "needs SHIPSHAPE_BROKER_URL" in result.output
    assert outbox_lag(build(Settings(database_url=url)).engine).unsent == rows


@pytest.fixture
def nats_env(url: str) -> Iterator[dict[str, str]]:
    broker = shared_nats_or_skip()
    tag = uuid.uuid4().hex[:10]
    try:
        yield {"SHIPSHAPE_DATABASE_URL": url, "SHIPSHAPE_BROKER_URL": broker,
               "SHIPSHAPE_BROKER_STREAM": f"SHIPSHAPE_T_{tag}",
               "SHIPSHAPE_BROKER_SUBJECT_PREFIX": f"t{tag}"}
    finally:
        delete_streams(broker, [f"SHIPSHAPE_T_{tag}", f"SHIPSHAPE_T_{tag}_DLQ"])


def test_relay_once_publishes_everything_and_says_so(url: str,
                                                      nats_env: dict[str, str]) -> None:
    rows = with_orders(url, 3)
    result = CliRunner().invoke(app, ["relay", "--once", "--batch", "5"], env=nats_env)
    assert result.exit_code == 0, (result.output, result.exception)
    assert f"relay: {rows} unsent in the outbox" in result.output
    assert f"NATS stream {nats_env['SHIPSHAPE_BROKER_STREAM']}" in result.output
    assert "published 5 (5 in all)" in result.output
    assert f"({rows} in all)" in result.output
    assert f"relay stopped: {rows} published, 0 unsent" in result.output


def test_relay_into_nats_from_the_command_line(url: str) -> None:
    broker = shared_nats_or_skip()
    rows = with_orders(url, 2)
    tag = uuid.uuid4().hex[:10]
    env = {"SHIPSHAPE_DATABASE_URL": url, "SHIPSHAPE_BROKER_URL": broker,
           "SHIPSHAPE_BROKER_STREAM": f"SHIPSHAPE_T_{tag}",
           "SHIPSHAPE_BROKER_SUBJECT_PREFIX": f"t{tag}"}
    try:
        result = CliRunner().invoke(app, ["relay", "--once"], env=env)
        assert result.exit_code == 0, (result.output, result.exception)
        assert f"NATS stream SHIPSHAPE_T_{tag}" in result.output
        assert f"relay stopped: {rows} published, 0 unsent" in result.output
    finally:
        delete_streams(broker, [f"SHIPSHAPE_T_{tag}", f"SHIPSHAPE_T_{tag}_DLQ"])


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT],
                         ids=lambda number: signal.Signals(number).name)
def test_the_relay_stops_cleanly_on_a_signal(url: str, number: int, tmp_path: Path,
                                             nats_env: dict[str, str]) -> None:
    rows = with_orders(url, 1)
    env = {**os.environ, **nats_env}
    relay = subprocess.Popen([str(SCRIPT), "relay", "--interval", "0.1"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    store = build(Settings(database_url=url))
    try:
        deadline = time.monotonic() + 30
        while outbox_lag(store.engine).unsent and time.monotonic() < deadline and \
                relay.poll() is None:
            time.sleep(0.1)
        relay.send_signal(number)
        out, _ = relay.communicate(timeout=20)
    finally:
        store.close()
        if relay.poll() is None:
            relay.kill()
    assert relay.returncode == 0, out
    assert f"({rows} in all)" in out
    assert f"relay stopped: {rows} published, 0 unsent" in out


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_embedded_relay_thread_publishes_until_stopped(database_url: str) -> None:
    with wired(database_url, "memory") as w:
        seed_distributor(w.container)
        w.transport = w.container.transport   # the one the thread publishes to
        stop = start_relay_thread(w.container)
        try:
            for n in range(3):
                submit(w, n)
            rows = len(outbox_rows(w))
            got = consume_until(w, "audit", counting(w), lambda r: r.applied >= rows)
        finally:
            stop()
        assert got.applied == rows
        assert outbox_lag(w.container.engine).unsent == 0
        assert "shipshape-relay" not in {thread.name for thread in threading.enumerate()}


def test_the_settings_choose_the_transport(url: str) -> None:
    memory = make_transport(Settings(database_url=url))
    assert isinstance(memory, MemoryTransport)
    memory.close()
    with pytest.raises(ValueError, match="SHIPSHAPE_BROKER_URL"):
        Settings(database_url=url, broker_url="http://127.0.0.1:4222")
    container = build(Settings(database_url=url, broker_url="nats://127.0.0.1:1"))
    container.close()   # no command that never publishes needs the broker to be up


def test_production_refuses_a_broker_it_cannot_prove_synced(url: str) -> None:
    broker = shared_nats_or_skip()
    tag = uuid.uuid4().hex[:10]
    settings = Settings(database_url=url, env="production", secret_key="s" * 40,
                        connectors={s: ConnectorSettings(kind="simulated") for s in SYSTEMS},
                        broker_url=broker, broker_stream=f"SHIPSHAPE_T_{tag}",
                        broker_subject_prefix=f"t{tag}",
                        broker_monitor_urls=f"http://127.0.0.1:{free_port()}")
    assert settings.require_synced_broker
    try:
        with pytest.raises(UnsafeBrokerConfig, match="cannot verify"):
            make_transport(settings)
    finally:
        delete_streams(broker, [f"SHIPSHAPE_T_{tag}", f"SHIPSHAPE_T_{tag}_DLQ"])
