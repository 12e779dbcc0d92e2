"""What the NATS transport needs besides the transport: an event loop of its own and the checks
that JetStream keeps what it acknowledged.

**How sync-on-every-write is detected.** The server option (`jetstream { sync_interval: always
}`) is not visible to an ordinary client: neither the INFO line, nor `$JS.API.INFO`, nor a
stream's config carries it. The server reports it in its monitoring endpoint: `GET /jsz` (and
`/varz`) answer `config.sync_always: true` when set (nats-server 2.10 and later; 2.9 has no such
option and never reports it, so it is refused). `require_sync` therefore reads `/jsz` from the
monitoring URLs given (default: the broker's host, port 8222) and refuses when one is
unreachable, does not report `sync_always`, or is not the server the client is connected to.
It also refuses a stream that is not file-backed or whose `persist_mode` is `async` (2.12+).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from shipshape.adapters.messaging import UnsafeBrokerConfig

T = TypeVar("T")
MONITOR_PORT = 8222


class LoopThread:
    """An asyncio event loop in a daemon thread; synchronous callers submit coroutines to it."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float) -> T:
        if self.loop.is_closed():
            coro.close()
            raise RuntimeError("the event loop is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout_s)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.loop.is_closed():
            return
        if self._thread.is_alive():
            with contextlib.suppress(TimeoutError, RuntimeError):
                self.run(_cancel_other_tasks(), timeout_s)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout_s)
        if not self._thread.is_alive():
            self.loop.close()


async def _cancel_other_tasks() -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def default_monitor_urls(broker_url: str) -> list[str]:
    """`http://<host>:8222` for every server in a comma-separated broker URL."""
    hosts = [urlsplit(part.strip()).hostname for part in broker_url.split(",")]
    return [f"http://{host}:{MONITOR_PORT}" for host in hosts if host]


def read_jsz(monitor_url: str, timeout_s: float) -> Mapping[str, Any]:
    url = monitor_url.rstrip("/") + "/jsz"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            body = response.read()
    except (OSError, urllib.error.URLError) as error:
        raise UnsafeBrokerConfig(
            f"cannot verify that JetStream syncs every write: monitoring endpoint {url} is "
            f"unreachable ({error}); enable the server's monitoring port or pass monitor_urls"
        ) from error
    report = json.loads(body)
    if not isinstance(report, dict):
        raise UnsafeBrokerConfig(f"{url} did not answer a JetStream report")
    return report


def stream_problems(config: Mapping[str, Any]) -> list[str]:
    name = config.get("name")
    problems = []
    if config.get("storage") != "file":
        problems.append(f"stream {name} is stored in {config.get('storage')}, not in files")
    if config.get("persist_mode") not in (None, "", "default"):
        problems.append(f"stream {name} has persist_mode {config.get('persist_mode')!r}")
    return problems


def server_problems(reports: Iterable[tuple[str, Mapping[str, Any]]],
                    connected_server_id: str) -> list[str]:
    problems, seen = [], set()
    for url, report in reports:
        seen.add(report.get("server_id"))
        config = report.get("config") or {}
        if config.get("sync_always") is not True:
            problems.append(
                f"the server at {url} does not sync to disk on every write (it reports "
                f"sync_interval {config.get('sync_interval')} ns and no sync_always); set "
                "`jetstream { sync_interval: always }` in its configuration")
    if connected_server_id and connected_server_id not in seen:
        problems.append(f"no monitoring URL reports the connected server {connected_server_id}")
    return problems


def verify_synced(stream_config: Mapping[str, Any], monitor_urls: Sequence[str],
                  connected_server_id: str, timeout_s: float) -> None:
    """Raise `UnsafeBrokerConfig` unless every write to the stream is synced to disk."""
    if not monitor_urls:
        raise UnsafeBrokerConfig("cannot verify that JetStream syncs every write: no monitor URL")
    reports = [(url, read_jsz(url, timeout_s)) for url in monitor_urls]
    problems = stream_problems(stream_config) + server_problems(reports, connected_server_id)
    if problems:
        raise UnsafeBrokerConfig("refusing to start on JetStream: " + "; ".join(problems))
