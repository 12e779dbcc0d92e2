"""The trading-partner reads on both backends, over HTTP, on the partner world
(`tests/worlds/partner_acks.py`): every partner with its figures, a partner's dashboard with its
open cases, a partner's documents by where their acknowledgement stands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipshape.api.app import create_app
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.worlds.partner_acks import PARTNER, PartnerWorld, partner_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def world(database_url: str) -> Iterator[PartnerWorld]:
    with partner_world(database_url) as built:
        yield built


@pytest.fixture
def api(world: PartnerWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.container)) as client:
        yield client


def read(api: TestClient, world: PartnerWorld, path: str, role: str = "viewer",
         **params: Any) -> Any:
    token = world.container.tokens.create(f"reader-{role}", role, world.clock.at)
    answer = api.get(f"/api/v1{path}", params=params, headers=auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_partner_is_listed_with_its_figures(api: TestClient, world: PartnerWorld) -> None:
    body = read(api, world, "/partners")
    assert (body["total"], body["limit"], body["offset"]) == (2, 100, 0)
    acme, quiet = body["partners"]
    assert (acme["partner_id"], acme["customer_id"]) == (PARTNER, "C1")
    assert acme["documents"] == {"in": {"x12": 3}, "out": {"810": 2, "856": 3}}
    assert (acme["expecting_acknowledgement"], acme["acknowledged"],
            acme["acknowledgement_rate"]) == (5, 3, 0.6)
    assert (acme["latency_p50_s"], acme["latency_p90_s"]) == (3600, 10800)
    assert (acme["rejected"], acme["awaiting_past_window"]) == (1, 1)
    assert acme["open_cases"] == {"EDI_ACK_MISSING": 1, "EDI_DOCUMENT_REJECTED": 1}
    assert "cases" not in acme
    assert (quiet["partner_id"], quiet["acknowledgement_rate"], quiet["documents"]["out"]) == (
        "QUIET-EDI", None, {"856": 1})
    second = read(api, world, "/partners", limit=1, offset=1)
    assert [p["partner_id"] for p in second["partners"]] == ["QUIET-EDI"]
    assert second["partners"][0] == quiet


def test_the_dashboard_names_each_open_case(api: TestClient, world: PartnerWorld) -> None:
    body = read(api, world, f"/partners/{PARTNER}/dashboard", role="integration")
    listed = read(api, world, "/partners")["partners"][0]
    assert {k: v for k, v in body.items() if k in listed} == listed
    assert [(c["code"], c["document"], c["control_number"], c["case_id"])
            for c in body["cases"]] == [
        ("EDI_DOCUMENT_REJECTED", "810", "103", world.cases["EDI_DOCUMENT_REJECTED"]),
        ("EDI_ACK_MISSING", "856", "104", world.cases["EDI_ACK_MISSING"])]
    assert "Invalid code value" in body["cases"][0]["message"]


def test_documents_by_where_their_acknowledgement_stands(api: TestClient,
                                                         world: PartnerWorld) -> None:
    path = f"/partners/{PARTNER}/documents"

    def shown(**params: Any) -> list[tuple[str, str, str | None, str | None]]:
        return [(d["doc_type"], d["control_number"], d["ack_state"], d["case_id"])
                for d in read(api, world, path, role="supervisor", **params)["documents"]]

    cases = world.cases
    assert shown(ack_state="missing") == [("856", "104", "missing", cases["EDI_ACK_MISSING"])]
    assert shown(ack_state="rejected") == [
        ("810", "103", "rejected", cases["EDI_DOCUMENT_REJECTED"])]
    assert shown(ack_state="awaiting") == [("810", "105", "awaiting", None)]
    assert shown(ack_state="accepted", sort="created_at") == [
        ("856", "101", "accepted", None), ("856", "102", "accepted", None)]
    assert [d[0] for d in shown(direction="in")] == ["x12"] * 3
    body = read(api, world, path, ack_state="missing")
    [missing] = body["documents"]
    assert (missing["case_code"], missing["case_status"]) == ("EDI_ACK_MISSING", "open")
    assert missing["age_s"] == (world.clock.at - world.t0).total_seconds() - 3 * 3600
    assert (body["partner_id"], body["at"], body["total"]) == (
        PARTNER, world.clock.at.isoformat(), 1)
    every = read(api, world, path, limit=2)
    assert (every["total"], len(every["documents"])) == (8, 2)
    assert every["documents"][0]["control_number"] == "105"  # newest first


def test_partner_reads_refuse_what_they_cannot_answer(api: TestClient,
                                                      world: PartnerWorld) -> None:
    viewer = auth(world.container.tokens.create("v", "viewer", world.clock.at))
    for path in ("/partners/NOBODY/dashboard", "/partners/NOBODY/documents"):
        assert api.get(f"/api/v1{path}", headers=viewer).status_code == 404
    refused = api.get(f"/api/v1/partners/{PARTNER}/documents", params={"ack_state": "lost"},
                      headers=viewer)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["ack_state"]
    customer = auth(world.container.tokens.create("c", "viewer", world.clock.at,
                                                  customer_id="C1"))
    assert api.get("/api/v1/partners", headers=customer).status_code == 403
