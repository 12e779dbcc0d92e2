"""The watched folder's mechanics: what waits in the inbox, claims, abandoned watchers' locks,
and filing a finished file away with everything written beside it, losing nothing on a crash.

Every running watcher owns a folder DIR/processing/<watcher>/ and holds an exclusive lock on its
`.lock` file while it runs. A file is claimed by renaming it into a numbered folder of its own
there, so that its acknowledgements and rejects gather beside it; when it is done, everything in
that folder moves to processed/ or failed/.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shipshape.adapters.channels.bulk_files import EDI_SUFFIXES
from shipshape.adapters.channels.receive import Standard, standard_of

LOCK = ".lock"
TRANSIENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.EBUSY,
                              errno.ENOMEM, errno.EMFILE, errno.ENFILE})
"""Failures of the machine, not of the file (a full disk above all): the file is tried again."""
BLANK = b"\xef\xbb\xbf \r\n\t"
Stamp = tuple[int, int]


@dataclass(frozen=True)
class Claim:
    file: Path
    recovered: bool
    """Taken over from processing/, where a stopped or crashed watcher left it."""


@dataclass(frozen=True)
class Verdict:
    folder: str
    note: str


def look(inbox: Path) -> dict[str, Stamp]:
    """Size and modification time of each file waiting; names starting with '.' are not ours."""
    stamps: dict[str, Stamp] = {}
    with os.scandir(inbox) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(FileNotFoundError):
                info = entry.stat(follow_symlinks=False)
                stamps[entry.name] = (info.st_size, info.st_mtime_ns)
    return stamps


def lock_if_abandoned(folder: Path) -> IO[str] | None:
    """The folder's lock, if no running watcher holds it."""
    try:
        handle = (folder / LOCK).open()
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def remove_if_empty(folder: Path) -> None:
    """A watcher folder without claims; its lock goes first, while it is still held."""
    if any(entry.name != LOCK for entry in folder.iterdir()):
        return
    with contextlib.suppress(FileNotFoundError):
        (folder / LOCK).unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def claim_in(folder: Path) -> Claim | None:
    """The claimed file is the shortest name: what was written beside it starts with it."""
    files = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: len(p.name))
    if not files:
        folder.rmdir()
        return None
    return Claim(files[0], recovered=True)


def edi_standard(file: Path) -> Standard | None:
    """EDI by extension, or by an ISA, UNA or UNB start whatever the name."""
    with file.open("rb") as handle:
        head = handle.read(200)
    start = head.lstrip(BLANK)
    if file.suffix.lower() in EDI_SUFFIXES or start[:3] in (b"UNA", b"UNB"):
        return standard_of(file.name, head)
    return "x12" if start.startswith(b"ISA") else None


def file_away(file: Path, target: Path, verdict: Verdict) -> Path:
    """Into processed/ or failed/ with all that was written beside it, replacing nothing.

    The file is linked there first and unlinked from its claim last, so that a crash in
    between leaves it claimed (and taken again) rather than lost.
    """
    if verdict.folder == "failed":
        file.with_name(f"{file.name}.error.txt").write_text(verdict.note + "\n",
                                                            encoding="utf-8")
    placed = place(file, target, file.name)
    for companion in sorted(file.parent.iterdir()):
        if companion != file:
            place(companion, target, placed.name + companion.name.removeprefix(file.name))
            companion.unlink()
    file.unlink()
    file.parent.rmdir()
    return placed


def place(source: Path, folder: Path, name: str) -> Path:
    """A hard link as `name`, else NAME-1.EXT, NAME-2.EXT...: an existing file stays as it is."""
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 0
    while True:
        candidate = folder / (f"{stem}-{number}{suffix}" if number else name)
        try:
            os.link(source, candidate)
            return candidate
        except FileExistsError:
            number += 1
