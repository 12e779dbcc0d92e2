"""The relay woken by the commits of other processes, not only by its own.

A unit of work that commits events wakes the relay of its own process at once
(`SqlUnitOfWorkFactory.await_events`). A relay in another process (`shipshape serve` runs the
engine beside its API processes; `shipshape relay` beside a worker) learns of those commits:

* on PostgreSQL, by a trigger of the outbox (migration 0027): `pg_notify` on the channel
  `shipshape_outbox`, delivered at commit, which the relay's process LISTENs to on a
  connection of its own;
* on an SQLite file, by a datagram: each process that waits binds a Unix socket in a folder
  named after the database, and each commit with events sends a byte to every socket there
  (a socket left by a process that died is removed by the first send that finds it dead).

Either way a missed signal costs at most the relay's polling interval, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import psycopg
from sqlalchemy import Engine

from shipshape.adapters.db.outbox_notify import CHANNEL

log = logging.getLogger(__name__)
RECONNECT_PAUSE_S = 1.0
READY_S = 5.0
POLL_S = 0.5
"""How often a listener looks whether it was asked to stop."""


class CommitWake(Protocol):
    def notify(self) -> None:
        """This process just committed events."""
        ...

    def listen(self, wake: Callable[[], None]) -> bool:
        """From now on, call `wake` when another process commits events: True once listening
        (idempotent), False when that could not start within `READY_S` (it keeps trying)."""
        ...

    def close(self) -> None: ...


class NoWake:
    """An in-memory database: no other process can write it."""

    def notify(self) -> None:
        return None

    def listen(self, wake: Callable[[], None]) -> bool:
        return True

    def close(self) -> None:
        return None


def wake_of(engine: Engine) -> CommitWake:
    database = engine.url.database
    if engine.dialect.name == "postgresql":
        return PgListen(engine.url.set(drivername="postgresql", query={})
                        .render_as_string(hide_password=False))
    if database and database != ":memory:" and not database.startswith("file::memory:"):
        return DatagramWake(Path(database))
    return NoWake()


Loop = Callable[[threading.Event, threading.Event], None]
"""A listener's loop: (stop, ready); it sets ready once it listens."""


class _Listener:
    """A daemon thread that runs a loop until closed."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def start(self, name: str, loop: Loop) -> bool:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=loop, args=(self._stop, self._ready),
                                                name=name, daemon=True)
                self._thread.start()
        return self._ready.wait(READY_S)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(POLL_S * 4)


class PgListen:
    """The outbox trigger notifies at commit; this LISTENs on a connection of its own."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._listener = _Listener()

    def notify(self) -> None:
        return None  # the trigger does it, in the committing transaction

    def listen(self, wake: Callable[[], None]) -> bool:
        return self._listener.start("commit-wake-pg",
                                    lambda stop, ready: self._loop(wake, stop, ready))

    def close(self) -> None:
        self._listener.stop()

    def _loop(self, wake: Callable[[], None], stop: threading.Event,
              ready: threading.Event) -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    ready.set()
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=POLL_S, stop_after=1):
                            wake()
            except psycopg.Error as error:
                log.warning("commit wake: %s; listening again in %.0f s", error,
                            RECONNECT_PAUSE_S)
                stop.wait(RECONNECT_PAUSE_S)


class DatagramWake:
    """Unix datagram sockets in a short folder named after the database file (a socket path
    may not be longer than 107 bytes)."""

    def __init__(self, database: Path) -> None:
        digest = hashlib.sha256(str(database.resolve()).encode()).hexdigest()[:16]
        self._folder = Path(tempfile.gettempdir()) / "shipshape-wake" / digest
        self._sender: socket.socket | None = None
        self._listener = _Listener()
        self._own: Path | None = None

    def notify(self) -> None:
        try:
            names = os.listdir(self._folder)
        except FileNotFoundError:
            return  # nobody listens
        sender = self._sender or self._new_sender()
        for name in names:
            path = self._folder / name
            try:
                sender.sendto(b"!", str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()  # its process is gone
            except (BlockingIOError, OSError):
                continue  # its queue is full: it has wake-ups waiting already

    def listen(self, wake: Callable[[], None]) -> bool:
        return self._listener.start("commit-wake-sqlite",
                                    lambda stop, ready: self._loop(wake, stop, ready))

    def close(self) -> None:
        self._listener.stop()
        if self._sender is not None:
            self._sender.close()
        if self._own is not None:
            with contextlib.suppress(FileNotFoundError):
                self._own.unlink()

    def _new_sender(self) -> socket.socket:
        self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sender.setblocking(False)
        return self._sender

    def _loop(self, wake: Callable[[], None], stop: threading.Event,
              ready: threading.Event) -> None:
        try:
            self._receive(wake, stop, ready)
        except OSError as error:
            log.warning("commit wake: cannot listen in %s (%s); the relay polls only",
                        self._folder, error)

    def _receive(self, wake: Callable[[], None], stop: threading.Event,
                 ready: threading.Event) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        self._own = self._folder / f"{os.getpid()}-{id(self):x}"
        with contextlib.suppress(FileNotFoundError):
            self._own.unlink()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
            listener.bind(str(self._own))
            listener.settimeout(POLL_S)
            ready.set()
            while not stop.is_set():
                try:
                    listener.recv(64)
                except TimeoutError:
                    continue
                wake()
