"""`shipshape worker` from outside: it applies the events a relay published to NATS, and a
SIGTERM lets the call in flight finish and be recorded before the worker exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.systems.signing import new_secret
from shipshape.services.delivery.relay import relay_pending
from shipshape.services.intake import SubmitOrder, submit_order
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem
from tests.builders import order, seed_distributor
from tests.cli_support import opened
from tests.contract.natsserver import delete_streams
from tests.contract.webhook_peer import WebhookPeer
from tests.services import shared_nats_or_skip

SCRIPT = Path(sys.executable).parent / "shipshape"
SECRET = new_secret()


@pytest.fixture
def broker_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    broker = shared_nats_or_skip()
    tag = uuid.uuid4().hex[:10]
    stream = f"SHIPSHAPE_W_{tag}"
    env = {"SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
           "SHIPSHAPE_ENV": "test", "SHIPSHAPE_BROKER_URL": broker,
           "SHIPSHAPE_BROKER_STREAM": stream, "SHIPSHAPE_BROKER_SUBJECT_PREFIX": f"w{tag}",
           "SHIPSHAPE_CONNECTORS__ERP__KIND": "webhook",
           "SHIPSHAPE_CONNECTORS__ERP__SECRET": SECRET}
    yield env
    delete_streams(broker, [stream, f"{stream}_DLQ"])


def applied_in_store(url: str) -> set[str]:
    with opened(url, migrate=False) as container, container.engine.connect() as conn:
        return set(conn.execute(select(t.inbox.c.event_id)
                                .where(t.inbox.c.consumer == "erp-order-mirror")).scalars())


def test_sigterm_lets_the_call_in_flight_finish_and_be_recorded(
    broker_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow_erp = SimulatedSystem("erp", SimulationSettings(latency_ms=1500), timeout_s=10)
    with WebhookPeer(slow_erp, [SECRET]) as peer:
        env = {**broker_env, "SHIPSHAPE_CONNECTORS__ERP__URL": peer.url}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        url = env["SHIPSHAPE_DATABASE_URL"]
        with opened(url) as container:
            seed_distributor(container)
            submit_order(container.deps, SubmitOrder(OrderIn.model_validate(order()).to_domain()))
            relay_pending(container.deps, container.transport)
        worker = subprocess.Popen([str(SCRIPT), "worker"], env={**os.environ, **env},
                                  cwd=tmp_path, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while slow_erp.calls == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert slow_erp.calls == 1, "the worker never called the ERP"
            worker.send_signal(signal.SIGTERM)
            out, _ = worker.communicate(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == 0, out
    assert "worker stopped: 2 applied" in out  # OrderAccepted: erp-order-mirror, edi-documents
    assert applied_in_store(url) == set(slow_erp.applied) and len(slow_erp.applied) == 1
