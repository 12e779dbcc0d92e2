"""A disputed return settled at the desk (`credit` on its RETURN_DISPUTED case): the units the
receipt booked and did not credit are credited once, at the receipt's price, never beyond what
the invoice has left; the case closes; anything more is a 409 that writes nothing."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from shipshape.adapters.db import tables as t
from shipshape.domain.catalogue import CreditNoteIssued
from shipshape.domain.desk import Action
from shipshape.domain.errors import Conflict
from shipshape.services import perfect_order
from shipshape.services.consistency import check_consistency
from shipshape.services.desk import CaseAction, act
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.worlds.journey import Journey, acknowledged, timeline
from tests.worlds.picking import World
from tests.worlds.shipping import invoices, send

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
Counts = dict[int, tuple[int, int, int]]
"""line -> units received good, damaged, scrapped"""


def disputed(world: World, journey: Journey, lines: dict[int, int], counts: Counts,
             webhook_id: str = "wms-rma-1", reason: str = "NOT_NEEDED") -> dict[str, Any]:
    """A return of `lines` for `reason` the WMS received as `counts`; the return as shown."""
    asked = world.client.post(
        f"/api/v1/orders/{journey.order_id}/returns", headers=auth(world.token),
        json={"reason": reason, "lines": [{"line_no": n, "quantity": q}
                                          for n, q in lines.items()]})
    assert asked.status_code == 201, asked.text
    body = asked.json()
    received = send(world, "wms", "return_received", {
        "return_id": body["return_id"], "order_id": journey.order_id,
        "lines": [{"line_no": n, "good": g, "damaged": d, "scrapped": s}
                  for n, (g, d, s) in counts.items()]}, webhook_id)
    assert received.status_code == 200, received.text
    shown = world.get(f"/returns/{body['return_id']}")
    assert shown["status"] == "disputed", shown
    return dict(shown)


def case_of(world: World, return_id: str) -> str:
    [case] = [c for c in world.cases("RETURN_DISPUTED")
              if c["details"].get("return_id") == return_id]
    return str(case["case_id"])


def credit(world: World, case_id: str) -> Any:
    return world.client.post(f"/api/v1/exceptions/{case_id}/actions", headers=auth(world.token),
                             json={"action": "credit", "reason_code": "CUSTOMER_CONSENT"})


def notes(world: World) -> list[dict[str, Any]]:
    return [i for i in invoices(world) if i["kind"] == "credit_note"]


def net_billed(world: World) -> Decimal:
    """Every invoice ever issued (credited ones too), less every credit note."""
    return sum((i["total"] if i["kind"] == "invoice" else -i["total"]
                for i in invoices(world)), Decimal("0"))


def assert_never_over_credited(world: World) -> None:
    """No live invoice line is credited for more units than it invoiced."""
    found = invoices(world)
    credited: Counter[tuple[str, int]] = Counter()
    for note in (i for i in found if i["kind"] == "credit_note"):
        for line_no, _, quantity, _ in note["lines"]:
            credited[(note["credits"], line_no)] += quantity
    for invoice in (i for i in found if i["kind"] == "invoice" and i["status"] != "credited"):
        for line_no, _, quantity, _ in invoice["lines"]:
            assert credited[(invoice["id"], line_no)] <= quantity, (invoice, credited)


def written(world: World) -> list[int]:
    """Events, outbox rows and invoices stored so far."""
    with world.container.engine.connect() as conn:
        return [int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.order_events, t.outbox, t.invoices)]


def test_a_disputed_return_is_credited_once_and_its_case_closed(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)  # 5 units at 10.00, invoice 50.00
    # NOT_NEEDED claims no damage: the good unit is credited, the 2 damaged ones are disputed
    shown = disputed(world, journey, {1: 3}, {1: (1, 2, 0)})
    [received_note] = notes(world)
    assert received_note["total"] == Decimal("10.00")
    case_id = case_of(world, shown["return_id"])
    assert "credit" in world.get(f"/exceptions/{case_id}")["actions"]

    answer = credit(world, case_id)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["closed"], body["case"]["status"]) == (True, "resolved")
    [note] = [n for n in notes(world) if n["id"] != received_note["id"]]
    assert (note["credits"], note["total"], note["lines"]) == (
        journey.invoice_id, Decimal("20.00"), [(1, "SKU1", 2, Decimal("10.00"))])
    assert body["outcome"] == {
        "return_id": shown["return_id"], "status": "credited", "credit_note_ids": [note["id"]],
        "total": "20.00", "lines": [{"line_no": 1, "shipment_id": "SHP-1", "quantity": 2}]}
    [line] = world.get(f"/returns/{shown['return_id']}")["lines"]
    assert (line["accepted"], line["credited"], line["settled"], line["settlement_note_id"]) \
        == (1, 1, 2, note["id"])
    assert world.get(f"/returns/{shown['return_id']}")["status"] == "credited"
    issued = timeline(world, journey.order_id, CreditNoteIssued.TYPE)
    assert [(e["return_id"], e["total"], e["actor"]) for e in issued] == [
        (shown["return_id"], "10.00", "system:wms"), (shown["return_id"], "20.00", "picker")]
    with world.container.engine.connect() as conn:
        topics = [row.topic for row in conn.execute(select(t.outbox))]
    assert sum(CreditNoteIssued.TYPE in topic for topic in topics) == 2  # finance hears both
    history = [h["type"] for h in world.get(f"/exceptions/{case_id}")["history"]]
    assert history[-2:] == ["ExceptionActed", "ExceptionResolved"]
    assert world.get(f"/exceptions/{case_id}")["actions"] == []

    before = written(world)
    again = credit(world, case_id)

    assert again.status_code == 409, again.text
    assert written(world) == before
    assert net_billed(world) == Decimal("20.00")  # the 2 units kept
    assert_never_over_credited(world)
    assert check_consistency(world.container.deps) == []


def test_the_settlement_keeps_the_restocking_fee_of_the_returns_reason(
        make_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPSHAPE_RETURNS__RESTOCKING_FEE_PCT", "0.1")
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    shown = disputed(world, journey, {1: 3}, {1: (1, 0, 2)})

    answer = credit(world, case_of(world, shown["return_id"]))

    assert answer.status_code == 200, answer.text
    assert sorted((n["total"], n["lines"][0][2:]) for n in notes(world)) == [
        (Decimal("9.00"), (1, Decimal("9.00"))), (Decimal("18.00"), (2, Decimal("9.00")))]
    assert check_consistency(world.container.deps) == []


def test_nothing_left_to_credit_is_a_conflict_that_writes_nothing(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    # fewer units arrived than were authorised, all good and all credited on receipt
    shown = disputed(world, journey, {1: 3}, {1: (2, 0, 0)}, reason="DAMAGED")
    case_id = case_of(world, shown["return_id"])
    before = written(world)

    answer = credit(world, case_id)

    assert answer.status_code == 409, answer.text
    assert "nothing left to credit" in answer.json()["detail"]
    assert written(world) == before
    assert world.get(f"/exceptions/{case_id}")["status"] == "open"
    assert world.get(f"/returns/{shown['return_id']}")["status"] == "disputed"


def test_concurrent_settlements_credit_once(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    shown = disputed(world, journey, {1: 4}, {1: (0, 4, 0)})
    case_id = case_of(world, shown["return_id"])
    done: list[str] = []
    refused: list[str] = []

    def one(i: int) -> None:
        request = CaseAction(Action.CREDIT, "CUSTOMER_CONSENT", f"agent-{i}")
        try:
            act(world.container.deps, case_id, request, lambda _: True)
            done.append(f"agent-{i}")
        except Conflict as error:
            refused.append(str(error))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (len(done), len(refused)) == (1, 3), refused
    assert [n["total"] for n in notes(world)] == [Decimal("40.00")]
    assert net_billed(world) == Decimal("10.00")
    assert_never_over_credited(world)
    assert check_consistency(world.container.deps) == []


def test_a_settlement_credits_no_more_than_the_invoice_line_has_left(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    agent = world.container.tokens.create("agent", "agent", world.container.deps.clock.now())
    # 4 of the 5 units arrived damaged and were credited from the desk on delivery
    for kind, data, webhook in (
            ("shipment_delivered", {}, "tms-1"),
            ("delivery_discrepancy", {"lines": [{"line_no": 1, "damaged": 4}]}, "tms-2")):
        sent = send(world, "tms", kind, {"shipment_id": "SHP-1", **data}, webhook)
        assert sent.status_code == 200, sent.text
    [damaged] = world.cases("DAMAGED_ON_DELIVERY")
    credited = world.client.post(f"/api/v1/exceptions/{damaged['case_id']}/actions",
                                 headers=auth(agent),
                                 json={"action": "credit", "reason_code": "CARRIER_DAMAGE"})
    assert credited.status_code == 200, credited.text
    shown = disputed(world, journey, {1: 3}, {1: (0, 3, 0)})

    answer = credit(world, case_of(world, shown["return_id"]))

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"]["lines"][0]["quantity"] == 1
    assert sorted(n["total"] for n in notes(world)) == [Decimal("10.00"), Decimal("40.00")]
    assert net_billed(world) == Decimal("0.00")
    assert_never_over_credited(world)
    assert check_consistency(world.container.deps) == []


def test_two_disputed_returns_of_one_order_are_settled_each_on_its_own_case(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    first = disputed(world, journey, {1: 2}, {1: (0, 2, 0)}, "wms-rma-1")
    second = disputed(world, journey, {1: 2}, {1: (1, 1, 0)}, "wms-rma-2")
    cases = {case_of(world, first["return_id"]), case_of(world, second["return_id"])}
    assert len(cases) == 2

    for case_id in cases:
        answer = credit(world, case_id)
        assert answer.status_code == 200, answer.text

    assert sorted(n["total"] for n in notes(world)) == [
        Decimal("10.00"), Decimal("10.00"), Decimal("20.00")]
    assert net_billed(world) == Decimal("10.00")
    assert_never_over_credited(world)
    assert check_consistency(world.container.deps) == []


def test_a_settlement_after_the_invoice_was_credited_and_billed_again(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    shown = disputed(world, journey, {1: 3}, {1: (1, 2, 0)})
    reissued = world.client.post(f"/api/v1/invoices/{journey.invoice_id}/credit",
                                 headers=auth(world.token), json={"reason": "price check"})
    assert reissued.status_code == 200, reissued.text

    answer = credit(world, case_of(world, shown["return_id"]))

    assert answer.status_code == 200, answer.text
    [settled] = [n for n in notes(world) if n["credits"] == reissued.json()["reissued_invoice_id"]]
    assert settled["total"] == Decimal("20.00")
    # billed 50 + 50 again; credited 10 (receipt) + 50 (the invoice) + 20 (the settlement)
    assert net_billed(world) == Decimal("20.00")
    assert_never_over_credited(world)
    assert check_consistency(world.container.deps) == []


def test_a_delivery_credit_takes_no_unit_a_return_credited_before(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    agent = world.container.tokens.create("agent", "agent", world.container.deps.clock.now())
    returned = world.client.post(
        f"/api/v1/orders/{journey.order_id}/returns", headers=auth(world.token),
        json={"reason": "DAMAGED", "lines": [{"line_no": 1, "quantity": 4}]})
    assert returned.status_code == 201, returned.text
    received = send(world, "wms", "return_received", {
        "return_id": returned.json()["return_id"], "order_id": journey.order_id,
        "lines": [{"line_no": 1, "good": 0, "damaged": 4, "scrapped": 0}]}, "wms-rma-1")
    assert received.status_code == 200, received.text
    # the carrier reports the same units damaged afterwards: only one unit is left to credit
    for kind, data, webhook in (
            ("shipment_delivered", {}, "tms-1"),
            ("delivery_discrepancy", {"lines": [{"line_no": 1, "damaged": 4}]}, "tms-2")):
        assert send(world, "tms", kind, {"shipment_id": "SHP-1", **data}, webhook).status_code \
            == 200
    [damaged] = world.cases("DAMAGED_ON_DELIVERY")
    before = written(world)

    answer = world.client.post(f"/api/v1/exceptions/{damaged['case_id']}/actions",
                               headers=auth(agent),
                               json={"action": "credit", "reason_code": "CARRIER_DAMAGE"})

    assert answer.status_code == 409, answer.text
    assert "1 of line 1 left to credit, not 4" in answer.json()["detail"]
    assert written(world) == before
    assert sorted(n["total"] for n in notes(world)) == [Decimal("40.00")]
    assert_never_over_credited(world)


def test_a_return_credit_is_no_invoicing_error_of_the_order(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    assert send(world, "tms", "shipment_delivered", {"shipment_id": "SHP-1"},
                "tms-1").status_code == 200
    returned = world.client.post(
        f"/api/v1/orders/{journey.order_id}/returns", headers=auth(world.token),
        json={"reason": "NOT_NEEDED", "lines": [{"line_no": 1, "quantity": 2}]})
    assert returned.status_code == 201, returned.text
    received = send(world, "wms", "return_received", {
        "return_id": returned.json()["return_id"], "order_id": journey.order_id,
        "lines": [{"line_no": 1, "good": 2, "damaged": 0, "scrapped": 0}]}, "wms-rma-1")
    assert received.status_code == 200, received.text
    assert [n["total"] for n in notes(world)] == [Decimal("20.00")]

    with world.container.deps.uow() as uow:  # as any later milestone of the order would
        order = uow.picks.order(journey.order_id, lock=True)
        assert order is not None
        facts = perfect_order.refresh(uow, order, world.container.deps.clock.now())
        uow.commit()

    assert facts is not None and facts.invoiced_accurately and facts.perfect
    assert world.get(f"/orders/{journey.order_id}")["perfect_order"]["perfect"] is True
