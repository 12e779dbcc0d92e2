"""Tokens made for one customer, through the real API on SQLite: another customer's orders,
invoices, timelines, audit entries and master data do not exist for them (404, the very answer
of an id that does not exist) and are in no list; routes about every customer refuse them
(403); public bodies cannot set what the server decides; a revoked token is refused at once;
`shipshape tokens create|list|revoke`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from shipshape.adapters.channels.canonical import CustomerIn, PriceIn
from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.cli import exit_codes
from shipshape.config import Settings
from shipshape.domain.access import ROLE_PERMISSIONS, Permission, Role
from shipshape.services import masterdata as md
from tests.builders import auth, order, post_order, seed_distributor
from tests.cli_support import opened, shipshape

World = tuple[Container, TestClient, dict[str, str]]
"""The store, the API, and the ids of each customer's order, case and invoice."""


def make(container: Container, name: str, role: str, customer: str | None = None) -> str:
    return container.tokens.create(name, role, datetime.now(UTC), customer)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """Customers C1 and C2, each with an accepted order, a held order (an unknown SKU: a case)
    and an invoice."""
    container = build(Settings(database_url=database_url, env="test"), migrate=True)
    seed_distributor(container)
    md.upsert(container.deps, [
        CustomerIn(name="Bolt", credit_limit="100000", preferred_site="DAL").to_domain("C2"),
        PriceIn(unit_price="10.00", tolerance_pct="2").to_domain("C2", "SKU1")])
    admin = make(container, "admin", "admin")
    ids: dict[str, str] = {}
    with TestClient(create_app(container)) as client:
        for customer in ("C1", "C2"):
            accepted = post_order(client, admin, order(
                external_id=f"{customer}-1", customer_id=customer, customer_po=f"{customer}-PO"))
            assert accepted.status_code == 201, accepted.text
            held = post_order(client, admin, order(
                external_id=f"{customer}-2", customer_id=customer,
                customer_po=f"{customer}-PO2", lines=[{"line_no": 1, "sku": "NOPE",
                                                       "quantity": 1, "uom": "EA"}]))
            assert held.json()["status"] == "held", held.text
            ids[f"{customer}.order"] = accepted.json()["order_id"]
            ids[f"{customer}.held"] = held.json()["order_id"]
            ids[f"{customer}.case"] = held.json()["cases"][0]
            ids[f"{customer}.invoice"] = _invoice(container, customer,
                                                  accepted.json()["order_id"])
        yield container, client, ids
    container.close()


def _invoice(container: Container, customer: str, order_id: str) -> str:
    now = datetime.now(UTC)
    invoice_id = f"INV-{customer}"
    with container.engine.begin() as conn:
        conn.execute(insert(t.invoices).values(
            id=invoice_id, kind="invoice", order_id=order_id, customer_id=customer,
            status="issued", currency="USD", subtotal=Decimal("20"), freight=Decimal("0"),
            tax=Decimal("0"), total=Decimal("20"), paid=Decimal("0"), created_at=now,
            updated_at=now))
    return invoice_id


def get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    return client.get(f"/api/v1{path}", params=params, headers=auth(token))


def same_as_missing(client: TestClient, token: str, path: str, missing_path: str,
                    method: str = "GET", **body: Any) -> None:
    """`path` answers the scoped token exactly what an id that does not exist answers (save
    for the id and the request's own fields)."""
    answers = [client.request(method, f"/api/v1{p}", headers=auth(token),
                              json=body or None) for p in (path, missing_path)]
    assert [a.status_code for a in answers] == [404, 404], [a.text for a in answers]
    shapes = [{k: v for k, v in a.json().items() if k not in ("detail", "instance")}
              for a in answers]
    assert shapes[0] == shapes[1]


# -------------------------------------------------------------------------- reads by id and lists


def test_a_customer_token_reads_its_own_orders_and_nobody_elses(world: World) -> None:
    container, client, ids = world
    mine = make(container, "c1-viewer", "viewer", "C1")
    own = get(client, mine, f"/orders/{ids['C1.order']}")
    assert own.status_code == 200 and own.json()["customer_id"] == "C1"
    assert get(client, mine, f"/orders/{ids['C1.order']}/events").status_code == 200
    same_as_missing(client, mine, f"/orders/{ids['C2.order']}", "/orders/NO-SUCH")
    same_as_missing(client, mine, f"/orders/{ids['C2.order']}/events", "/orders/NO-SUCH/events")
    assert get(client, mine, f"/orders/{ids['C2.order']}").json()["detail"] == (
        f"order {ids['C2.order']} does not exist")


