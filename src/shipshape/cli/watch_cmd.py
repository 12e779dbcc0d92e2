"""`shipshape watch DIR`: take order files dropped into a folder, each once, also across a crash.

Every running watcher owns a folder DIR/processing/<watcher>/ and holds an exclusive lock on its
`.lock` file while it runs. A file is claimed by renaming it into a numbered folder of its own
there, so that its acknowledgements and rejects gather beside it; when it is done, everything in
that folder moves to processed/ or failed/. A watcher folder whose lock nobody holds was left by a
crash: the next watcher adopts its claims and takes them again, which idempotent intake makes safe.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from shipshape.adapters.channels import watched_folder as watched
from shipshape.adapters.channels.receive import FileOutcome, Standard, receive_file
from shipshape.adapters.channels.watched_folder import (
    LOCK,
    TRANSIENT_ERRNOS,
    Claim,
    Stamp,
    Verdict,
)
from shipshape.adapters.db.edi_queries import repeats_accepted_interchange
from shipshape.bootstrap import Container, build
from shipshape.cli import exit_codes
from shipshape.cli.intake_cmd import (
    DUPLICATE_INTERCHANGE,
    ORDER_OUTCOMES,
    ingest_file,
    outcome_of,
)
from shipshape.cli.rejects import first_reject, rejects_path
from shipshape.domain.errors import ConcurrencyConflict, ShipshapeError

console = Console()
log = logging.getLogger(__name__)
BATCH = 200


class Stop:
    """Asked for by SIGINT or SIGTERM; a plain flag, the only thing safe to set in a handler."""

    def __init__(self) -> None:
        self.requested = False

    def wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))
        return self.requested


def watch(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
    interval: Annotated[float, typer.Option(min=0.0, help="seconds between two looks")] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="take what is there, then exit")] = False,
) -> None:
    """Take order files dropped into FOLDER, each once, into processed/ or failed/. With
    --once, the exit status is 3 when a file failed or an order of a file was rejected."""
    container = build(migrate="embedded")
    try:
        with stopping_on_signals() as stop:
            tally = Watcher(container, folder, interval, stop).run(once)
    finally:
        container.close()
    console.print(f"{tally['processed']} processed, {tally['failed']} failed, "
                  f"{tally['kept']} left in processing")
    if once and (tally["failed"] or tally["rejected"]):
        raise typer.Exit(exit_codes.REJECTED)


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[Stop]:
    stop = Stop()

    def request(_number: int, _frame: FrameType | None) -> None:
        stop.requested = True

    on_main = threading.current_thread() is threading.main_thread()
    signals = (signal.SIGINT, signal.SIGTERM) if on_main else ()
    previous = {number: signal.signal(number, request) for number in signals}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


class Watcher:
    """One watcher over one folder; several may watch the same folder at once."""

    def __init__(self, container: Container, inbox: Path, interval: float,
                 stop: Stop | None = None) -> None:
        self.container = container
        self.inbox = inbox
        self.interval = interval
        self.stop = stop or Stop()
        self.processing = inbox / "processing"
        self.own = self.processing / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.tally: Counter[str] = Counter()
        self._numbers = itertools.count(1)
        self._kept: list[Claim] = []
        """Claims whose failure will pass (a busy store, a full disk): taken again each look."""

    def run(self, once: bool = False) -> Counter[str]:
        """Look, take the files that have settled, wait; with `once` at most two looks."""
        for name in ("processing", "processed", "failed"):
            (self.inbox / name).mkdir(exist_ok=True)
        with self._registered():
            previous: dict[str, Stamp] = {}
            for looks in itertools.count(1):
                self._take_all(self._retried())
                self._take_all(self._recovered())
                snapshot = watched.look(self.inbox)
                settled = [n for n, s in snapshot.items() if self._settled(s, previous.get(n))]
                self._take_all(self._claimed(settled))
                if once and (len(settled) == len(snapshot) or looks == 2):
                    break
                previous = snapshot
                if self.stop.requested or self.stop.wait(self.interval):
                    break
        self.tally["kept"] = len(self._kept)
        return self.tally

    def _retried(self) -> Iterator[Claim]:
        """The kept claims, each once per look (one that fails again is kept again)."""
        for _ in range(len(self._kept)):
            yield Claim(self._kept.pop(0).file, recovered=True)

    @contextlib.contextmanager
    def _registered(self) -> Iterator[None]:
        """The own folder appears under its final name only once its lock is held."""
        staging = self.processing / f".{self.own.name}"
        staging.mkdir()
        with (staging / LOCK).open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            staging.rename(self.own)
            try:
                yield
            finally:
                watched.remove_if_empty(self.own)

    def _settled(self, stamp: Stamp, before: Stamp | None) -> bool:
        """Unchanged since the last look, or untouched for an interval: no longer written."""
        return stamp == before or time.time_ns() - stamp[1] >= self.interval * 1e9

    def _take_all(self, claims: Iterator[Claim]) -> None:
        for claim in claims:
            self._take(claim)
            if self.stop.requested:
                return

    def _claimed(self, names: list[str]) -> Iterator[Claim]:
        for name in names:
            claim = self._claim(self.inbox / name, recovered=False)
            if claim:
                yield claim

    def _claim(self, source: Path, recovered: bool) -> Claim | None:
        folder = self.own / str(next(self._numbers))
        folder.mkdir()
        try:
            os.rename(source, folder / source.name)
        except FileNotFoundError:
            folder.rmdir()
            return None
        return Claim(folder / source.name, recovered)

    def _recovered(self) -> Iterator[Claim]:
        """Files lying in processing/ itself, and the claims of watchers that are gone."""
        for entry in sorted(self.processing.iterdir()):
            if entry.name.startswith(".") or entry == self.own:
                continue
            if entry.is_dir():
                yield from self._adopt(entry)
            elif claim := self._claim(entry, recovered=True):
                yield claim

    def _adopt(self, folder: Path) -> Iterator[Claim]:
        lock = watched.lock_if_abandoned(folder)
        if lock is None:
            return
        with lock:
            moved = [self._move_claim(c) for c in sorted(folder.iterdir()) if c.is_dir()]
            watched.remove_if_empty(folder)
        for claim_folder in moved:
            if claim_folder and (claim := watched.claim_in(claim_folder)):
                yield claim

    def _move_claim(self, claim_folder: Path) -> Path | None:
        target = self.own / str(next(self._numbers))
        try:
            claim_folder.rename(target)
        except FileNotFoundError:
            return None
        return target

    def _take(self, claim: Claim) -> None:
        name = escape(claim.file.name)
        try:
            verdict = self._verdict(claim)
            placed = watched.file_away(claim.file, self.inbox / verdict.folder, verdict)
        except Exception as error:
            log.warning("%s is left in %s: %s: %s", claim.file.name, claim.file.parent,
                        type(error).__name__, str(error)[:300])
            console.print(f"[red]kept[/] {name}: {escape(repr(error))}; left in "
                          f"{escape(str(claim.file.parent))}, taken again at the next look "
                          "or start")
            self._kept.append(claim)
            return
        colour = "green" if verdict.folder == "processed" else "yellow"
        console.print(f"[{colour}]{verdict.folder}[/] {name} -> "
                      f"{escape(placed.name)}: {escape(verdict.note)}")
        self.tally[verdict.folder] += 1

    def _verdict(self, claim: Claim) -> Verdict:
        """Where the file goes and why. A failure that will pass (a busy or unwritable store,
        a full disk) is raised: the file stays claimed and is taken again. Any other failure
        would recur on every try, so the file goes to failed/ with the reason."""
        try:
            standard = watched.edi_standard(claim.file)
            if standard is None:
                orders = ingest_file(self.container, claim.file, BATCH)
                self.tally["rejected"] += orders["rejected"]
                return _orders_verdict(orders, claim.file)
            return self._edi_verdict(claim, standard)
        except ConcurrencyConflict:
            raise
        except OSError as error:
            if error.errno in TRANSIENT_ERRNOS:
                raise
            return Verdict("failed", f"cannot be read: {error.strerror or error}")
        except ShipshapeError as error:
            return Verdict("failed", str(error))
        except UnicodeDecodeError as error:
            return Verdict("failed", f"not UTF-8 text ({error.reason} at byte {error.start})")
        except Exception as error:  # it would fail the same way every time: no retry
            log.error("%s failed: %s: %s", claim.file.name, type(error).__name__,
                      str(error)[:300])
            return Verdict("failed", f"could not be taken ({type(error).__name__}: "
                                     f"{str(error)[:300]})")

    def _edi_verdict(self, claim: Claim, standard: Standard) -> Verdict:
        outcome = receive_file(self.container.deps, claim.file.read_bytes(), standard,
                               self.container.edi_identity)
        _write_acknowledgements(claim.file, outcome)
        if not outcome.all_duplicates:
            orders = _edi_tally(outcome)
            self.tally["rejected"] += orders["rejected"]
            return Verdict("processed", _describe(orders))
        if claim.recovered and self._taken_before(outcome):
            return Verdict("processed", "taken before a restart already; nothing new stored")
        partners = ", ".join(sorted({i.partner_id for i in outcome.interchanges}))
        return Verdict("failed", f"duplicate interchange: {partners} sent every interchange "
                                 "of this file before; nothing was stored")

    def _taken_before(self, outcome: FileOutcome) -> bool:
        return all(repeats_accepted_interchange(self.container.engine, i.interchange_id)
                   for i in outcome.interchanges)


def _write_acknowledgements(file: Path, outcome: FileOutcome) -> None:
    """Named as `shipshape ingest` names them: FILE.<type>.<interchange>-<n>.txt."""
    for interchange in outcome.interchanges:
        for n, ack in enumerate(interchange.acknowledgements, 1):
            name = f"{file.name}.{ack.doc_type}.{interchange.interchange_id}-{n}.txt"
            file.with_name(name).write_text(ack.text, encoding="utf-8")


def _edi_tally(outcome: FileOutcome) -> Counter[str]:
    tally: Counter[str] = Counter()
    for interchange in outcome.interchanges:
        tally[DUPLICATE_INTERCHANGE] += interchange.duplicate
        tally.update(outcome_of(result) for result in interchange.results)
    return tally


def _orders_verdict(tally: Counter[str], file: Path) -> Verdict:
    total = sum(tally.values())
    if not total:
        return Verdict("failed", "the file holds no orders")
    if tally["rejected"] == total:
        return Verdict("failed", f"every order was refused ({first_reject(file)}); the "
                                 f"reasons are in {rejects_path(file).name} beside it")
    return Verdict("processed", _describe(tally))


def _describe(tally: Counter[str]) -> str:
    outcomes = (*ORDER_OUTCOMES, DUPLICATE_INTERCHANGE)
    return ", ".join(f"{tally[outcome]} {outcome}" for outcome in outcomes if tally[outcome])


