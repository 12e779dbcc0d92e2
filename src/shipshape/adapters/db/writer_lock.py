"""The embedded store's one writer at a time, across threads and processes.

SQLite lets one transaction write at a time. A writer that finds the database locked waits in
SQLite's busy handler, which sleeps and retries (up to 100 ms a nap), so two processes writing
the same file (`serve --engine-process`, a CLI command beside the server) hand the lock over in
naps rather than at once. Here writers queue on a thread lock within the process and on an
advisory lock (`flock`) of a file beside the database across processes: the kernel wakes the
next writer as soon as the last one releases it, and releases it for a process that dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

log = logging.getLogger(__name__)
SUFFIX = "-writer.lock"


class WriterLock:
    """A context manager: held by one writer of this database at a time."""

    def __init__(self, lock_file: Path | None) -> None:
        self._threads = threading.Lock()
        self._lock_file = lock_file
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            fd = self._descriptor()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _descriptor(self) -> int | None:
        """This process's own open file (a forked child must not share its parent's: the lock
        belongs to the open file, so parent and child would both hold it)."""
        if self._lock_file is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as error:
                log.warning("cannot open %s (%s); writers of other processes wait in SQLite's "
                            "busy handler instead", self._lock_file, error)
                self._lock_file = None
                return None
            self._pid = os.getpid()
        return self._fd


def writer_lock_of(engine: Engine) -> WriterLock:
    """The lock of `engine`'s database file; a thread lock alone for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return WriterLock(None)
    return WriterLock(Path(database).resolve().with_name(Path(database).name + SUFFIX))
