"""`shipshape serve --engine-process`: the relay and workers in a process of their own beside
the API. Every order is still relayed and mirrored once, and the engine never outlives its
server, not even a SIGKILL of it; a restarted server's engine delivers what was left."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.worlds.served import SCRIPT, free_port, order, seed, wait_until_healthy

pytestmark = pytest.mark.slow


@contextmanager
def serving(folder: Path, env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    log = folder / f"server-{port}.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port), "--engine-process"],
                                  env=env, cwd=folder, stdout=output, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_healthy(base_url, server, log)
        yield server, base_url
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


def mirrored(client: httpx.Client, ids: list[str], within_s: float = 60) -> set[str]:
    deadline, done = time.monotonic() + within_s, set[str]()
    while len(done) < len(ids) and time.monotonic() < deadline:
        for order_id in set(ids) - done:
            events = client.get(f"/api/v1/orders/{order_id}/events").json()["events"]
            if sum(e["type"] == "SystemCalled" for e in events) == 1:
                done.add(order_id)
        time.sleep(0.2)
    return done


def test_the_engine_process_delivers_and_dies_with_its_server(tmp_path: Path) -> None:
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}"}
    token = subprocess.run(
        [str(SCRIPT), "tokens", "create", "--role", "admin", "--name", "e2e"], env=env,
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    with serving(tmp_path, env) as (server, base_url), \
            httpx.Client(base_url=base_url, headers=auth, timeout=60) as client:
        seed(client)
        first = [client.post("/api/v1/orders", json=order(n)).json()["order_id"]
                 for n in range(3)]
        assert mirrored(client, first) == set(first)
        engines = [pid for pid in children_of(server.pid) if alive(pid)]
        assert engines, "no engine process beside the server"
        later = [client.post("/api/v1/orders", json=order(n)).json()["order_id"]
                 for n in range(3, 6)]
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in engines) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in engines), "the engine outlived its server"
    with serving(tmp_path, env) as (_, base_url), \
            httpx.Client(base_url=base_url, headers=auth, timeout=60) as client:
        assert mirrored(client, first + later) == set(first + later)
    check = subprocess.run([str(SCRIPT), "check"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
