"""The console script served as a user runs it: on a free port, waited for until healthy, with
the master data one order needs put through its API."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

SCRIPT = Path(sys.executable).parent / "shipshape"
STARTUP_SECONDS = 20
STOCK = 10
"""What `seed` receives of SKU1 at DAL."""
SETTLE_S = 90
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str, within_s: float = SETTLE_S) -> T:
    """What `probe` finds (not None), asked every 0.25 s; the test fails after `within_s`."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.25)
    pytest.fail(f"not within {within_s} s: {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server was not healthy within {STARTUP_SECONDS} s: {log.read_text()}")


@contextmanager
def serving(env: dict[str, str], workdir: Path, *options: str) -> Iterator[tuple[str, Path]]:
    """`shipshape serve` on a free port in `workdir` (with `options`), healthy: its base URL
    and its log; stopped at the end (killed when it does not stop within 10 s)."""
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port), *options], env=env,
                                  cwd=workdir, stdout=output, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_healthy(base_url, server, log)
        yield base_url, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def seed(client: httpx.Client) -> None:
    puts = [
        ("/api/v1/sites/DAL", {"name": "Dallas DC", "country": "US", "postal_code": "75201"}),
        ("/api/v1/customers/C1", {"name": "Acme", "credit_limit": "100000",
                                  "preferred_site": "DAL"}),
        ("/api/v1/items/SKU1", {"description": "Gloves", "weight_kg": "1.0"}),
        ("/api/v1/prices/C1/SKU1", {"unit_price": "10.00", "tolerance_pct": "2"}),
    ]
    for path, body in puts:
        assert client.put(path, json=body).status_code == 200, path
    receipt = client.post("/api/v1/inventory/receipts",
                          json={"site_id": "DAL", "sku": "SKU1", "quantity": STOCK})
    assert receipt.status_code == 201


def order(n: int) -> dict[str, Any]:
    return {
        "channel": "api", "external_id": f"E2E-{n}", "customer_id": "C1",
        "customer_po": f"PO-{n}",
        "requested_ship_date": (date.today() + timedelta(days=7)).isoformat(),
        "ship_to": {"name": "Acme Dallas", "line1": "1 Main St", "city": "Dallas",
                    "region": "TX", "postal_code": "75201", "country": "US"},
        "lines": [{"line_no": 1, "sku": "SKU1", "quantity": 1, "unit_price": "10.00"}],
    }
