"""The embedded store's writers, one at a time across processes; readers never wait for them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from shipshape.adapters.db.engine import make_engine
from shipshape.adapters.db.uow import SqlUnitOfWorkFactory
from shipshape.adapters.db.writer_lock import WriterLock, writer_lock_of
from shipshape.bootstrap import build
from shipshape.config import Settings

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from shipshape.adapters.db.writer_lock import WriterLock
    with WriterLock(Path(sys.argv[1])):
        print("held", flush=True)
        sys.stdin.readline()
""")


def test_a_writer_of_another_process_waits_until_the_lock_is_released(tmp_path: Path) -> None:
    lock_file = tmp_path / "shipshape.db-writer.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock_file)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        acquired = threading.Event()

        def write() -> None:
            with WriterLock(lock_file):
                acquired.set()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        assert not acquired.wait(0.5), "took the lock while another process held it"
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert acquired.wait(20), "never took the lock after the other process released it"
    finally:
        holder.kill()
        holder.wait(10)


def test_the_lock_file_lies_beside_the_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with writer_lock_of(engine):
            assert (tmp_path / "store.db-writer.lock").exists()
    finally:
        engine.dispose()


def test_a_reader_does_not_wait_for_a_writer_and_cannot_commit(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.db'}", env="test")
    container = build(settings, migrate=True)
    factory = SqlUnitOfWorkFactory(container.engine)
    found: list[object] = []

    def read() -> None:
        with factory.reading() as reader:
            found.append(reader.idempotency.get("scope", "key"))
            with pytest.raises(RuntimeError, match="cannot commit"):
                reader.commit()
            found.append("refused")

    try:
        with factory() as writer:
            writer.idempotency.get("scope", "key")  # the writer holds the lock
            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            reader.join(20)
            assert not reader.is_alive(), "the reader waited for the writer"
        assert found == [None, "refused"]
    finally:
        container.close()
