"""`shipshape export ocel`: the history of a sample day (`shipshape demo`: intake with faults,
exception cases, waves, picks, tenders, shipments, invoices, dead letters) as OCEL 2.0 that
our reader and r4pm read with the same counts, with the object types of the journey, their
links, attributes over time and relations; a clear error for what cannot be written."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.cli import app as cli
from shipshape.domain.errors import InvalidInput
from shipshape.mining import ocel
from tests.worlds.r4pm_counts import r4pm_counts

JOURNEY_TYPES = {"order", "line", "reservation", "wave", "pick", "shipment", "tender",
                 "invoice", "case", "customer", "site", "system_event"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A store holding a small sample day, carried from intake to cash."""
    folder = tmp_path_factory.mktemp("demo")
    env = {"SHIPSHAPE_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}"}
    done = CliRunner().invoke(cli, ["demo", "--orders", "60", "--workdir", str(folder)],
                              env=env)
    assert done.exit_code == 0, done.output
    yield env


def export(env: dict[str, str], out: Path, *options: str) -> object:
    return CliRunner().invoke(cli, ["export", "ocel", str(out), *options], env=env)


def stored_events(env: dict[str, str]) -> int:
    engine = create_engine(env["SHIPSHAPE_DATABASE_URL"])
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.order_events)).scalar_one())


@pytest.mark.parametrize("suffix", [".sqlite", ".json"])
def test_the_history_reads_the_same_here_and_in_r4pm(
    store: dict[str, str], tmp_path: Path, suffix: str,
) -> None:
    out = tmp_path / f"history{suffix}"
    done = export(store, out)
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    log = ocel.read(out)
    assert log.counts()["events"] == stored_events(store)
    assert log.counts() == r4pm_counts(out)
    assert set(log.object_types()) >= JOURNEY_TYPES


def test_each_object_type_of_the_journey_is_linked_and_related(
    store: dict[str, str], tmp_path: Path,
) -> None:
    out = tmp_path / "history.sqlite"
    assert export(store, out).exit_code == 0  # type: ignore[attr-defined]
    log = ocel.read(out)
    linked = log.links.join(log.objects, on="object_id")
    counts = dict(linked.group_by("object_type").len().iter_rows())
    assert all(counts.get(kind, 0) > 0 for kind in JOURNEY_TYPES)
    related = (log.relations.join(log.objects, left_on="source_id", right_on="object_id")
               .join(log.objects, left_on="target_id", right_on="object_id", suffix="_target"))
    pairs = set(related.select("object_type", "object_type_target").iter_rows())
    assert {("line", "order"), ("shipment", "order"), ("invoice", "order"),
            ("case", "order"), ("order", "wave"), ("reservation", "line"),
            ("pick", "line"), ("tender", "order")} <= pairs
    statuses = log.object_attributes.filter(pl.col("name") == "status")
    order_statuses = statuses.join(log.objects.filter(pl.col("object_type") == "order"),
                                   on="object_id")
    assert {"received", "accepted", "invoiced"} <= set(order_statuses.get_column("value"))
    assert order_statuses.group_by("object_id").len().get_column("len").max() >= 4


def test_the_sqlite_export_declares_its_keys(store: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "history.sqlite"
    assert export(store, out).exit_code == 0  # type: ignore[attr-defined]
    with sqlite3.connect(out) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        keyed = {row[1] for row in db.execute("PRAGMA table_info(event)") if row[5]}
        parents = {row[2] for row in db.execute("PRAGMA foreign_key_list(object_object)")}
    assert keyed == {"ocel_id"} and parents == {"object"}


def test_a_period_exports_only_its_events(store: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "none.json"
    assert export(store, out, "--to", "2000-01-01").exit_code == 0  # type: ignore[attr-defined]
    assert ocel.read(out).counts()["events"] == 0


def test_an_unknown_suffix_or_an_existing_file_is_refused(
    store: dict[str, str], tmp_path: Path,
) -> None:
    wrong = export(store, tmp_path / "history.csv")
    assert isinstance(wrong.exception, InvalidInput)  # type: ignore[attr-defined]
    assert "unknown kind of file '.csv'" in str(wrong.exception)  # type: ignore[attr-defined]
    there = tmp_path / "history.json"
    there.write_text("keep me")
    refused = export(store, there)
    assert isinstance(refused.exception, InvalidInput)  # type: ignore[attr-defined]
    assert "pass --force" in str(refused.exception)  # type: ignore[attr-defined]
    assert there.read_text() == "keep me"
    assert export(store, there, "--force").exit_code == 0  # type: ignore[attr-defined]
    assert ocel.read(there).counts()["events"] == stored_events(store)