def test_lists_hold_the_scoped_customers_rows_only(world: World) -> None:
    container, client, ids = world
    mine = make(container, "c1-viewer", "viewer", "C1")
    orders = get(client, mine, "/orders").json()
    assert {o["customer_id"] for o in orders["orders"]} == {"C1"} and orders["total"] == 2
    assert get(client, mine, "/orders", customer_id="C1").json()["total"] == 2
    other = get(client, mine, "/orders", customer_id="C2").json()
    assert (other["orders"], other["total"]) == ([], 0)
    invoices = get(client, mine, "/invoices").json()
    assert [i["invoice_id"] for i in invoices["invoices"]] == [ids["C1.invoice"]]
    assert get(client, mine, "/invoices", customer_id="C2").json()["invoices"] == []
    assert get(client, mine, "/invoices", order_id=ids["C2.order"]).json()["invoices"] == []
    assert [c["customer_id"] for c in get(client, mine, "/customers").json()["customers"]] == [
        "C1"]
    assert {p["customer_id"] for p in get(client, mine, "/prices").json()["prices"]} == {"C1"}
    assert get(client, mine, "/prices", customer_id="C2").json()["total"] == 0
    # an unscoped token still sees everyone
    everyone = make(container, "all", "viewer")
    assert get(client, everyone, "/orders").json()["total"] == 4
    assert get(client, everyone, "/customers").json()["total"] == 2


def test_audit_entries_of_another_customer_answer_404(world: World) -> None:
    container, client, ids = world
    mine = make(container, "c1-viewer", "viewer", "C1")
    own = get(client, mine, "/audit", subject=ids["C1.order"])
    assert own.status_code == 200 and own.json()["entries"], own.text
    assert {e["subject_id"] for e in own.json()["entries"]} == {ids["C1.order"]}
    assert get(client, mine, "/audit", subject=ids["C1.case"]).status_code == 200
    for subject in (ids["C2.order"], ids["C2.case"], "NO-SUCH"):
        assert get(client, mine, "/audit", subject=subject).status_code == 404
        assert get(client, mine, "/audit", subject=subject,
                   subject_type="order").status_code == 404
    assert get(client, mine, "/audit", subject=ids["C1.order"],
               subject_type="wave").status_code == 404
    everyone = make(container, "all", "viewer")
    assert get(client, everyone, "/audit", subject=ids["C2.order"]).json()["entries"]


def test_master_data_of_another_customer_answers_404(world: World) -> None:
    container, client, _ = world
    mine = make(container, "c1-viewer", "viewer", "C1")
    assert get(client, mine, "/customers/C1").status_code == 200
    assert get(client, mine, "/prices/C1/SKU1").status_code == 200
    assert get(client, mine, "/customers/C1/changes").status_code == 200
    same_as_missing(client, mine, "/customers/C2", "/customers/NOPE")
    same_as_missing(client, mine, "/prices/C2/SKU1", "/prices/NOPE/SKU1")
    assert get(client, mine, "/customers/C2/changes").status_code == 404
    assert get(client, mine, "/prices/C2/SKU1/changes").status_code == 404
    # reference data common to all customers stays readable
    for path in ("/sites", "/items", "/carriers", "/items/SKU1"):
        assert get(client, mine, path).status_code == 200, path


# ---------------------------------------------------------------------------------- writes


def test_another_customers_order_and_invoice_cannot_be_changed(world: World) -> None:
    container, client, ids = world
    agent = make(container, "c1-agent", "agent", "C1")
    same_as_missing(client, agent, f"/orders/{ids['C2.order']}/cancel", "/orders/NO-SUCH/cancel",
                    "POST", reason="not mine")
    same_as_missing(client, agent, f"/orders/{ids['C2.order']}", "/orders/NO-SUCH", "PATCH",
                    lines=[{"line_no": 1, "quantity": 1}])
    same_as_missing(client, agent, f"/invoices/{ids['C2.invoice']}/credit",
                    "/invoices/NO-SUCH/credit", "POST", reason="not mine")
    everyone = make(container, "all", "viewer")
    assert get(client, everyone, f"/orders/{ids['C2.order']}").json()["status"] == "accepted"
    # its own order it may cancel
    mine = client.post(f"/api/v1/orders/{ids['C1.order']}/cancel", headers=auth(agent),
                       json={"reason": "customer called"})
    assert mine.status_code == 200, mine.text


