"""The `shipshape` command: schema, tokens, bulk master data and order files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from shipshape.adapters.db import tables
from shipshape.bootstrap import Container
from shipshape.cli import app, exit_codes
from shipshape.domain.access import Role
from tests.cli_support import copied, failing, opened, rows, shipshape, summary

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cli"
MASTER_TABLES = ("sites", "customers", "items", "prices", "carriers")
CSV_KINDS = ("sites", "customers", "items", "prices", "carriers", "receipts")


@pytest.fixture
def store(url: str) -> Iterator[Container]:
    """The database the commands wrote, opened as the API would open it (no migration)."""
    with opened(url, migrate=False) as container:
        yield container


def stock(store: Container) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r["site"], r["sku"]): (r["on_hand"], r["reserved"]) for r in rows(store, "inventory")}


def master_data(store: Container) -> dict[str, list[dict[str, Any]]]:
    return {name: rows(store, name) for name in MASTER_TABLES}


# ------------------------------------------------------------------------------ db and tokens


def test_db_upgrade_creates_the_schema(url: str, store: Container) -> None:
    result = shipshape(url, "db", "upgrade")
    assert "up to date" in result.output
    assert set(tables.metadata.tables) <= set(inspect(store.engine).get_table_names())


def test_db_upgrade_twice_is_harmless(url: str, store: Container) -> None:
    shipshape(url, "db", "upgrade")
    shipshape(url, "db", "upgrade")
    assert set(tables.metadata.tables) <= set(inspect(store.engine).get_table_names())


def test_tokens_create_prints_a_token_last_that_authenticates(
    url: str, store: Container
) -> None:
    result = shipshape(url, "tokens", "create", "--role", "viewer", "--name", "me")
    token = result.stdout.splitlines()[-1]
    principal = store.tokens.authenticate(token)
    assert (principal.name, principal.role) == ("me", Role.VIEWER)


def test_each_created_token_is_new(url: str, store: Container) -> None:
    first = shipshape(url, "tokens", "create", "--role", "admin", "--name", "a")
    second = shipshape(url, "tokens", "create", "--role", "agent", "--name", "b")
    tokens = [r.stdout.splitlines()[-1] for r in (first, second)]
    assert tokens[0] != tokens[1]
    assert [store.tokens.authenticate(t).role for t in tokens] == [Role.ADMIN, Role.AGENT]


def test_an_unknown_role_fails_naming_the_roles(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "tokens", "create", "--role", "wizard",
                           "--name", "me")
    assert code != 0
    assert "unknown role 'wizard'" in output
    assert "admin, integration, supervisor, agent, viewer" in output


def test_an_unknown_role_fails_through_the_typer_app_too(url: str) -> None:
    result = CliRunner().invoke(app, ["tokens", "create", "--role", "wizard", "--name", "me"],
                                env={"SHIPSHAPE_DATABASE_URL": url})
    assert result.exit_code != 0
    assert "unknown role 'wizard'" in str(result.exception)


def test_a_blank_token_name_fails(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "tokens", "create", "--role", "viewer",
                           "--name", " ")
    assert code != 0
    assert "needs a name" in output


# ---------------------------------------------------------------------------- load master data


def test_load_json_stores_every_section(url: str, store: Container) -> None:
    result = shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    assert "loaded 9 master data records and 3 stock receipts" in " ".join(result.output.split())
    data = master_data(store)
    assert [(s["id"], s["country"]) for s in data["sites"]] == [("ATL", "US"), ("DAL", "US")]
    assert [(c["id"], c["priority"], c["credit_limit"]) for c in data["customers"]] == [
        ("C1", "standard", Decimal("100000")), ("C2", "strategic", Decimal("5000"))]
    assert [(i["sku"], i["substitutes"]) for i in data["items"]] == [
        ("SKU1", []), ("SKU2", ["SKU1"])]
    assert [(p["sku"], p["unit_price"]) for p in data["prices"]] == [
        ("SKU1", Decimal("10.00")), ("SKU2", Decimal("5.00"))]
    assert [(c["code"], [s["code"] for s in c["services"]]) for c in data["carriers"]] == [
        ("UPS", ["GND"])]
    assert stock(store) == {("DAL", "SKU1"): (100, 0), ("DAL", "SKU2"): (50, 0),
                            ("ATL", "SKU2"): (40, 0)}


def test_loading_the_same_master_data_twice_leaves_the_same_records(
    url: str, store: Container
) -> None:
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    first = master_data(store)
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    assert master_data(store) == first


def test_load_csv_takes_the_kind_from_the_file_name(url: str, store: Container) -> None:
    for kind in CSV_KINDS:
        shipshape(url, "load", str(FIXTURES / "csv" / f"{kind}.csv"))
    data = master_data(store)
    assert [s["id"] for s in data["sites"]] == ["ATL", "DAL"]
    c1, c2 = data["customers"]
    assert (c1["allow_split"], c1["preferred_site"], c1["credit_limit"]) == (
        True, "DAL", Decimal("100000"))
    assert (c2["priority"], c2["credit_hold"], c2["preferred_site"]) == (
        "strategic", True, None)
    assert [(i["sku"], i["gtin"], i["substitutes"]) for i in data["items"]] == [
        ("SKU1", "00012345600012", []), ("SKU2", None, ["SKU1", "SKU3"])]
    assert [(p["sku"], p["unit_price"]) for p in data["prices"]] == [
        ("SKU1", Decimal("10.00")), ("SKU2", Decimal("5.00"))]
    assert stock(store) == {("DAL", "SKU1"): (100, 0), ("DAL", "SKU2"): (25, 0)}


def test_a_csv_carrier_with_one_row_per_service_becomes_one_carrier(
    url: str, store: Container
) -> None:
    shipshape(url, "load", str(FIXTURES / "csv" / "carriers.csv"))
    [carrier] = rows(store, "carriers")
    assert carrier["services"] == [
        {"code": "GND", "hazmat_allowed": False, "max_weight_kg": "70", "countries": ["US"]},
        {"code": "AIR", "hazmat_allowed": False, "max_weight_kg": "30",
         "countries": ["US", "CA"]}]


def test_loading_the_same_csv_files_twice_leaves_the_same_records(
    url: str, store: Container
) -> None:
    for kind in MASTER_TABLES:
        shipshape(url, "load", str(FIXTURES / "csv" / f"{kind}.csv"))
    first = master_data(store)
    for kind in MASTER_TABLES:
        shipshape(url, "load", str(FIXTURES / "csv" / f"{kind}.csv"))
    assert master_data(store) == first


def test_load_csv_with_kind_option_for_any_file_name(url: str, store: Container) -> None:
    shipshape(url, "load", str(FIXTURES / "csv" / "sites.csv"))
    shipshape(url, "load", str(FIXTURES / "csv" / "items.csv"))
    shipshape(url, "load", str(FIXTURES / "dallas-stock.csv"), "--kind", "receipts")
    assert stock(store) == {("DAL", "SKU1"): (7, 0)}


def test_a_csv_of_unknown_kind_fails_asking_for_kind(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "load", str(FIXTURES / "dallas-stock.csv"))
    assert code != 0
    assert "dallas-stock.csv" in output
    assert "--kind" in output


def test_a_load_file_with_an_invalid_record_names_it_and_loads_nothing(
    url: str, store: Container, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    shipshape(url, "db", "upgrade")
    code, output = failing(monkeypatch, capsys, url, "load", str(FIXTURES / "bad-customer.json"))
    assert code != 0
    assert "customers record 2" in output
    assert "priority" in output
    assert master_data(store) == {name: [] for name in MASTER_TABLES}
    assert stock(store) == {}


def test_a_load_file_with_an_unknown_section_fails_naming_it(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "typo.json"
    document.write_text(json.dumps({"site": [{"id": "DAL"}]}), encoding="utf-8")
    code, output = failing(monkeypatch, capsys, url, "load", str(document))
    assert code != 0
    assert "unknown sections ['site']" in output


def test_a_load_file_that_is_not_json_fails_naming_the_file(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "broken.json"
    document.write_text('{"sites": [', encoding="utf-8")
    code, output = failing(monkeypatch, capsys, url, "load", str(document))
    assert code != 0
    assert "broken.json is not valid JSON" in output


def test_a_receipt_for_an_unknown_site_fails_and_stores_no_stock(
    url: str, store: Container, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "load",
                           str(FIXTURES / "unknown-site-receipt.json"))
    assert code != 0
    assert "site NOWHERE is not in master data" in output
    assert stock(store) == {}
    assert all(not records for records in master_data(store).values())


def test_a_load_record_with_an_unusable_key_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
    store: Container, tmp_path: Path
) -> None:
    bad = tmp_path / "bad-key.json"
    bad.write_text('{"sites": [{"id": "A B/C", "name": "x", "country": "US", '
                   '"postal_code": "1"}]}', encoding="utf-8")
    shipshape(url, "db", "upgrade")
    code, output = failing(monkeypatch, capsys, url, "load", str(bad))
    assert code != 0
    assert "sites record 1: id" in output
    assert master_data(store)["sites"] == []


# -------------------------------------------------------------------------------- ingest orders


def test_ingest_json_lines_summarises_outcomes_and_writes_rejects(
    url: str, store: Container, tmp_path: Path
) -> None:
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    orders = copied(FIXTURES / "orders.jsonl", tmp_path)
    result = shipshape(url, "ingest", str(orders), code=exit_codes.REJECTED)
    counts = summary(result.output)
    assert {k: counts[k] for k in ("accepted", "held", "duplicate", "rejected", "total")} == {
        "accepted": 2, "held": 1, "duplicate": 1, "rejected": 2, "total": 6}
    rejects = [json.loads(line) for line in
               (tmp_path / "orders.jsonl.rejected.jsonl").read_text().splitlines()]
    assert [r["row"] for r in rejects] == [5, 6]
    assert rejects[0]["error"].startswith("not JSON")
    assert "channel" in rejects[1]["error"]
    assert "lines.0.quantity" in rejects[1]["error"]
    lines = orders.read_text().splitlines()
    assert rejects[0]["text"] == lines[4].strip()
    assert rejects[1]["record"] == json.loads(lines[5])


def test_ingested_orders_are_stored_and_reserve_stock(
    url: str, store: Container, tmp_path: Path
) -> None:
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    shipshape(url, "ingest", str(copied(FIXTURES / "orders.jsonl", tmp_path)),
              code=exit_codes.REJECTED)
    stored = {(o["channel"], o["external_id"]): o["status"] for o in rows(store, "orders")}
    assert stored == {("web", "W-1"): "accepted", ("web", "W-2"): "accepted",
                      ("api", "A-3"): "held"}
    assert stock(store)[("DAL", "SKU1")] == (100, 2)
    assert stock(store)[("DAL", "SKU2")] == (50, 1)
    assert [c["code"] for c in rows(store, "exception_cases")].count("DUPLICATE_ORDER") == 1


def test_ingesting_the_same_file_twice_creates_nothing_new(
    url: str, store: Container, tmp_path: Path
) -> None:
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    orders = copied(FIXTURES / "orders.jsonl", tmp_path)
    shipshape(url, "ingest", str(orders), code=exit_codes.REJECTED)
    before = (rows(store, "orders"), stock(store), len(rows(store, "exception_cases")))
    again = summary(shipshape(url, "ingest", str(orders), code=exit_codes.REJECTED).output)
    assert (rows(store, "orders"), stock(store), len(rows(store, "exception_cases"))) == before
    assert (again["accepted"], again["held"], again["duplicate"]) == (0, 0, 0)
    assert again["replayed"] == 4


def test_an_ingest_without_rejects_leaves_no_rejects_file(
    url: str, store: Container, tmp_path: Path
) -> None:
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    orders = copied(FIXTURES / "orders.csv", tmp_path)
    counts = summary(shipshape(url, "ingest", str(orders)).output)
    assert counts["rejected"] == 0
    assert not (tmp_path / "orders.csv.rejected.jsonl").exists()


def test_ingest_csv_groups_rows_into_orders_by_channel_and_external_id(
    url: str, store: Container, tmp_path: Path
) -> None:
    shipshape(url, "load", str(FIXTURES / "masterdata.json"))
    result = shipshape(url, "ingest", str(copied(FIXTURES / "orders.csv", tmp_path)))
    assert (summary(result.output)["accepted"], summary(result.output)["total"]) == (2, 2)
    orders = {o["external_id"]: o for o in rows(store, "orders")}
    assert set(orders) == {"W-1", "E-2"}
    assert orders["E-2"]["ship_to"] == {"name": "Acme Austin", "line1": "9 Elm St",
                                        "city": "Austin", "region": "TX",
                                        "postal_code": "73301", "country": "US"}
    assert orders["E-2"]["carrier_service"] is None
    lines = [(r["line_no"], r["sku"], r["quantity"]) for r in rows(store, "order_lines")
             if r["order_id"] == orders["W-1"]["id"]]
    assert lines == [(1, "SKU1", 2), (2, "SKU2", 3)]
    assert stock(store)[("DAL", "SKU2")] == (50, 4)
