"""Returns (RMA): authorised once per request and never beyond what shipped, received by the WMS
with the condition per line, stock put back or held, the accepted units credited once, and a
dispute when the receipt differs; the store stays consistent."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.cli import app
from shipshape.domain.catalogue import (
    CreditNoteIssued,
    ReturnAuthorised,
    ReturnDisputed,
    ReturnReceived,
)
from shipshape.domain.errors import Conflict
from shipshape.services.consistency import check_consistency
from shipshape.services.delivery.consume import apply_once
from shipshape.services.delivery.relay import EVENT_TYPE_HEADER
from shipshape.services.ports.messaging import Message
from shipshape.services.returns import WMS_RETURN_EXPECTED, authorise_return, return_handlers
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.worlds.journey import acknowledged, timeline
from tests.worlds.picking import World
from tests.worlds.shipping import invoices, send

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def ask(world: World, order_id: str, lines: dict[int, int], reason: str = "DAMAGED",
        key: str | None = None) -> Any:
    headers = {**auth(world.token), **({"Idempotency-Key": key} if key else {})}
    return world.client.post(
        f"/api/v1/orders/{order_id}/returns", headers=headers,
        json={"reason": reason, "lines": [{"line_no": n, "quantity": q}
                                          for n, q in lines.items()]})


def receipt(body: dict[str, Any], counts: dict[int, tuple[int, int, int]]) -> dict[str, Any]:
    return {"return_id": body["return_id"], "order_id": body["order_id"],
            "lines": [{"line_no": n, "good": g, "damaged": d, "scrapped": s}
                      for n, (g, d, s) in counts.items()]}


def receive(world: World, body: dict[str, Any], counts: dict[int, tuple[int, int, int]],
            webhook_id: str = "wms-rma-1") -> Any:
    return send(world, "wms", "return_received", receipt(body, counts), webhook_id)


def held(world: World) -> dict[tuple[str, str], tuple[int, int]]:
    with world.container.engine.connect() as conn:
        return {(r.site, r.sku): (r.quarantined, r.scrapped)
                for r in conn.execute(select(t.held_stock))}


def notes(world: World) -> list[dict[str, Any]]:
    return [i for i in invoices(world) if i["kind"] == "credit_note"]


def test_a_return_is_authorised_once_and_the_repeat_answers_the_first_answer(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    first = ask(world, journey.order_id, {1: 2}, key="rma-key-1")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["status"], body["reason"], body["order_id"]) == (
        "authorised", "DAMAGED", journey.order_id)
    assert [(ln["line_no"], ln["site"], ln["authorised"]) for ln in body["lines"]] == [
        (1, "DAL", 2)]
    again = ask(world, journey.order_id, {1: 2}, key="rma-key-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == body
    other = ask(world, journey.order_id, {1: 1}, key="rma-key-1")
    assert other.status_code == 409 and "another request" in other.text
    listed = world.get(f"/orders/{journey.order_id}/returns")["returns"]
    assert [r["return_id"] for r in listed] == [body["return_id"]]
    assert world.get(f"/returns/{body['return_id']}") == body
    assert len(timeline(world, journey.order_id, ReturnAuthorised.TYPE)) == 1


def test_what_cannot_be_returned_is_refused_and_nothing_is_written(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    assert ask(world, journey.order_id, {1: 6}).status_code == 409
    assert ask(world, journey.order_id, {2: 1}).status_code == 422
    bad_reason = ask(world, journey.order_id, {1: 1}, reason="BORED")
    assert bad_reason.status_code == 422 and "DAMAGED" in bad_reason.text
    assert ask(world, "ord-nope", {1: 1}).status_code == 404
    assert world.client.post(f"/api/v1/orders/{journey.order_id}/returns",
                             headers=auth(world.token),
                             json={"reason": "DAMAGED", "lines": [{"line_no": 1,
                                                                    "quantity": 0}]}
                             ).status_code == 422
    assert world.client.get("/api/v1/returns/rma-nope",
                            headers=auth(world.token)).status_code == 404
    assert world.get(f"/orders/{journey.order_id}/returns") == {"returns": []}
    assert ask(world, journey.order_id, {1: 5}).status_code == 201
    assert ask(world, journey.order_id, {1: 1}).status_code == 409


def test_concurrent_requests_never_authorise_more_than_shipped(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    deps = world.container.deps
    done: list[str] = []
    refused: list[str] = []

    def one(i: int) -> None:
        try:
            answer = authorise_return(deps, journey.order_id, {1: 2}, "DAMAGED", f"agent-{i}")
            done.append(str(answer.body["return_id"]))
        except Conflict as error:
            refused.append(str(error))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(done), len(refused)) == (2, 4)
    returns = world.get(f"/orders/{journey.order_id}/returns")["returns"]
    assert sum(ln["authorised"] for r in returns for ln in r["lines"]) == 4
    assert check_consistency(deps) == []


def test_a_receipt_in_part_damaged_restocks_quarantines_and_credits_once(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    body = ask(world, journey.order_id, {1: 3}).json()
    before = world.stock()["DAL"]
    world.clock[0] += timedelta(minutes=1)
    raw = json.dumps({"type": "return_received", "occurred_at": world.clock[0].isoformat(),
                      "data": receipt(body, {1: (2, 1, 0)})}).encode()

    answer = world.resend("wms", raw, "wms-rma-1")

    assert answer.status_code == 200, answer.text
    shown = world.get(f"/returns/{body['return_id']}")
    [ln] = shown["lines"]
    assert shown["status"] == "credited"
    assert (ln["good"], ln["damaged"], ln["scrapped"], ln["accepted"], ln["credited"]) == (
        2, 1, 0, 3, 3)
    assert world.stock()["DAL"] == (before[0] + 2, before[1])
    assert held(world) == {("DAL", "SKU1"): (1, 0)}
    [note] = notes(world)
    assert (note["credits"], note["total"], note["lines"]) == (
        journey.invoice_id, Decimal("30.00"), [(1, "SKU1", 3, Decimal("10.00"))])
    assert ln["credit_note_id"] == note["id"]
    [issued] = timeline(world, journey.order_id, CreditNoteIssued.TYPE)
    assert (issued["return_id"], issued["total"]) == (body["return_id"], "30.00")
    [received] = timeline(world, journey.order_id, ReturnReceived.TYPE)
    assert received["status"] == "credited"
    # The same event again changes nothing; another receipt of the return is refused.
    assert world.resend("wms", raw, "wms-rma-1").status_code == 200
    assert receive(world, body, {1: (3, 0, 0)}, "wms-rma-2").status_code == 409
    assert len(notes(world)) == 1
    assert held(world) == {("DAL", "SKU1"): (1, 0)}
    assert world.stock()["DAL"] == (before[0] + 2, before[1])
    assert check_consistency(world.container.deps) == []


def test_a_receipt_that_differs_is_disputed_and_credits_only_what_was_accepted(
        make_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPSHAPE_RETURNS__RESTOCKING_FEE_PCT", "0.1")
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    body = ask(world, journey.order_id, {1: 3}, reason="NOT_NEEDED").json()

    answer = receive(world, body, {1: (1, 0, 1)})

    assert answer.status_code == 200, answer.text
    shown = world.get(f"/returns/{body['return_id']}")
    [ln] = shown["lines"]
    assert shown["status"] == "disputed"
    assert (ln["good"], ln["scrapped"], ln["accepted"], ln["credited"]) == (1, 1, 1, 1)
    assert held(world) == {("DAL", "SKU1"): (0, 1)}
    [note] = notes(world)
    assert (note["total"], note["lines"]) == (Decimal("9.00"),
                                              [(1, "SKU1", 1, Decimal("9.00"))])
    [disputed] = timeline(world, journey.order_id, ReturnDisputed.TYPE)
    assert any("3 authorised, 2 received" in d for d in disputed["differences"])
    [case] = world.cases("RETURN_DISPUTED")
    assert case["owner_team"] == "customer_service"
    assert check_consistency(world.container.deps) == []


def test_a_return_never_credits_more_than_was_invoiced(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    first = ask(world, journey.order_id, {1: 4}).json()
    assert receive(world, first, {1: (4, 0, 0)}).status_code == 200
    second = ask(world, journey.order_id, {1: 1}).json()
    # More arrives than was authorised: the extra units are neither booked nor credited.
    assert receive(world, second, {1: (3, 0, 0)}, "wms-rma-2").status_code == 200
    assert ask(world, journey.order_id, {1: 1}).status_code == 409
    credited = sum(q for note in notes(world) for _, _, q, _ in note["lines"])
    assert credited == 5
    assert sum(n["total"] for n in notes(world)) == Decimal("50.00")
    assert world.get(f"/returns/{second['return_id']}")["status"] == "disputed"
    assert check_consistency(world.container.deps) == []


def test_the_wms_is_told_and_the_simulated_wms_reports_the_receipt(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    body = ask(world, journey.order_id, {1: 2}).json()
    [payload] = timeline(world, journey.order_id, ReturnAuthorised.TYPE)
    message = Message("evt-rma-1", f"shipshape.{ReturnAuthorised.TYPE}.{journey.order_id}",
                      journey.order_id, json.dumps(payload).encode(),
                      {EVENT_TYPE_HEADER: ReturnAuthorised.TYPE})
    deps, connectors = world.container.deps, world.container.connectors
    handler = return_handlers(deps, connectors)[WMS_RETURN_EXPECTED]
    assert apply_once(deps, WMS_RETURN_EXPECTED, handler, message)
    assert not apply_once(deps, WMS_RETURN_EXPECTED, handler, message)
    wms = connectors.simulated("wms")
    assert wms is not None
    [(_, sent)] = [v for v in wms.applied.values() if v[0] == "return_expected"]
    assert (sent["return_id"], sent["lines"][0]["quantity"]) == (body["return_id"], 2)
    [event] = [e for e in wms.take_events() if e["type"] == "return_received"]
    assert event["data"]["lines"] == [{"line_no": 1, "good": 2, "damaged": 0, "scrapped": 0}]


def test_the_command_line_authorises_lists_and_shows(make_world: Any,
                                                      database_url: str) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    runner = CliRunner()
    env = {"SHIPSHAPE_DATABASE_URL": database_url, "COLUMNS": "200"}
    done = runner.invoke(app, ["returns", "authorise", journey.order_id, "--line", "1=2",
                               "--reason", "DAMAGED"], env=env)
    assert done.exit_code == 0, done.output
    [shown] = world.get(f"/orders/{journey.order_id}/returns")["returns"]
    assert shown["return_id"] in done.output
    listed = runner.invoke(app, ["returns", "list", journey.order_id], env=env)
    assert listed.exit_code == 0 and shown["return_id"] in listed.output, listed.output
    one = runner.invoke(app, ["returns", "show", shown["return_id"]], env=env)
    assert one.exit_code == 0 and "authorised" in one.output, one.output
    bad = runner.invoke(app, ["returns", "authorise", journey.order_id, "--line", "1=x",
                              "--reason", "DAMAGED"], env=env)
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_a_token_scoped_to_another_customer_sees_no_return_of_this_one(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    body = ask(world, journey.order_id, {1: 1}).json()
    now = datetime.now(UTC)
    other = world.container.tokens.create("other", "agent", now, customer_id="C2")
    own = world.container.tokens.create("own", "agent", now, customer_id="C1")
    for path in (f"/returns/{body['return_id']}", f"/orders/{journey.order_id}/returns"):
        assert world.client.get(f"/api/v1{path}", headers=auth(other)).status_code == 404
        assert world.client.get(f"/api/v1{path}", headers=auth(own)).status_code == 200
    refused = world.client.post(f"/api/v1/orders/{journey.order_id}/returns",
                                headers=auth(other),
                                json={"reason": "DAMAGED", "lines": [{"line_no": 1,
                                                                       "quantity": 1}]})
    assert refused.status_code == 404
    viewer = world.container.tokens.create("viewer", "viewer", now)
    assert world.client.post(f"/api/v1/orders/{journey.order_id}/returns",
                             headers=auth(viewer),
                             json={"reason": "DAMAGED", "lines": [{"line_no": 1,
                                                                    "quantity": 1}]}
                             ).status_code == 403
    assert len(world.get(f"/orders/{journey.order_id}/returns")["returns"]) == 1


def test_hostile_return_requests_are_refused_and_nothing_is_written(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    path = f"/api/v1/orders/{journey.order_id}/returns"
    bodies: list[Any] = [
        {"reason": "DAMA\x00GED", "lines": [{"line_no": 1, "quantity": 1}]},
        {"reason": "D" * 10_000, "lines": [{"line_no": 1, "quantity": 1}]},
        {"reason": "DAMAGED", "lines": [{"line_no": 1, "quantity": 10**30}]},
        {"reason": "DAMAGED", "lines": [{"line_no": 10**18, "quantity": 1}]},
        {"reason": "DAMAGED", "lines": [{"line_no": 1, "quantity": -1}]},
        {"reason": "DAMAGED", "lines": [{"line_no": 1, "quantity": 1.5}]},
        {"reason": "DAMAGED", "lines": [{"line_no": 1, "quantity": 1}] * 100_000},
        {"reason": "DAMAGED", "lines": []},
        {"reason": "DAMAGED", "lines": [{"line_no": "1\x00", "quantity": 1}]},
    ]
    for body in bodies:
        answer = world.client.post(path, headers=auth(world.token), json=body)
        assert answer.status_code in (409, 413, 422), (str(body)[:80], answer.text[:200])
    nul = world.client.post(path, headers={**auth(world.token),
                                            "Idempotency-Key": "k\x00ey"},
                            json={"reason": "DAMAGED", "lines": [{"line_no": 1,
                                                                  "quantity": 1}]})
    assert nul.status_code in (400, 422), nul.text
    assert world.get(f"/orders/{journey.order_id}/returns") == {"returns": []}
    assert ask(world, journey.order_id, {1: 1}).status_code == 201  # the good one still goes
