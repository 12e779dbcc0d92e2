"""`shipshape ingest FILE.csv --mapping MAP.yaml`: field-sales exports under their own columns."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shipshape.adapters.channels.csv_mapping import _decimal_comma
from shipshape.bootstrap import Container
from shipshape.cli import exit_codes
from tests.cli_support import copied, failing, rows, shipshape, summary

FIXTURES = Path(__file__).parent.parent / "fixtures"
MAPPINGS = FIXTURES / "csv_mapping"


@pytest.fixture
def loaded(url: str, store: Container) -> str:
    shipshape(url, "load", str(FIXTURES / "cli" / "masterdata.json"))
    return url


def lines_of(store: Container, order_id: str) -> list[tuple[int, str, int, Decimal, str]]:
    return sorted((r["line_no"], r["sku"], r["quantity"], r["unit_price"], r["uom"])
                  for r in rows(store, "order_lines") if r["order_id"] == order_id)


def mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ mapped exports


def test_a_field_sales_export_is_read_through_its_mapping(
    loaded: str, store: Container, tmp_path: Path
) -> None:
    result = shipshape(loaded, "ingest", str(copied(MAPPINGS / "field-sales.csv", tmp_path)),
                       "--mapping", str(MAPPINGS / "field-sales.yaml"))

    assert {k: summary(result.output)[k] for k in ("accepted", "rejected", "total")} == {
        "accepted": 3, "rejected": 0, "total": 3}
    orders = {o["external_id"]: o for o in rows(store, "orders")}
    assert set(orders) == {"FS-1001", "FS-1002", "FS-1003"}
    first = orders["FS-1001"]
    assert (first["channel"], first["customer_id"], first["customer_po"]) == (
        "field_sales", "C1", "PO-7781")
    assert first["requested_ship_date"] == date(2026, 3, 16)
    assert first["ship_to"] == {"name": "Acme Dallas", "line1": "1 Main St", "city": "Dallas",
                                "region": "TX", "postal_code": "75201", "country": "US"}
    assert lines_of(store, first["id"]) == [(1, "SKU1", 4, Decimal("10.00"), "EA"),
                                            (2, "SKU2", 6, Decimal("5.00"), "EA")]
    assert orders["FS-1002"]["customer_po"] is None
    assert orders["FS-1003"]["requested_ship_date"] == date(2026, 12, 24)
    assert lines_of(store, orders["FS-1003"]["id"])[0][3] == Decimal("9.95")


def test_the_same_export_ingested_again_is_replayed_not_doubled(
    loaded: str, store: Container, tmp_path: Path
) -> None:
    export = copied(MAPPINGS / "field-sales.csv", tmp_path)
    args = ("ingest", str(export), "--mapping", str(MAPPINGS / "field-sales.yaml"))
    shipshape(loaded, *args)
    again = summary(shipshape(loaded, *args).output)

    assert (again["accepted"], again["replayed"]) == (0, 3)
    assert len(rows(store, "orders")) == 3


def test_a_european_export_with_semicolons_and_windows_text(
    loaded: str, store: Container, tmp_path: Path
) -> None:
    shipshape(loaded, "ingest", str(copied(MAPPINGS / "field-sales-eu.csv", tmp_path)),
              "--mapping", str(MAPPINGS / "field-sales-eu.yaml"))

    [order] = rows(store, "orders")
    assert (order["external_id"], order["requested_ship_date"]) == ("FS-2001", date(2026, 3, 16))
    assert order["ship_to"]["name"] == "Acme Müller GmbH"
    assert order["ship_to"]["line1"] == "Hauptstraße 5"
    assert lines_of(store, order["id"]) == [(10, "SKU1", 1000, Decimal("10.00"), "EA"),
                                            (20, "SKU2", 3, Decimal("5.00"), "EA")]


def test_a_date_not_in_the_mapped_format_refuses_only_its_order(
    loaded: str, store: Container, tmp_path: Path
) -> None:
    export = copied(MAPPINGS / "field-sales.csv", tmp_path)
    export.write_text(export.read_text().replace("04/01/2026", "2026-04-01"))
    result = shipshape(loaded, "ingest", str(export),
                       "--mapping", str(MAPPINGS / "field-sales.yaml"), code=exit_codes.REJECTED)

    assert (summary(result.output)["accepted"], summary(result.output)["rejected"]) == (2, 1)
    with (tmp_path / "field-sales.csv.rejected.csv").open(newline="") as rejects:
        [rejected] = list(csv.DictReader(rejects))
    with export.open(newline="") as original:
        [row] = [r for r in csv.DictReader(original) if r["Order No"] == "FS-1002"]
    assert {k: v for k, v in rejected.items() if k != "error"} == row
    assert "requested_ship_date" in rejected["error"]
    assert {o["external_id"] for o in rows(store, "orders")} == {"FS-1001", "FS-1003"}


@pytest.mark.parametrize(("text", "number"), [
    ("12,50", "12.50"), ("1.234,50", "1234.50"), ("1.000", "1000"), ("7", "7"),
    ("1 234,5", "1234.5"), ("1.5", "1.5"),
])
def test_decimal_comma_numbers(text: str, number: str) -> None:
    assert _decimal_comma(text) == number


# ------------------------------------------------------------------------------ refused mappings


def test_a_mapping_naming_a_missing_column_fails_clearly_and_stores_nothing(
    loaded: str, store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, loaded, "ingest",
                           str(copied(MAPPINGS / "field-sales.csv", tmp_path)),
                           "--mapping", str(MAPPINGS / "missing-column.yaml"))

    assert code == 2
    assert "field-sales.csv has no column 'Ship-Date' named in the mapping" in output
    assert "'Ship Date'" in output
    assert rows(store, "orders") == []
    assert not (tmp_path / "field-sales.csv.rejected.csv").exists()


def test_an_unknown_field_in_the_mapping_is_refused_naming_it(
    loaded: str, store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    text = (MAPPINGS / "field-sales.yaml").read_text() + "ship_to_street: Street\n"
    code, output = failing(monkeypatch, capsys, loaded, "ingest",
                           str(copied(MAPPINGS / "field-sales.csv", tmp_path)),
                           "--mapping", str(mapping(tmp_path, text)))

    assert code == 2
    assert "map.yaml: unknown fields ['ship_to_street']" in output
    assert "ship_to_line1" in output
    assert rows(store, "orders") == []


@pytest.mark.parametrize(("text", "message"), [
    ("channel: =field_sales\nexternal_id: Order No\n", "must name customer_id, line_no, sku"),
    ("- Order No\n", "expected canonical field: column pairs"),
    ("channel: =web\nexternal_id: 1\ncustomer_id: A\nline_no: L\nsku: S\n",
     "external_id must name a column"),
    ("channel: =web\nexternal_id: E\ncustomer_id: A\nline_no: L\nsku: S\ndelimiter: ';;'\n",
     "delimiter one character"),
    ("channel: =web\nexternal_id: E\ncustomer_id: A\nline_no: L\nsku: S\nencoding: klingon\n",
     "encoding a Python codec name"),
])
def test_a_malformed_mapping_is_refused(
    url: str, store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    code, output = failing(monkeypatch, capsys, url, "ingest",
                           str(copied(MAPPINGS / "field-sales.csv", tmp_path)),
                           "--mapping", str(mapping(tmp_path, text)))

    assert code == 2
    assert message in output
    assert rows(store, "orders") == []


def test_a_mapping_is_for_csv_files_only(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    orders = copied(FIXTURES / "cli" / "orders.jsonl", tmp_path)
    code, output = failing(monkeypatch, capsys, url, "ingest", str(orders),
                           "--mapping", str(MAPPINGS / "field-sales.yaml"))

    assert code == 2
    assert "--mapping applies to CSV files only" in output


def test_an_export_in_another_encoding_than_mapped_is_refused(
    loaded: str, store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    text = (MAPPINGS / "field-sales-eu.yaml").read_text().replace("encoding: cp1252\n", "")
    code, output = failing(monkeypatch, capsys, loaded, "ingest",
                           str(copied(MAPPINGS / "field-sales-eu.csv", tmp_path)),
                           "--mapping", str(mapping(tmp_path, text)))

    assert code == 2
    assert "field-sales-eu.csv is not utf-8-sig text" in output
    assert rows(store, "orders") == []