def test_a_customer_token_sends_its_own_customers_orders_only(world: World) -> None:
    container, client, _ = world
    integration = make(container, "c1-erp", "integration", "C1")
    own = post_order(client, integration, order(external_id="C1-9", customer_po="C1-PO9"))
    assert own.status_code == 201, own.text
    other = post_order(client, integration, order(external_id="C2-9", customer_id="C2",
                                                  customer_po="C2-PO9"))
    assert other.status_code == 403, other.text
    assert get(client, make(container, "all", "viewer"), "/orders",
               customer_id="C2").json()["total"] == 2


def test_routes_about_every_customer_refuse_a_customer_token(world: World) -> None:
    container, client, _ = world
    admin = make(container, "c1-admin", "admin", "C1")
    calls = [
        ("PUT", "/customers/C1", {"name": "Acme"}),
        ("PUT", "/items/SKU9", {"description": "Caps"}),
        ("PUT", "/sites/DAL", {"name": "Dallas DC", "country": "US", "postal_code": "75201"}),
        ("PUT", "/prices/C1/SKU1", {"unit_price": "10.00"}),
        ("PUT", "/carriers/UPS", {"name": "UPS", "services": [{"code": "GND"}]}),
        ("POST", "/inventory/receipts", {"site_id": "DAL", "sku": "SKU1", "quantity": 1}),
        ("POST", "/inventory/adjustments", {"site_id": "DAL", "sku": "SKU1", "quantity": 1}),
        ("POST", "/waves", {"site_id": "DAL", "limit": 10}),
        ("GET", "/waves/W-1", None),
        ("POST", "/reconciliation", None),
    ]
    for method, path, body in calls:
        answer = client.request(method, f"/api/v1{path}", json=body, headers=auth(admin))
        assert answer.status_code == 403, (method, path, answer.text)
        assert "scoped to customer C1" in answer.json()["detail"]
    edi = client.post("/api/v1/edi/x12", content=b"ISA*00*", headers=auth(admin))
    assert edi.status_code == 403, edi.text


def test_a_viewer_cannot_write(world: World) -> None:
    container, client, ids = world
    for customer in (None, "C1"):
        viewer = make(container, f"viewer-{customer}", "viewer", customer)
        assert post_order(client, viewer, order(external_id="V-1")).status_code == 403
        assert client.post(f"/api/v1/orders/{ids['C1.order']}/cancel", headers=auth(viewer),
                           json={"reason": "x"}).status_code == 403
        assert client.put("/api/v1/customers/C1", headers=auth(viewer),
                          json={"name": "Acme"}).status_code == 403


# ---------------------------------------------------------------------------- revocation


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    container, client, _ = world
    token = make(container, "leaver", "viewer", "C1")
    assert get(client, token, "/orders").status_code == 200  # now known for a few seconds
    assert container.tokens.revoke("leaver", datetime.now(UTC)) == 1
    answer = get(client, token, "/orders")
    assert answer.status_code == 401, answer.text
    assert container.tokens.revoke("leaver", datetime.now(UTC)) == 0


# ---------------------------------------------------------------------- privileged fields


@pytest.mark.parametrize("field, value", [
    ("status", "released"), ("order_id", "ORD-MINE"), ("credit_hold", False),
    ("rule_version", "x"), ("value", "0"), ("created_at", "2030-01-01T00:00:00"),
    ("cases", []),
])
def test_order_intake_refuses_fields_the_server_decides(world: World, field: str,
                                                         value: Any) -> None:
    container, client, _ = world
    token = make(container, "erp", "integration")
    answer = post_order(client, token, order(external_id=f"P-{field}", **{field: value}))
    assert answer.status_code == 422, answer.text
    assert field in answer.text


