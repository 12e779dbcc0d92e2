"""The audit trail on a real store: intake's decisions are chained as they commit, also under
concurrent writers; the API reads a subject's entries; `shipshape audit verify` holds on an
untouched chain and names the entry where a row was changed, deleted or put in."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select, update

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.audit_store import audit_chain, audit_of
from shipshape.bootstrap import Container
from shipshape.cli import exit_codes
from shipshape.domain.audit import GENESIS, first_break
from shipshape.services.cancellation import cancel_order
from shipshape.services.intake import SubmitOrder, submit_order
from tests.builders import order, seed_distributor
from tests.cli_support import shipshape
from tests.conftest import BACKENDS


def submit(container: Container, n: int) -> str:
    """The id of a new accepted order."""
    draft = OrderIn.model_validate(order(external_id=f"A-{n}", customer_po=f"PO-A{n}"))
    result = submit_order(container.deps, SubmitOrder(draft.to_domain()))
    assert result.status == "accepted", result.body
    return str(result.body["order_id"])


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_accepted_order_leaves_its_decisions_chained(
    container: Container, client: TestClient, tokens: dict[str, str],
) -> None:
    seed_distributor(container)
    order_id = submit(container, 1)
    answer = client.get("/api/v1/audit", params={"subject": order_id},
                        headers={"Authorization": f"Bearer {tokens['viewer']}"})
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    assert [e["action"] for e in entries] == ["ControlsEvaluated", "OrderAccepted"]
    controls, accepted = entries
    assert controls["rule_version"] and controls["previous"] == GENESIS
    assert accepted["previous"] == controls["hash"]
    assert (accepted["actor"], accepted["subject_type"], accepted["before"],
            accepted["after"]) == ("shipshape", "order", {"status": "received"},
                                   {"status": "accepted", "blocking": []})
    assert first_break(audit_chain(container.engine)) is None


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_concurrent_writers_keep_one_unbroken_chain(container: Container) -> None:
    seed_distributor(container, {("DAL", "SKU1"): 10_000, ("DAL", "SKU2"): 10_000})
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert len(set(pool.map(lambda n: submit(container, n), range(40)))) == 40
    chain = list(audit_chain(container.engine, page=7))
    assert len(chain) == 80 and [c.id for c in chain] == list(range(1, 81))
    assert first_break(chain) is None


def test_the_subject_is_required_and_bounded(client: TestClient, tokens: dict[str, str],
                                             ) -> None:
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    assert client.get("/api/v1/audit", headers=headers).status_code == 422
    assert client.get("/api/v1/audit", params={"subject": "x" * 201},
                      headers=headers).status_code == 422
    assert client.get("/api/v1/audit", params={"subject": "ORD-1"}).status_code == 401


def audited(url: str, store: Container, orders: int) -> None:
    seed_distributor(store)
    for n in range(orders):
        submit(store, n)
    assert "holds: 4 entries" in shipshape(url, "audit", "verify").output


def test_verify_names_an_entry_that_was_changed(url: str, store: Container) -> None:
    audited(url, store, 2)
    with store.engine.begin() as conn:
        conn.execute(update(t.audit_log).where(t.audit_log.c.id == 2)
                     .values(cause="nothing to see"))
    result = shipshape(url, "audit", "verify", code=exit_codes.FAILURE)
    assert "audit entry 2" in result.output and "changed" in result.output


def test_verify_names_the_entry_after_a_deleted_one(url: str, store: Container) -> None:
    audited(url, store, 2)
    with store.engine.begin() as conn:
        conn.execute(delete(t.audit_log).where(t.audit_log.c.id == 2))
    result = shipshape(url, "audit", "verify", code=exit_codes.FAILURE)
    assert "audit entry 3" in result.output and "missing" in result.output


def test_verify_names_an_entry_put_in_at_the_end(url: str, store: Container) -> None:
    audited(url, store, 2)
    with store.engine.begin() as conn:
        row = dict(conn.execute(select(t.audit_log).where(t.audit_log.c.id == 4)).mappings()
                   .one())
        conn.execute(insert(t.audit_log).values({**row, "id": 5, "actor": "mallory"}))
    result = shipshape(url, "audit", "verify", code=exit_codes.FAILURE)
    assert "audit entry 5" in result.output


def test_audit_of_lists_a_subjects_entries(url: str, store: Container) -> None:
    seed_distributor(store)
    order_id = submit(store, 1)
    listed = json.loads(shipshape(url, "audit", "of", order_id, "--output", "json").output)
    assert [e["action"] for e in listed["entries"]] == ["ControlsEvaluated", "OrderAccepted"]
    assert json.loads(shipshape(url, "audit", "of", "ORD-NONE", "--output", "json").output
                      )["entries"] == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_actor_of_any_length_is_audited_whole(container: Container) -> None:
    """`--actor` on the command line is free text: a long one must not fail the decision."""
    seed_distributor(container)
    order_id = submit(container, 1)
    actor = "cli:" + "x" * 1000
    cancel_order(container.deps, order_id, "the customer asked", actor)
    [cancelled] = [e for e in audit_of(container.engine, order_id, "order", 10, 0).rows
                   if e["action"] == "OrderCancelled"]
    assert (cancelled["actor"], cancelled["cause"]) == (actor, "the customer asked")
    assert first_break(audit_chain(container.engine)) is None
