"""An order answered at intake is answered again when its answer changes: held for credit and
answered IH, then taken by the desk (a second 855 with IA and the ship date, BAK01 05, under the
partner's next control number, awaiting its 997) or cancelled (an 855 rejecting every line);
sent once however often the event comes; the same as an ORDRSP to an EDIFACT partner. And a
backordered line at intake carries the date stock is assumed back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from shipshape.adapters.channels import edifact
from shipshape.adapters.channels.canonical import PartnerIn
from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container, edi_document_parts
from shipshape.services import edi_intake as edi
from shipshape.services.delivery.consume import Handler, apply_once
from shipshape.services.delivery.relay import EVENT_TYPE_HEADER
from shipshape.services.edi_outbound import EDI_DOCUMENTS, edi_document_handlers
from shipshape.services.ports.messaging import Message
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS
from tests.integration.test_edi_changes import x12

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
ITEMS = {"VN:GLV-1": "SKU1", "VN:MSK-5": "SKU2"}
X12_PARTNER = PartnerIn(id="ACME-STORES", customer_id="C1", isa_qualifier="ZZ",
                        isa_id="ACMESTORES", item_xref=ITEMS,
                        acknowledgements=["997", "855", "865"])
EDIFACT_PARTNER = PartnerIn(id="ACME-EU", customer_id="C1", edifact_id="4012345000009",
                            item_xref=ITEMS, acknowledgements=["CONTRL", "ORDRSP"])
SHIP_ON = datetime.now(UTC).date() + timedelta(days=1)


def po850(control: int, po: str, masks: int = 12) -> str:
    lines = ["PO1*1*30*EA*10.00**VN*GLV-1", f"PO1*2*{masks}*EA*5.00**VN*MSK-5"]
    return x12(control, "850", [
        f"BEG*00*SA*{po}**20261105", f"DTM*010*{SHIP_ON:%Y%m%d}", "N1*ST*ACME STORE 12*92*0012",
        "N3*12 HARBOR RD", "N4*BOSTON*MA*02110*US", *lines, "CTT*2"])


def orders(reference: str, po: str) -> str:
    return (f"UNA:+.? 'UNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+{reference}'"
            f"UNH+M1+ORDERS:D:96A:UN'BGM+220+{po}+9'DTM+137:20261120:102'"
            f"DTM+2:{SHIP_ON:%Y%m%d}:102'NAD+DP+++Hoffmann Lager+Industriestrasse 12+Hamburg"
            "++22113+DE'LIN+1++SKU1:SA'QTY+21:10:EA'LIN+2++SKU2:SA'QTY+21:30:EA'UNS+S'"
            f"UNT+11+M1'UNZ+1+{reference}'")


@pytest.fixture
def tokens(container: Container) -> dict[str, str]:
    now = container.deps.clock.now()
    return {role: container.tokens.create(role, role, now)
            for role in ("integration", "agent", "supervisor")}


def seed(container: Container, *partners: PartnerIn, credit_hold: bool = True) -> None:
    seed_distributor(container, credit_hold=credit_hold)
    edi.upsert_partners(container.deps, [p.to_domain() for p in partners])


def post(client: TestClient, token: str, route: str, body: str) -> dict[str, Any]:
    answer = client.post(f"/api/v1/edi/{route}", content=body.encode(),
                         headers={**auth(token), "Content-Type": "text/plain"})
    assert answer.status_code in (200, 201), answer.text
    [interchange] = answer.json()["interchanges"]
    return dict(interchange)


def taken(interchange: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The one order of an interchange and its acknowledgements by type."""
    [placed] = interchange["orders"]
    return str(placed["order_id"]), {a["type"]: a["text"] for a in interchange["acknowledgements"]}


def x12_segments(text: str) -> list[list[str]]:
    element, terminator = text[3], text[105]
    return [s.strip("\r\n").split(element) for s in text.split(terminator) if s.strip("\r\n")]


def tagged(text: str, tag: str) -> list[list[str]]:
    return [s for s in x12_segments(text) if s[0] == tag]


def ordrsp(text: str) -> edifact.EdifactMessage:
    [ix] = edifact.parse_interchanges(text)
    [message] = ix.messages
    return message


def bgm_code(text: str) -> str:
    [bgm] = [s for s in ordrsp(text).segments if s.tag == "BGM"]
    return str(bgm.value(3))


