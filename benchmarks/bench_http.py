"""Intake through HTTP: `shipshape serve` in a subprocess, a load generator in others.

For each backend (SQLite file; PostgreSQL when reachable): a fresh store migrated with
`shipshape db upgrade`, master data loaded with `shipshape load FILE`, a token from
`shipshape tokens create`, then the server on a free loopback port. Worker processes, each with
`--connections` keep-alive `httpx.Client`s (one thread each), post a bounded number of distinct
3-line orders (every control point on) to POST /api/v1/orders; orders/s over the whole run and
per-request p50/p99 latency are reported, with the CPU serve's processes spent per order (from
/proc), and afterwards the orders in the store are counted against the answers
(`lost_or_doubled` must be 0). A few 500-line orders are posted afterwards,
one at a time. The server is always terminated.

Usage: python benchmarks/bench_http.py [--orders N] [--workers W] [--connections C]
       [--backend ...] [--engine ...]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from common import (
    BACKENDS,
    Catalog,
    Store,
    console,
    fresh_store,
    latency_ms,
    order_bodies,
    over_backends,
    print_table,
    write_json,
)

SHIPSHAPE = str(Path(sys.executable).with_name("shipshape"))
ORDERS_PATH = "/api/v1/orders"
WARMUP = 100
LARGE_ORDERS = 10
LARGE_LINES = 500
COLUMNS = ("backend", "engine", "path", "workers", "connections", "orders", "seconds",
           "orders_per_s", "p50_ms", "p99_ms", "errors", "lost_or_doubled", "server_cpu_ms",
           "api_cpu_ms", "engine_cpu_ms")


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([SHIPSHAPE, *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"shipshape {' '.join(args)} failed: {done.stderr or done.stdout}")
    return done.stdout


@contextmanager
def running_server(store: Store, folder: Path, catalog: Catalog,
                   serve_args: Sequence[str] = ()) -> Iterator[tuple[str, str, int]]:
    """Load master data, create a token, serve; yields (base URL, token, serve's pid); always
    stops it."""
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": store.url, "SHIPSHAPE_ENV": "test",
           "COLUMNS": "200"}
    _cli(env, "db", "upgrade")
    _cli(env, "load", str(catalog.write_masterdata(folder / "masterdata.json")))
    token = _cli(env, "tokens", "create", "--role", "integration", "--name", "bench"
                 ).strip().splitlines()[-1].strip()
    port = free_port()
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen([SHIPSHAPE, "serve", "--host", "127.0.0.1", "--port", str(port),
                               *serve_args],
                              env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server, folder / "serve.log")
        yield base, token, server.pid
    finally:
        _stop(server)
        log.close()


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"shipshape serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"shipshape serve did not come up in 60 s: {log.read_text()[-2000:]}")


def cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU seconds of `pid` and of each of its children (serve's engine process),
    from /proc; empty where there is no /proc."""
    found: dict[int, float] = {}
    for each in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[each] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except OSError:
        return []


def cpu_ms_per_order(before: dict[int, float], after: dict[int, float], orders: int,
                     engine: str) -> dict[str, float | None]:
    """CPU per order in ms: every process of serve's, and, with one API process and the engine
    beside it, the API's (serve's own process) and the engine's (its child) apart."""
    used = {pid: after[pid] - before[pid] for pid in after if pid in before}
    if not used or not orders:
        return {"server_cpu_ms": None, "api_cpu_ms": None, "engine_cpu_ms": None}
    serve = next(iter(used))
    per_order = {pid: seconds * 1000 / orders for pid, seconds in used.items()}
    total = sum(per_order.values())
    api = per_order[serve] if engine == "process" else None
    return {"server_cpu_ms": round(total, 2), "api_cpu_ms": api and round(api, 2),
            "engine_cpu_ms": round(total - api, 2) if engine == "process" and api else None}


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


# --------------------------------------------------------------------------- load generator


def post_all(base: str, token: str, bodies: Sequence[dict[str, Any]], start_at: float,
             deadline_s: float) -> dict[str, Any]:
    """One worker: post its orders one after another on one keep-alive connection."""
    samples: list[float] = []
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        client.get("/api/v1/health")  # open the connection before the clock starts
        while time.time() < start_at:
            time.sleep(0.001)
        started = time.perf_counter()
        stop_at = started + deadline_s
        for body in bodies:
            t0 = time.perf_counter()
            response = client.post(ORDERS_PATH, json=body)
            samples.append(time.perf_counter() - t0)
            if response.status_code != 201 or response.json().get("status") != "accepted":
                errors.append(f"{response.status_code} {response.text[:300]}")
            if t0 > stop_at:
                break
        finished = time.perf_counter()
    return {"samples": samples, "errors": errors, "started": started, "finished": finished}


def post_on_connections(base: str, token: str, bodies: Sequence[dict[str, Any]],
                        connections: int, start_at: float,
                        deadline_s: float) -> list[dict[str, Any]]:
    """One worker process: `connections` threads, each posting its share on its own client."""
    with ThreadPoolExecutor(max_workers=connections) as pool:
        return list(pool.map(lambda part: post_all(base, token, part, start_at, deadline_s),
                             [bodies[i::connections] for i in range(connections)]))


def load(base: str, token: str, bodies: Sequence[dict[str, Any]], workers: int,
         deadline_s: float, connections: int = 1) -> dict[str, Any]:
    slices = [bodies[i::workers] for i in range(workers)]
    start_at = time.time() + 1.0 + 0.2 * workers
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(post_on_connections, base, token, s, connections, start_at,
                               deadline_s) for s in slices]
        parts = [part for f in futures for part in f.result()]
    samples = [s for p in parts for s in p["samples"]]
    errors = [e for p in parts for e in p["errors"]]
    # perf_counter is CLOCK_MONOTONIC on Linux, shared by the worker processes
    elapsed = max(p["finished"] for p in parts) - min(p["started"] for p in parts)
    if errors:
        console.print(f"[red]{len(errors)} requests failed[/], first: {errors[0]}")
    return {"workers": workers, "connections": connections, "orders": len(samples),
            "accepted": len(samples) - len(errors), "seconds": elapsed,
            "orders_per_s": len(samples) / elapsed, "errors": len(errors),
            **latency_ms(samples)}