def test_order_changes_and_master_data_refuse_fields_the_server_decides(world: World) -> None:
    container, client, ids = world
    admin = make(container, "boss", "admin")
    order_id = ids["C1.order"]
    refused = [
        client.post(f"/api/v1/orders/{order_id}/cancel", headers=auth(admin),
                    json={"reason": "x", "status": "shipped"}),
        client.patch(f"/api/v1/orders/{order_id}", headers=auth(admin),
                     json={"lines": [{"line_no": 1, "quantity": 1, "unit_price": "0.01"}]}),
        client.patch(f"/api/v1/orders/{order_id}", headers=auth(admin),
                     json={"lines": [{"line_no": 1, "quantity": 1}], "status": "released"}),
        client.put("/api/v1/customers/C1", headers=auth(admin),
                   json={"name": "Acme", "customer_id": "C2"}),
        client.put("/api/v1/prices/C1/SKU1", headers=auth(admin),
                   json={"unit_price": "1.00", "customer_id": "C2"}),
        client.post(f"/api/v1/invoices/{ids['C1.invoice']}/credit", headers=auth(admin),
                    json={"reason": "x", "total": "0"}),
    ]
    assert [a.status_code for a in refused] == [422] * len(refused), [a.text for a in refused]
    everyone = make(container, "all", "viewer")
    assert get(client, everyone, f"/orders/{order_id}").json()["status"] == "accepted"


# ------------------------------------------------------------------------------ the command


def test_tokens_create_list_and_revoke(url: str) -> None:
    with opened(url) as store:
        seed_distributor(store)
    created = shipshape(url, "tokens", "create", "--role", "supervisor", "--name", "sue",
                        "--customer", "C1", "--team", "credit")
    token = created.stdout.splitlines()[-1]
    assert "customer C1, team credit" in created.stdout
    shipshape(url, "tokens", "create", "--role", "viewer", "--name", "sue")
    shipshape(url, "tokens", "create", "--role", "admin", "--name", "ops")
    with opened(url) as store:
        principal = store.tokens.authenticate(token)
        assert (principal.role, principal.customer_id, principal.team) == (
            Role.SUPERVISOR, "C1", "credit")

    listed = json.loads(shipshape(url, "tokens", "list", "--output", "json").stdout)
    assert [(r["name"], r["role"], r["customer_id"], r["team"], r["revoked_at"])
            for r in listed["tokens"]] == [("ops", "admin", None, None, None),
                                           ("sue", "supervisor", "C1", "credit", None),
                                           ("sue", "viewer", None, None, None)]
    assert listed["total"] == 3
    text = json.dumps(listed) + shipshape(url, "tokens", "list").stdout + shipshape(
        url, "tokens", "list", "-o", "csv").stdout
    assert token not in text and "token_hash" not in text and "ss_" not in text
    header = next(csv.reader(io.StringIO(shipshape(url, "tokens", "list", "-o", "csv").stdout)))
    assert header == ["name", "role", "customer_id", "team", "created_at", "revoked_at"]

    revoked = shipshape(url, "tokens", "revoke", "sue")
    assert "revoked 2 tokens named sue" in revoked.stdout
    listed = json.loads(shipshape(url, "tokens", "list", "-o", "json").stdout)
    assert [r["revoked_at"] is not None for r in listed["tokens"]] == [False, True, True]
    with opened(url) as store:
        assert store.tokens.known(token) is None
        with pytest.raises(Exception, match="not valid"):
            store.tokens.authenticate(token)

    again = shipshape(url, "tokens", "revoke", "sue", code=exit_codes.FAILURE)
    assert "no live token is named 'sue'" in str(again.exception)


def test_tokens_create_refuses_a_customer_the_master_data_lacks(url: str) -> None:
    failed = shipshape(url, "tokens", "create", "--role", "viewer", "--name", "x",
                       "--customer", "GHOST", code=exit_codes.FAILURE)
    assert "customer GHOST does not exist in the master data" in str(failed.exception)
    listed = json.loads(shipshape(url, "tokens", "list", "-o", "json").stdout)
    assert listed["tokens"] == []


# -------------------------------------------------------------------------------- the roles


def test_only_admin_and_supervisor_release_holds() -> None:
    assert {role for role, held in ROLE_PERMISSIONS.items()
            if Permission.RELEASE_HOLDS in held} == {Role.ADMIN, Role.SUPERVISOR}
    assert ROLE_PERMISSIONS[Role.SUPERVISOR] >= ROLE_PERMISSIONS[Role.AGENT]
