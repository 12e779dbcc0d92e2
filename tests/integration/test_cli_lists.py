"""`shipshape orders|customers|items|invoices list` and `show`: what the API reads, for people
(tables whose ids can be pasted) and for scripts (`--output json|csv`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from shipshape.adapters.db import queries
from shipshape.bootstrap import Container
from shipshape.cli import app, exit_codes
from tests.cli_support import copied
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "cli"


def run(url: str, *args: str, code: int = exit_codes.OK, columns: int = 80) -> Result:
    result = CliRunner().invoke(app, list(args), env={"SHIPSHAPE_DATABASE_URL": url,
                                                      "COLUMNS": str(columns)})
    assert result.exit_code == code, (result.output, result.exception)
    return result


@pytest.fixture
def orders(container: Container, database_url: str, tmp_path: Path) -> dict[str, str]:
    """The orders of the CLI fixtures (W-1 and W-2 accepted, A-3 held), id by external id."""
    run(database_url, "load", str(FIXTURES / "masterdata.json"))
    run(database_url, "ingest", str(copied(FIXTURES / "orders.jsonl", tmp_path)),
        code=exit_codes.REJECTED)
    page = queries.list_orders(container.engine)
    return {row["external_id"]: row["order_id"] for row in page.rows}


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def as_csv(result: Result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


# ---------------------------------------------------------------------------------------- orders


@pytest.mark.parametrize("columns", [80, 50])
def test_orders_list_shows_every_id_whole_and_the_total(
    database_url: str, orders: dict[str, str], columns: int
) -> None:
    output = run(database_url, "orders", "list", columns=columns).stdout

    assert all(order_id in output for order_id in orders.values()), output
    assert "showing 1-3 of 3" in output


def test_orders_list_filters_and_pages(database_url: str, orders: dict[str, str]) -> None:
    accepted = as_json(run(database_url, "orders", "list", "--status", "accepted", "-o", "json"))
    second = as_json(run(database_url, "orders", "list", "--limit", "1", "--offset", "1",
                         "-o", "json"))
    footer = run(database_url, "orders", "list", "--limit", "1", "--offset", "1").stdout

    assert {o["order_id"] for o in accepted["orders"]} == {orders["W-1"], orders["W-2"]}
    assert (accepted["total"], accepted["limit"], accepted["offset"]) == (2, 50, 0)
    assert (len(second["orders"]), second["total"], second["offset"]) == (1, 3, 1)
    assert "showing 2-2 of 3" in footer


def test_orders_list_as_csv_has_every_field_of_every_order(
    database_url: str, orders: dict[str, str], container: Container
) -> None:
    listed = as_csv(run(database_url, "orders", "list", "-o", "csv"))
    [w1] = [row for row in listed if row["external_id"] == "W-1"]
    stored = queries.order_detail(container.engine, orders["W-1"])
    assert stored is not None

    assert sorted(row["order_id"] for row in listed) == sorted(orders.values())
    assert w1["order_id"] == stored["order_id"] and w1["value"] == stored["value"]
    assert json.loads(w1["ship_to"]) == stored["ship_to"]
    assert w1["release_number"] == ""


def test_orders_list_by_customer_and_creation_time(
    database_url: str, orders: dict[str, str]
) -> None:
    today = as_json(run(database_url, "orders", "list", "--customer-id", "C1",
                        "--from", "2000-01-01", "-o", "json"))
    later = as_json(run(database_url, "orders", "list", "--from", "2999-01-01", "-o", "json"))
    earlier = as_json(run(database_url, "orders", "list", "--to", "2000-01-01", "-o", "json"))
    nobody = as_json(run(database_url, "orders", "list", "--customer-id", "C2", "-o", "json"))

    assert today["total"] == 3
    assert later["orders"] == earlier["orders"] == nobody["orders"] == []


def test_an_unreadable_date_or_status_is_a_usage_error(
    database_url: str, orders: dict[str, str]
) -> None:
    bad_date = run(database_url, "orders", "list", "--from", "yesterday", code=exit_codes.USAGE)
    bad_status = run(database_url, "orders", "list", "--status", "lost", code=exit_codes.USAGE)
    backwards = run(database_url, "orders", "list", "--from", "2024-02-01", "--to",
                    "2024-01-01", code=exit_codes.USAGE)

    assert "not an ISO date" in bad_date.output
    assert "lost" in bad_status.output
    assert "is after --to" in " ".join(backwards.output.split())


def test_orders_show_gives_what_the_api_gives(
    database_url: str, orders: dict[str, str], container: Container
) -> None:
    order_id = orders["A-3"]
    shown = as_json(run(database_url, "orders", "show", order_id, "-o", "json"))
    table = run(database_url, "orders", "show", order_id).stdout
    detail = queries.order_detail(container.engine, order_id, "USD")

    assert shown == detail
    assert detail is not None and detail["cases"]
    assert order_id in table and "held" in table
    assert all(case["case_id"] in table for case in detail["cases"])
    assert "NO-SUCH-SKU" in table


# ------------------------------------------------------------------------ master data, invoices


def test_customers_list_and_show(database_url: str, orders: dict[str, str]) -> None:
    table = run(database_url, "customers", "list").stdout
    active = as_json(run(database_url, "customers", "list", "--active", "-o", "json"))
    inactive = as_json(run(database_url, "customers", "list", "--inactive", "-o", "json"))
    c2 = as_json(run(database_url, "customers", "show", "C2", "-o", "json"))

    assert "C1" in table and "Beta Clinics" in table and "showing 1-2 of 2" in table
    assert [c["customer_id"] for c in active["customers"]] == ["C1", "C2"]
    assert (inactive["customers"], inactive["total"]) == ([], 0)
    assert (c2["customer_id"], c2["priority"], c2["credit_limit"]) == (
        "C2", "strategic", "5000.00")
    assert "strategic" in run(database_url, "customers", "show", "C2").stdout


def test_items_list_and_show(database_url: str, orders: dict[str, str]) -> None:
    listed = as_csv(run(database_url, "items", "list", "-o", "csv"))
    shown = as_json(run(database_url, "items", "show", "SKU2", "-o", "json"))

    assert [(i["sku"], i["substitutes"], i["active"]) for i in listed] == [
        ("SKU1", "", "true"), ("SKU2", "SKU1", "true")]
    assert (shown["sku"], shown["description"], shown["substitutes"]) == (
        "SKU2", "Masks", ["SKU1"])
    assert "showing 1-1 of 2" in run(database_url, "items", "list", "--limit", "1").stdout


def test_invoices_list_speaks_json_and_csv(database_url: str, orders: dict[str, str]) -> None:
    listed = as_json(run(database_url, "invoices", "list", "-o", "json"))
    header = run(database_url, "invoices", "list", "-o", "csv").stdout

    assert (listed["invoices"], listed["total"]) == ([], 0)
    assert header.strip() == ""
