"""Master data and stock read back through HTTP, on both backends: one record by its id, lists
with filters and pages; a GET can be PUT back."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipshape.bootstrap import Container
from tests.builders import VALID_GTIN, auth, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

PROBLEM = "application/problem+json"

# path, the body PUT, and the record's id fields as a GET answers them
RECORDS: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
    "site": ("/api/v1/sites/HOU", {"name": "Houston DC", "country": "US",
                                   "postal_code": "77001"}, {"site_id": "HOU"}),
    "customer": ("/api/v1/customers/C9", {
        "name": "Beta", "active": True, "segment": "wholesale", "priority": "strategic",
        "credit_limit": "2500.5", "credit_hold": False, "payment_terms": "NET45",
        "allow_split": True, "allow_substitutes": False, "preferred_site": "DAL",
        "min_remaining_shelf_life_days": 30}, {"customer_id": "C9"}),
    "item": ("/api/v1/items/SKU9", {
        "description": "Goggles", "gtin": VALID_GTIN, "active": True, "uom": "BX",
        "weight_kg": "1.250", "hazmat": False, "lot_controlled": True,
        "substitutes": ["SKU1"]}, {"sku": "SKU9"}),
    "price": ("/api/v1/prices/C1/SKU2", {"unit_price": "4.5", "currency": "USD",
                                         "tolerance_pct": "2.5"},
              {"customer_id": "C1", "sku": "SKU2"}),
    "carrier": ("/api/v1/carriers/FDX", {"name": "FedEx", "services": [
        {"code": "2DAY", "max_weight_kg": "68", "hazmat_allowed": True,
         "countries": ["US", "CA"], "transit_days": 2},
        {"code": "GND", "max_weight_kg": None, "hazmat_allowed": False, "countries": [],
         "transit_days": None}]},
        {"code": "FDX"}),
}
# what the stored record reads as, where it differs from what was sent
NORMALISED: dict[str, dict[str, Any]] = {
    "customer": {"credit_limit": "2500.50"},
    "item": {"weight_kg": "1.25"},
    "price": {"unit_price": "4.50"},
}


def get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params, headers=auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_a_record_reads_back_with_the_fields_its_put_takes_and_its_id(
    client: TestClient, container: Container, tokens: dict[str, str], kind: str,
) -> None:
    seed_distributor(container)
    path, body, ids = RECORDS[kind]
    put = client.put(path, json=body, headers=auth(tokens["integration"]))
    assert put.status_code == 200, put.text

    read = get(client, tokens["viewer"], path)

    assert read == {**ids, **body, **NORMALISED.get(kind, {})}
    assert put.json() == read


@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_a_get_put_back_changes_nothing(
    client: TestClient, container: Container, tokens: dict[str, str], kind: str,
) -> None:
    seed_distributor(container)
    path, body, ids = RECORDS[kind]
    client.put(path, json=body, headers=auth(tokens["integration"]))
    read = get(client, tokens["viewer"], path)
    changes = get(client, tokens["viewer"], f"{path}/changes")["total"]

    again = client.put(path, json={k: v for k, v in read.items() if k not in ids},
                       headers=auth(tokens["integration"]))

    assert again.status_code == 200, again.text
    assert get(client, tokens["viewer"], path) == read
    assert get(client, tokens["viewer"], f"{path}/changes")["total"] == changes >= 1


@pytest.mark.parametrize("path", ["/api/v1/sites/NOPE", "/api/v1/customers/NOPE",
                                  "/api/v1/items/NOPE", "/api/v1/prices/C1/NOPE",
                                  "/api/v1/carriers/NOPE"])
def test_an_unknown_record_is_a_404_problem(
    client: TestClient, container: Container, tokens: dict[str, str], path: str,
) -> None:
    seed_distributor(container)
    answer = client.get(path, headers=auth(tokens["viewer"]))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert "NOPE" in answer.json()["detail"]


def test_lists_of_master_data_filter_and_count_every_match(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    writer, viewer = tokens["integration"], tokens["viewer"]
    for customer_id, active in (("C2", False), ("C3", True)):
        client.put(f"/api/v1/customers/{customer_id}", json={"name": customer_id,
                                                            "active": active},
                   headers=auth(writer))
    client.put("/api/v1/items/ACID", json={"description": "Acid", "hazmat": True},
               headers=auth(writer))

    def ids(path: str, key: str, id_field: str, **params: Any) -> list[str]:
        return [row[id_field] for row in get(client, viewer, path, **params)[key]]

    assert ids("/api/v1/sites", "sites", "site_id") == ["ATL", "DAL"]
    assert ids("/api/v1/sites", "sites", "site_id", sort="-site_id") == ["DAL", "ATL"]
    assert ids("/api/v1/customers", "customers", "customer_id", active="true") == ["C1", "C3"]
    assert ids("/api/v1/customers", "customers", "customer_id", active="false") == ["C2"]
    assert ids("/api/v1/items", "items", "sku", hazmat="true") == ["ACID"]
    assert ids("/api/v1/prices", "prices", "sku", customer_id="C1") == ["SKU1", "SKU2"]
    assert ids("/api/v1/prices", "prices", "sku", sku="SKU2") == ["SKU2"]
    assert ids("/api/v1/carriers", "carriers", "code") == ["UPS"]
    page = get(client, viewer, "/api/v1/customers", limit=1, offset=1)
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    assert [c["customer_id"] for c in page["customers"]] == ["C2"]


def test_a_carrier_lists_with_its_services(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    [carrier] = get(client, tokens["viewer"], "/api/v1/carriers")["carriers"]
    assert carrier == {"code": "UPS", "name": "UPS", "services": [
        {"code": "GND", "max_weight_kg": "70", "hazmat_allowed": False, "countries": ["US"],
         "transit_days": None}]}


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/customers", {"priority": "vip"}, "priority"),
    ("/api/v1/customers", {"active": "maybe"}, "active"),
    ("/api/v1/sites", {"country": "USA"}, "country"),
    ("/api/v1/prices", {"currency": "usd"}, "currency"),
    ("/api/v1/items", {"sort": "weight_kg"}, "sort"),
    ("/api/v1/inventory", {"sort": "-site"}, "sort"),
])
def test_a_filter_out_of_its_closed_set_is_a_422_naming_it(
    client: TestClient, tokens: dict[str, str], path: str, params: dict[str, str], field: str,
) -> None:
    answer = client.get(path, params=params, headers=auth(tokens["viewer"]))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_stock_lists_per_site_and_sku(
    client: TestClient, container: Container, tokens: dict[str, str],
) -> None:
    seed_distributor(container, stock={("DAL", "SKU1"): 100, ("DAL", "SKU2"): 40,
                                       ("ATL", "SKU1"): 7})
    viewer = tokens["viewer"]

    def positions(**params: Any) -> list[tuple[str, str, int]]:
        return [(p["site_id"], p["sku"], p["available"])
                for p in get(client, viewer, "/api/v1/inventory", **params)["inventory"]]

    assert positions() == [("ATL", "SKU1", 7), ("DAL", "SKU1", 100), ("DAL", "SKU2", 40)]
    assert positions(site_id="DAL") == [("DAL", "SKU1", 100), ("DAL", "SKU2", 40)]
    assert positions(sku="SKU1", sort="-available") == [("DAL", "SKU1", 100),
                                                        ("ATL", "SKU1", 7)]
    assert positions(site_id="DAL", sku="SKU2") == [("DAL", "SKU2", 40)]
    assert get(client, viewer, "/api/v1/items/SKU1/stock")["sites"] == [
        {"site_id": "ATL", "sku": "SKU1", "on_hand": 7, "reserved": 0, "available": 7,
         "quarantined": 0, "scrapped": 0},
        {"site_id": "DAL", "sku": "SKU1", "on_hand": 100, "reserved": 0, "available": 100,
         "quarantined": 0, "scrapped": 0}]
