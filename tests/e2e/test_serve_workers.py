"""`shipshape serve --workers 2`: two API processes and one engine beside them. Orders posted
at the same time through both never reserve more than is on hand, each is mirrored to the ERP
once, and either process's /metrics shows the engine's counts. The web console, whose sessions
live in one process, is refused with more than one."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.worlds.served import SCRIPT, STOCK, free_port, order, seed, wait_until_healthy

pytestmark = pytest.mark.slow

ORDERS = 30


def applied_by_mirror(base_url: str) -> float:
    metrics = httpx.get(f"{base_url}/metrics", timeout=10).text
    found = re.search(r'^shipshape_events_consumed_total\{consumer="erp-order-mirror",'
                      r'outcome="applied"\} (\S+)$', metrics, re.M)
    return float(found[1]) if found else 0.0


def test_two_api_processes_share_one_store_and_one_engine(tmp_path: Path) -> None:
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    token = subprocess.run(
        [str(SCRIPT), "tokens", "create", "--role", "admin", "--name", "e2e"], env=env,
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.splitlines()[-1]
    port, log = free_port(), tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port), "--workers", "2"],
                                  env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token}"}
    try:
        wait_until_healthy(base_url, server, log)
        with httpx.Client(base_url=base_url, headers=auth, timeout=60) as client:
            seed(client)

        def post(n: int) -> httpx.Response:
            with httpx.Client(base_url=base_url, headers=auth, timeout=60) as own:
                return own.post("/api/v1/orders", json=order(n))

        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(post, range(ORDERS)))
        assert Counter(a.json()["status"] for a in answers) == {
            "accepted": STOCK, "held": ORDERS - STOCK}
        deadline = time.monotonic() + 30
        while applied_by_mirror(base_url) < ORDERS and time.monotonic() < deadline:
            time.sleep(0.2)
        # each scrape is a new connection, which either process may take
        assert [applied_by_mirror(base_url) for _ in range(6)] == [ORDERS] * 6
        assert "from 2 API processes" in log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0, log.read_text()[-2000:]


def test_the_console_is_refused_with_more_than_one_api_process(tmp_path: Path) -> None:
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    done = subprocess.run([str(SCRIPT), "serve", "--workers", "2", "--console"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    said = " ".join(re.sub("[│╭╮╰╯─]", " ", done.stdout + done.stderr).split())
    assert "the web console keeps its sessions in one process" in said
