"""Labelled messages from a CSV file: a text column and a label column, by name.

Read with the standard library's csv module (every value text, nothing inferred), as UTF-8 with
or without a byte-order mark, plain or gzip-compressed (`.gz`). A row whose text or label is
blank is skipped and counted, never guessed.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shipshape.ml.errors import MappingError

csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class Labelled:
    texts: list[str]
    labels: list[str]
    skipped: int
    """Rows whose text or label was blank."""


def read_labelled(path: Path, text_column: str, label_column: str) -> Labelled:
    """The messages of `path` and their labels; MappingError naming a column it lacks."""
    texts: list[str] = []
    labels: list[str] = []
    skipped = 0
    for row in _rows(path, (text_column, label_column)):
        text, label = (row.get(text_column) or "").strip(), (row.get(label_column) or "").strip()
        if not text or not label:
            skipped += 1
            continue
        texts.append(text)
        labels.append(label)
    return Labelled(texts, labels, skipped)


def read_texts(path: Path, text_column: str) -> list[str]:
    """The messages of `path`'s `text_column` (blank ones too, as empty text)."""
    return [(row.get(text_column) or "").strip() for row in _rows(path, (text_column,))]


def _rows(path: Path, wanted: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with _opened(path) as handle:
            reader = csv.DictReader(handle)
            _check_columns(path, reader.fieldnames or [], wanted)
            return list(reader)
    except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError) as error:
        raise MappingError(f"{path.name}: not a readable UTF-8 CSV file: {error}") from None


def _opened(path: Path) -> IO[str]:
    if not path.is_file():
        raise MappingError(f"{path}: no such file")
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _check_columns(path: Path, present: Sequence[str], wanted: tuple[str, ...]) -> None:
    missing = [name for name in wanted if name not in present]
    if missing:
        shown = ", ".join(present[:30]) or "none (the file is empty)"
        raise MappingError(f"{path.name}: no column {', '.join(map(repr, missing))}; "
                           f"its columns: {shown}")
