"""What the `shipshape` command says when something is wrong: one line, a distinct exit status
(`cli.exit_codes`), no traceback, no library URL, no password; files that are not what their
name says refused; rejected rows written back with their reasons; and a shared database never
migrated behind the operator's back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from shipshape import __version__
from shipshape.adapters.db.migrate import head_revision
from shipshape.cli import app, exit_codes, serve_banner
from shipshape.config import Settings
from tests.cli_support import copied, failing, opened, rows, shipshape

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cli"
PASSWORD = "s3cret"


@pytest.fixture
def loaded(url: str) -> str:
    """A database holding the master data of the CLI fixtures."""
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    return url


def one_line_error(output: str) -> None:
    assert output.count("error:") == 1, output
    assert "Traceback" not in output and "pydantic.dev" not in output, output


def test_version(url: str) -> None:
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == exit_codes.OK
    assert result.stdout.strip() == f"shipshape {__version__}"


# ---------------------------------------------------------------------------- one-line errors


def test_a_database_that_cannot_be_opened_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'x.db'}"

    code, output = failing(monkeypatch, capsys, missing, "orders", "list")

    assert code == exit_codes.FAILURE
    assert "cannot open the database at" in output and "unable to open database file" in output
    one_line_error(output)


def test_an_unknown_order_is_one_line_and_exit_1(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "orders", "show", "ord_nope")

    assert code == exit_codes.FAILURE
    assert "error: order ord_nope does not exist" in output
    one_line_error(output)


def test_a_bad_master_data_record_is_named_without_pydantic_boilerplate(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "load", str(FIXTURES / "bad-customer.json"))

    assert code == exit_codes.USAGE
    assert "customers record 2: priority:" in output
    assert "validation error for" not in output
    one_line_error(output)


def test_a_missing_file_is_a_usage_error(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # a short name: the error box would wrap a long path
    code, output = failing(monkeypatch, capsys, url, "ingest", "gone.jsonl")

    assert code == exit_codes.USAGE
    assert "gone.jsonl" in output and "does not exist" in output
    assert "Traceback" not in output


# ---------------------------------------------------------------------- files and their types


@pytest.mark.parametrize(("name", "content", "said"), [
    ("orders.txt", '{"channel": "web"}\n', ".txt is not an order file type; name it .jsonl"),
    ("orders", '{"channel": "web"}\n', "a name without extension is not an order file type"),
    ("orders.csv", '{"channel": "web"}\n', "orders.csv holds JSON, not CSV: name it .jsonl"),
    ("orders.jsonl", "channel,external_id\nweb,W-1\n", "orders.jsonl is not JSON lines"),
    ("orders.jsonl", "ISA*00*          *00*\n", "holds EDI (X12 or EDIFACT), not JSON"),
    ("orders.x12", '{"channel": "web"}\n', "orders.x12 holds JSON, not EDI"),
    ("orders.jsonl", "\x00\x01\x02", "orders.jsonl is not UTF-8 text"),
])
def test_a_file_whose_content_does_not_fit_its_name_is_refused_and_nothing_is_stored(
    loaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], name: str, content: str, said: str
) -> None:
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")

    code, output = failing(monkeypatch, capsys, loaded, "ingest", str(file))

    assert code == exit_codes.USAGE
    assert said in output
    one_line_error(output)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(name)) == [name]
    with opened(loaded, migrate=False) as store:
        assert rows(store, "orders") == []


def test_a_master_data_file_of_another_type_is_refused(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    file = copied(FIXTURES / "masterdata.json", tmp_path, "masterdata.txt")

    code, output = failing(monkeypatch, capsys, url, "load", str(file))

    assert code == exit_codes.USAGE
    assert "masterdata.txt: .txt is not a master data file type; name it .json or .csv" in output


# ----------------------------------------------------------------------------- rejected rows


def test_ingest_exits_3_and_writes_each_rejected_json_line_whole(
    loaded: str, tmp_path: Path
) -> None:
    file = tmp_path / "day.jsonl"
    good = {"channel": "web", "external_id": "W-1", "customer_id": "C1",
            "ship_to": {"name": "A", "line1": "1 Main St", "city": "Dallas", "region": "TX",
                        "postal_code": "75201", "country": "US"},
            "lines": [{"line_no": 1, "sku": "SKU1", "quantity": 1}]}
    bad = {**good, "external_id": "W-2", "idempotency_key": "k-2",
           "lines": [{"line_no": 1, "sku": "SKU1", "quantity": "many"}]}
    file.write_text(f"{json.dumps(good)}\n{json.dumps(bad)}\n[1, 2]\n", encoding="utf-8")

    shipshape(loaded, "ingest", str(file), code=exit_codes.REJECTED)

    rejects = [json.loads(line) for line in
               (tmp_path / "day.jsonl.rejected.jsonl").read_text().splitlines()]
    assert [(r["row"], r.get("record"), r.get("text")) for r in rejects] == [
        (2, bad, None), (3, None, "[1, 2]")]
    assert "lines.0.quantity" in rejects[0]["error"]


def test_ingest_writes_the_rejected_csv_rows_with_their_columns_and_an_error(
    loaded: str, tmp_path: Path
) -> None:
    file = copied(FIXTURES / "orders.csv", tmp_path)
    with file.open(newline="") as handle:
        original = list(csv.DictReader(handle))
    e2 = [row for row in original if row["external_id"] == "E-2"]
    broken = [{**row, "quantity": "-3"} if row["external_id"] == "E-2" else row
              for row in original]
    with file.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(original[0]))
        writer.writeheader()
        writer.writerows(broken)

    shipshape(loaded, "ingest", str(file), code=exit_codes.REJECTED)

    with (tmp_path / "orders.csv.rejected.csv").open(newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert [{k: v for k, v in r.items() if k != "error"} for r in rejected] == [
        {**row, "quantity": "-3"} for row in e2]
    assert all("quantity" in r["error"] for r in rejected)


def test_ingest_with_nothing_rejected_exits_0_and_removes_an_old_rejects_file(
    loaded: str, tmp_path: Path
) -> None:
    file = copied(FIXTURES / "orders.csv", tmp_path)
    (tmp_path / "orders.csv.rejected.csv").write_text("from an earlier run\n")

    shipshape(loaded, "ingest", str(file))

    assert not (tmp_path / "orders.csv.rejected.csv").exists()


# --------------------------------------------------------------- migrations and the password


@pytest.mark.empty_store
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_command_never_migrates_postgresql_and_says_what_to_do(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, database_url, "orders", "list")

    assert code == exit_codes.FAILURE
    assert (f"the database schema is at nothing (empty), this shipshape needs {head_revision()}: "
            "run `shipshape db upgrade`") in output
    one_line_error(output)
    assert inspect(create_engine(database_url)).get_table_names() == []

    upgraded, _ = failing(monkeypatch, capsys, database_url, "db", "upgrade")
    listed, output = failing(monkeypatch, capsys, database_url, "orders", "list")

    assert (upgraded, listed) == (exit_codes.OK, exit_codes.OK)
    assert "showing none of 0" in output


def test_an_embedded_sqlite_database_still_migrates_itself(url: str) -> None:
    listed = shipshape(url, "customers", "list")

    assert "showing none of 0" in listed.stdout


@pytest.mark.empty_store
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_password_is_never_printed(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_password = make_url(database_url).set(password=PASSWORD).render_as_string(
        hide_password=False)
    no_database = make_url(with_password).set(database="no_such_database").render_as_string(
        hide_password=False)
    settings = Settings(database_url=with_password, env="test")

    upgraded, said = failing(monkeypatch, capsys, with_password, "db", "upgrade")
    refused, error = failing(monkeypatch, capsys, no_database, "orders", "list")
    banner = serve_banner(settings, "http://127.0.0.1:8000", relay=True, worker=True)

    assert (upgraded, refused) == (exit_codes.OK, exit_codes.FAILURE)
    assert "up to date" in said and "postgres:***@" in said
    assert "cannot open the database at" in error and "postgres:***@" in error
    assert "postgres:***@" in banner and "postgres:***@" in settings.database_location
    assert all(PASSWORD not in text for text in (said, error, banner,
                                                  settings.database_location))

