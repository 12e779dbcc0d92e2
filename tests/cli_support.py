"""What the tests of the `shipshape` command share: its runners, a database, reading it back.

The fixtures `url` (an empty SQLite file) and `store` (that file migrated) are in
tests/integration/conftest.py; a module whose store needs more than a migrated database defines
its own `store` with `opened`.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from shipshape.adapters.db import tables
from shipshape.bootstrap import Container, build
from shipshape.cli import app, exit_codes, main
from shipshape.config import Settings

SUMMARY = re.compile(r"(accepted|held|duplicate interchanges refused|duplicate|replayed|rejected"
                     r"|total)\W+(\d+)")


@contextmanager
def opened(url: str, *, migrate: bool = True) -> Iterator[Container]:
    """The database at `url` as the API would open it, closed at the end."""
    container = build(Settings(database_url=url, env="test"), migrate=migrate)
    try:
        yield container
    finally:
        container.close()


def shipshape(url: str, *args: str, code: int = exit_codes.OK) -> Result:
    """Run a command that ends with exit status `code` (by default: all went well)."""
    result = CliRunner().invoke(app, list(args), env={"SHIPSHAPE_DATABASE_URL": url})
    assert result.exit_code == code, (result.output, result.exception)
    return result


def failing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
            *args: str) -> tuple[int | str | None, str]:
    """Run the console script's entry point; its exit code and its output on one line."""
    monkeypatch.setenv("SHIPSHAPE_DATABASE_URL", url)
    monkeypatch.setattr(sys, "argv", ["shipshape", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return exited.value.code, " ".join((captured.out + captured.err).split())


def rows(store: Container, name: str) -> list[dict[str, Any]]:
    """Every row of a table, in primary-key order."""
    table = tables.metadata.tables[name]
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))
                .mappings()]


def summary(output: str) -> dict[str, int]:
    """The outcome counts of the ingest summary table."""
    return {outcome: int(n) for outcome, n in SUMMARY.findall(output)}


def copied(source: Path, folder: Path, name: str | None = None) -> Path:
    """A fixture copied into the test's folder, since ingest writes beside its input."""
    return Path(shutil.copy(source, folder / (name or source.name)))