def release_hold(container: Container, client: TestClient, token: str, order_id: str) -> None:
    with container.deps.uow.reading() as uow:
        [case] = [c for c in uow.desk.open_of_order(order_id) if c.code == "CREDIT_HOLD"]
    answer = client.post(f"/api/v1/exceptions/{case.id}/actions", headers=auth(token),
                         json={"action": "release_hold", "reason_code": "PAYMENT_RECEIVED"})
    assert answer.status_code == 200, answer.text


def cancel(client: TestClient, token: str, order_id: str) -> None:
    answer = client.post(f"/api/v1/orders/{order_id}/cancel", headers=auth(token),
                         json={"reason": "customer called"})
    assert answer.status_code == 200, answer.text


def handler(container: Container) -> Handler:
    """The `edi-documents` consumer as the worker builds it."""
    return edi_document_handlers(container.deps, *edi_document_parts(container))[EDI_DOCUMENTS]


def event_message(container: Container, order_id: str, kind: str) -> Message:
    """The order's `kind` event as the relay publishes it (from its outbox row)."""
    ob = t.outbox.c
    with container.engine.connect() as conn:
        [row] = conn.execute(select(ob.event_id, ob.payload).where(
            ob.stream == order_id, ob.topic.endswith(f".{kind}"))).all()
    payload = json.dumps(dict(row.payload), sort_keys=True).encode()
    return Message(row.event_id, f"shipshape.{kind}.{order_id}", order_id, payload,
                   {EVENT_TYPE_HEADER: kind})


def deliver(container: Container, order_id: str, kind: str) -> bool:
    """False when the consumer's inbox had the event already."""
    return bool(apply_once(container.deps, EDI_DOCUMENTS, handler(container),
                           event_message(container, order_id, kind)))


def sent(container: Container, doc_type: str) -> list[dict[str, Any]]:
    d = t.edi_documents.c
    with container.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(t.edi_documents).where(d.direction == "out", d.doc_type == doc_type)
            .order_by(d.id)).mappings()]


def events(container: Container, order_id: str, kind: str) -> list[dict[str, Any]]:
    e = t.order_events.c
    with container.engine.connect() as conn:
        return [dict(r.payload) for r in conn.execute(
            select(e.payload).where(e.order_id == order_id, e.type == kind).order_by(e.id))]


def test_a_credit_hold_the_desk_releases_is_answered_again_with_each_line_accepted(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container, X12_PARTNER)
    order_id, acks = taken(post(client, tokens["integration"], "x12", po850(501, "PO-H1")))
    assert set(acks) == {"997", "855"}
    assert tagged(acks["855"], "BAK")[0][1:3] == ["00", "AH"]
    assert [a[1:3] for a in tagged(acks["855"], "ACK")] == [["IH", "30"], ["IH", "12"]]

    release_hold(container, client, tokens["supervisor"], order_id)
    assert deliver(container, order_id, "OrderAccepted")

    first, second = sent(container, "855")
    assert int(second["control_number"]) == int(first["control_number"]) + 1
    assert second["interchange_id"] is None
    assert (second["ack_status"], second["ack_key"]) == (
        "awaiting", f"x12:PR:{second['control_number']}")
    assert tagged(second["content"], "BAK")[0][1:4] == ["05", "AD", "PO-H1"]
    ship = f"{SHIP_ON:%Y%m%d}"
    assert tagged(second["content"], "ACK") == [["ACK", "IA", "30", "EA", "068", ship],
                                                ["ACK", "IA", "12", "EA", "068", ship]]
    assert [s[:3] for s in tagged(second["content"], "PO1")] == [["PO1", "1", "30"],
                                                                ["PO1", "2", "12"]]
    [answered] = events(container, order_id, "OrderResponseSent")
    assert answered == {"document": "855", "partner": "ACME-STORES",
                        "control_number": second["control_number"],
                        "source_event": event_message(container, order_id,
                                                      "OrderAccepted").id,
                        "answers": "OrderAccepted", "response": "AD"}

    assert not deliver(container, order_id, "OrderAccepted")  # redelivered: nothing more
    assert len(sent(container, "855")) == 2
    assert len(events(container, order_id, "OrderResponseSent")) == 1


def test_a_held_order_cancelled_is_answered_with_every_line_rejected(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container, X12_PARTNER)
    order_id, acks = taken(post(client, tokens["integration"], "x12", po850(601, "PO-H2")))
    assert tagged(acks["855"], "BAK")[0][2] == "AH"

    cancel(client, tokens["agent"], order_id)
    assert deliver(container, order_id, "OrderCancelled")

    first, second = sent(container, "855")
    assert int(second["control_number"]) == int(first["control_number"]) + 1
    assert tagged(second["content"], "BAK")[0][1:4] == ["05", "RD", "PO-H2"]
    assert tagged(second["content"], "ACK") == [["ACK", "IR", "30", "EA"],
                                                ["ACK", "IR", "12", "EA"]]
    [answered] = events(container, order_id, "OrderResponseSent")
    assert (answered["answers"], answered["response"]) == ("OrderCancelled", "RD")


