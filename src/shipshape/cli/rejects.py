"""The rows of an order file that were rejected, written beside it with their reasons, in the
file's own format, so that they can be corrected and ingested again:

FILE.rejected.jsonl  (JSON lines input) one line per rejected order:
    {"row": LINE, "error": "...", "record": {the order as it was}}, or "text": "..." instead of
    "record" for a line that is not a JSON object.
FILE.rejected.csv    (CSV input) every row of each rejected order, with the file's own columns
    and delimiter, plus an `error` column.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any

from shipshape.adapters.channels.bulk_files import OrderRow


def rejects_path(source: Path) -> Path:
    suffix = ".rejected.csv" if source.suffix.lower() == ".csv" else ".rejected.jsonl"
    return source.with_name(source.name + suffix)


class RejectsFile:
    """Written on the first rejection only; what an earlier run left there is removed at once,
    so the file beside the input always belongs to the last run."""

    def __init__(self, source: Path, delimiter: str = ",") -> None:
        self.path = rejects_path(source)
        self.path.unlink(missing_ok=True)
        self.count = 0
        self._delimiter = delimiter
        self._handle: IO[str] | None = None
        self._csv: csv.DictWriter[str] | None = None

    def add(self, row: OrderRow, error: str) -> None:
        self.count += 1
        if self.path.suffix == ".csv":
            self._add_rows(row, error)
        else:
            self._open().write(json.dumps(_json_reject(row, error), default=str) + "\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> RejectsFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _add_rows(self, row: OrderRow, error: str) -> None:
        records = row.source if isinstance(row.source, list) else [{}]
        for record in records:
            cells = {**record, "error": error}
            if self._csv is None:
                self._csv = csv.DictWriter(self._open(), fieldnames=list(cells),
                                           delimiter=self._delimiter, extrasaction="ignore",
                                           lineterminator="\n")
                self._csv.writeheader()
            self._csv.writerow(cells)

    def _open(self) -> IO[str]:
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
        return self._handle


def _json_reject(row: OrderRow, error: str) -> dict[str, Any]:
    reject: dict[str, Any] = {"row": row.number, "error": error}
    if isinstance(row.source, dict):
        reject["record"] = row.source
    elif row.source is not None:
        reject["text"] = row.source
    return reject


def first_reject(source: Path) -> str:
    """The first rejection written beside `source`: "row N: reason" (JSON lines), or the reason
    (CSV); a placeholder when there is none to read."""
    path = rejects_path(source)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            if path.suffix == ".csv":
                first = next(csv.DictReader(handle), {})
                return str(first.get("error"))[:200]
            line = json.loads(handle.readline() or "{}")
    except (OSError, ValueError, csv.Error):
        return "no reason was recorded"
    return f"row {line.get('row')}: {str(line.get('error'))[:200]}"
