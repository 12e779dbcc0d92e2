"""The embedded engine in a process of its own: `shipshape serve`'s outbox relay and workers on
the in-process transport, run beside the API instead of inside it, so that delivering events
never takes the API's interpreter (its GIL) from the requests.

The engine recovers what an earlier process published and left unapplied, relays and applies as
the threads in `serve` did, and stops on SIGTERM or as soon as the process that started it is
gone (also after a SIGKILL of `serve`), so no engine outlives its server. Every half second it
writes its counters (events published, consumed, connector calls) to a file the server adds to
its `/metrics`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from shipshape.adapters import logs
from shipshape.bootstrap import Container, build, settle_heap, start_relay_thread
from shipshape.worker import start_worker_threads

log = logging.getLogger(__name__)
PARENT_CHECK_S = 0.5
STOP_TIMEOUT_S = 30.0


def run(parent_pid: int, metrics_file: Path) -> None:
    """The engine process's body: until SIGTERM, or until `parent_pid` is no longer its parent;
    its counters written to `metrics_file` as it goes."""
    container = build()
    logs.configure(container.settings.log_level, container.settings.log_format)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches serve, which stops us
    stop_relay = start_relay_thread(container)
    stop_worker = start_worker_threads(container)
    settle_heap()
    try:
        while not stop.wait(PARENT_CHECK_S):
            container.metrics.write_to(metrics_file)
            if os.getppid() != parent_pid:
                log.warning("the server (pid %d) is gone; the engine stops", parent_pid)
                break
    finally:
        stop_relay()
        stop_worker()
        container.metrics.write_to(metrics_file)
        container.close()


def start_engine_process(container: Container) -> Callable[[], None]:
    """Start the engine beside this process, its counters added to `container`'s metrics;
    returns the function that stops it."""
    folder = Path(tempfile.mkdtemp(prefix="shipshape-engine-"))
    metrics_file = folder / "metrics.prom"
    container.metrics.add_from(metrics_file)
    process = multiprocessing.get_context("spawn").Process(
        target=run, args=(os.getpid(), metrics_file), name="shipshape-engine", daemon=True)
    process.start()

    def stop_engine() -> None:
        process.terminate()
        process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            log.warning("the engine did not stop within %.0f s; killed", STOP_TIMEOUT_S)
            process.kill()
            process.join()
        shutil.rmtree(folder, ignore_errors=True)

    return stop_engine