def test_a_cancellation_the_partner_sent_is_answered_by_its_865_alone(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container, X12_PARTNER)
    order_id, _ = taken(post(client, tokens["integration"], "x12", po850(701, "PO-H3")))
    cancelled = post(client, tokens["integration"], "x12",
                     x12(702, "860", ["BCH*01*SA*PO-H3***20261105", "CTT*0"]))
    assert [a["type"] for a in cancelled["acknowledgements"]] == ["997", "865"]

    assert deliver(container, order_id, "OrderCancelled")

    assert len(sent(container, "855")) == 1
    assert events(container, order_id, "OrderResponseSent") == []


def test_an_order_whose_interchange_was_purged_is_said_not_to_be_answered(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container, X12_PARTNER)
    order_id, _ = taken(post(client, tokens["integration"], "x12", po850(651, "PO-H4")))
    d = t.edi_documents.c
    with container.engine.begin() as conn:  # as `shipshape purge` leaves it
        conn.execute(delete(t.edi_documents).where(d.direction == "in"))
    release_hold(container, client, tokens["supervisor"], order_id)

    assert deliver(container, order_id, "OrderAccepted")

    assert len(sent(container, "855")) == 1
    [not_sent] = events(container, order_id, "EdiDocumentNotSent")
    assert (not_sent["document"], not_sent["partner"], not_sent["standard"]) == (
        "855", "ACME-STORES", "X12")
    assert "no longer stored" in not_sent["reason"]


def test_an_order_that_came_by_no_interchange_gets_no_855(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container, X12_PARTNER)
    placed = post_order(client, tokens["integration"], order(
        external_id="API-1", customer_po="PO-API", carrier_service=None,
        lines=[{"line_no": 1, "sku": "SKU1", "quantity": 5, "unit_price": "10.00",
                "uom": "EA"}])).json()
    assert placed["status"] == "held", placed
    release_hold(container, client, tokens["supervisor"], placed["order_id"])

    assert deliver(container, placed["order_id"], "OrderAccepted")

    assert sent(container, "855") == []
    assert events(container, placed["order_id"], "OrderResponseSent") == []


def test_an_orders_taken_later_is_answered_by_a_second_ordrsp(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container, EDIFACT_PARTNER)
    order_id, acks = taken(post(client, tokens["integration"], "edifact",
                                orders("ICR0901", "PO-E1")))
    assert set(acks) == {"CONTRL", "ORDRSP"}
    assert bgm_code(acks["ORDRSP"]) == "12"  # not processed: every line on hold

    release_hold(container, client, tokens["supervisor"], order_id)
    assert deliver(container, order_id, "OrderAccepted")
    assert not deliver(container, order_id, "OrderAccepted")

    first, second = sent(container, "ORDRSP")
    assert int(second["control_number"]) == int(first["control_number"]) + 1
    assert second["ack_key"] == f"edifact:{second['control_number']}"
    assert bgm_code(second["content"]) == "29"  # every line accepted as sent
    message = ordrsp(second["content"])
    assert [s.value(1, 2) for s in message.segments if s.tag == "RFF" and s.value(1) == "ACW"
            ] == ["M1"]
    despatch = [s.value(1, 2) for s in message.segments if s.tag == "DTM" and s.value(1) == "11"]
    assert despatch == [f"{SHIP_ON:%Y%m%d}"] * 2
    [answered] = events(container, order_id, "OrderResponseSent")
    assert (answered["document"], answered["response"]) == ("ORDRSP", "AD")


def test_a_backordered_line_at_intake_is_dated_when_stock_is_assumed_back(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    """Default settings: `recommend.replenishment_days` 7; SKU2 has 100 at DAL."""
    seed(container, X12_PARTNER, credit_hold=False)
    today = container.deps.clock.now().date()
    _, acks = taken(post(client, tokens["integration"], "x12", po850(801, "PO-S1", masks=150)))

    expected = max(today + timedelta(days=7), SHIP_ON)
    assert tagged(acks["855"], "BAK")[0][2] == "AC"
    assert tagged(acks["855"], "ACK") == [
        ["ACK", "IA", "30", "EA"], ["ACK", "IA", "100", "EA"],
        ["ACK", "IB", "50", "EA", "068", f"{expected:%Y%m%d}"]]