# --------------------------------------------------------------------------- one backend


ENGINES = {"threads": ("--engine-threads",), "process": ("--engine-process",),
           "process-2api": ("--engine-process", "--workers", "2")}
"""How `serve` runs: the embedded relay and workers in a process of their own (the default,
`--engine-process`) or as threads of the API's process (`--engine-threads`); one API process,
or two (`--workers 2`)."""


def stored_orders(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one())
    finally:
        engine.dispose()


def bench_backend(backend: str, count: int, workers: int, seconds: float,
                  engine: str, connections: int = 1) -> list[dict[str, Any]]:
    catalog = Catalog()
    warm = order_bodies(catalog, WARMUP, f"{backend}-{engine}-httpwarm")
    bodies = order_bodies(catalog, count, f"{backend}-{engine}-http")
    large = order_bodies(catalog, LARGE_ORDERS, f"{backend}-{engine}-httpbig",
                         lines=LARGE_LINES)
    with (tempfile.TemporaryDirectory(prefix="shipshape-http-") as tmp,
          fresh_store(backend) as store,
          running_server(store, Path(tmp), catalog, ENGINES[engine]) as (base, token, pid)):
        console.print(f"[bold]{backend}[/] (engine: {engine}): serving on {base}; warming up")
        before = stored_orders(store.url)
        warmed = load(base, token, warm, workers, seconds, connections)
        console.print(f"[bold]{backend}[/]: {count} orders from {workers} worker processes "
                      f"x {connections} connections")
        cpu_before = cpu_seconds(pid)
        measured = load(base, token, bodies, workers, seconds, connections)
        measured.update(cpu_ms_per_order(cpu_before, cpu_seconds(pid), measured["orders"],
                                         engine))
        answered = warmed["accepted"] + measured["accepted"]
        orders = {"backend": backend, "engine": engine, "path": "http", **measured,
                  "lost_or_doubled": stored_orders(store.url) - before - answered}
        console.print(f"[bold]{backend}[/]: {LARGE_ORDERS} orders of {LARGE_LINES} lines")
        big = post_all(base, token, large, 0, seconds)
    big_row = {"backend": backend, "engine": engine, "path": f"http_{LARGE_LINES}_lines",
               "workers": 1, "connections": 1, "orders": len(big["samples"]),
               "seconds": big["finished"] - big["started"],
               "orders_per_s": len(big["samples"]) / (big["finished"] - big["started"]),
               "errors": len(big["errors"]), **latency_ms(big["samples"])}
    return [orders, big_row]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000, help="orders posted (default 3000)")
    parser.add_argument("--workers", type=int, default=2,
                        help="load generator processes (default 2)")
    parser.add_argument("--connections", type=int, default=4,
                        help="keep-alive connections per load generator process (default 4)")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="each worker stops posting after this long (default 20)")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    parser.add_argument("--engine", choices=sorted(ENGINES), action="append",
                        help="how serve runs the embedded relay and workers, and how many "
                             "API processes (default: each way)")
    args = parser.parse_args(argv)
    engines = args.engine or list(ENGINES)
    rows, skips = over_backends("http", args.backend, lambda backend: [
        row for engine in engines
        for row in bench_backend(backend, args.orders, args.workers, args.seconds, engine,
                                 args.connections)])
    print_table("Intake through HTTP (shipshape serve)", rows, COLUMNS)
    console.print("[dim]latency is per request as the client saw it, keep-alive connections; "
                  "client and server share the machine's cores[/]")
    payload = {"results": rows, "skipped": skips, "workers": args.workers,
               "connections": args.connections,
               "orders_requested": args.orders, "max_seconds": args.seconds}
    write_json("http", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
