"""Order changes and cancellations from partners (X12 860, 850 BEG01 01, EDIFACT ORDCHG), through
the same entry as the 850: before release applied, after release a case for the desk, after
shipment refused, an unknown PO refused; each answered with an 865 / ORDRSP. SQLite only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.channels.canonical import PartnerIn
from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.domain.orders import OrderStatus
from shipshape.services import edi_intake as edi
from shipshape.services.release import release_wave
from tests.builders import auth, seed_distributor
from tests.worlds.cancellation import exposure, of_order, reserved
from tests.worlds.waves import cases_of, status_of

ITEMS = {"VN:GLV-1": "SKU1", "VN:MSK-5": "SKU2"}
PARTNERS = [
    PartnerIn(id="ACME-STORES", customer_id="C1", isa_qualifier="ZZ", isa_id="ACMESTORES",
              item_xref=ITEMS, acknowledgements=["997", "TA1", "865"]),
    PartnerIn(id="ACME-EU", customer_id="C1", edifact_id="4012345000009", item_xref=ITEMS,
              acknowledgements=["CONTRL", "ORDRSP"]),
]
ISA = ("ISA*00*          *00*          *ZZ*ACMESTORES     *ZZ*SHIPSHAPE      *261105*0900*U"
       "*00401*{:09d}*0*P*>")
SHIP = (datetime.now(UTC).date() + timedelta(days=1)).strftime("%Y%m%d")


def x12(control: int, set_id: str, segments: list[str]) -> str:
    gs = "PC" if set_id == "860" else "PO"
    body = [ISA.format(control), f"GS*{gs}*ACMESTORES*SHIPSHAPE*20261105*0900*{control}*X*004010",
            f"ST*{set_id}*0001", *segments, f"SE*{len(segments) + 2}*0001",
            f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(body) + "~\n"


def po850(control: int, po: str, purpose: str = "00",
          lines: tuple[str, ...] = ("PO1*1*30*EA*10.00**VN*GLV-1",
                                    "PO1*2*12*EA*5.00**VN*MSK-5")) -> str:
    return x12(control, "850", [
        f"BEG*{purpose}*SA*{po}**20261105", f"DTM*010*{SHIP}", "N1*ST*ACME STORE 12*92*0012",
        "N3*12 HARBOR RD", "N4*BOSTON*MA*02110*US", *lines, f"CTT*{len(lines)}"])


def po860(control: int, po: str, *pocs: str, purpose: str = "04") -> str:
    return x12(control, "860", [f"BCH*{purpose}*SA*{po}***20261105", *pocs,
                                f"CTT*{len(pocs)}"])


def post(client: TestClient, token: str, route: str, body: str | bytes) -> httpx.Response:
    data = body if isinstance(body, bytes) else body.encode()
    return client.post(f"/api/v1/edi/{route}", content=data,
                       headers={**auth(token), "Content-Type": "text/plain"})


def seed(container: Container) -> None:
    seed_distributor(container)
    edi.upsert_partners(container.deps, [p.to_domain() for p in PARTNERS])


def place(client: TestClient, token: str, control: int, po: str) -> str:
    answer = post(client, token, "x12", po850(control, po))
    assert answer.status_code == 201, answer.text
    [order] = answer.json()["interchanges"][0]["orders"]
    assert order["status"] == "accepted", order
    return str(order["order_id"])


def quantities(container: Container, order_id: str) -> dict[int, int]:
    ol = t.order_lines.c
    with container.engine.connect() as conn:
        rows = conn.execute(select(ol.line_no, ol.quantity).where(ol.order_id == order_id))
        return {int(r.line_no): int(r.quantity) for r in rows}


def answer_of(response: httpx.Response) -> tuple[dict[str, Any], dict[str, str]]:
    """The one change of the answer and its acknowledgements by type."""
    assert response.status_code in (200, 201), response.text
    [interchange] = response.json()["interchanges"]
    [change] = interchange["changes"]
    return change, {a["type"]: a["text"] for a in interchange["acknowledgements"]}


def segments(text: str, tag: str) -> list[str]:
    return [s.strip() for s in text.replace("'", "~").split("~")
            if s.strip().startswith(tag)]


def stored_documents(container: Container, doc_type: str) -> int:
    d = t.edi_documents.c
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.edi_documents)
                                .where(d.doc_type == doc_type, d.direction == "out"))
                   .scalar_one())


def test_a_quantity_change_before_release_amends_the_order_and_is_accepted_in_an_865(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    token = tokens["integration"]
    order_id = place(client, token, 901, "PO-C1")
    assert (reserved(container), reserved(container, sku="SKU2")) == (30, 12)

    change, acks = answer_of(post(client, token, "x12", po860(
        902, "PO-C1", "POC*1*QI*40*40*EA*10.00**VN*GLV-1", "POC*2*QD*2*2*EA*5.00**VN*MSK-5")))

    assert (change["order_id"], change["outcome"]) == (order_id, "applied")
    assert quantities(container, order_id) == {1: 40, 2: 2}
    assert (reserved(container), reserved(container, sku="SKU2")) == (40, 2)
    assert str(exposure(container)) == "410.00"
    assert set(acks) == {"997", "865"}
    assert segments(acks["997"], "AK5") == ["AK5*A"]
    assert segments(acks["865"], "BCA")[0].startswith("BCA*04*AT*PO-C1**")
    assert segments(acks["865"], "ACK") == ["ACK*IA*40*EA", "ACK*IA*2*EA"]
    [amended] = of_order(container, "OrderAmended", order_id)
    assert amended.payload["actor"] == "edi:ACME-STORES"
    [received] = of_order(container, "EdiOrderChangeReceived", order_id)
    assert (received.payload["outcome"], received.payload["document"]) == ("applied", "860")
    assert stored_documents(container, "865") == 1


def test_a_change_after_release_leaves_the_order_and_opens_a_case_with_the_change(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    token = tokens["integration"]
    order_id = place(client, token, 911, "PO-C2")
    assert order_id in release_wave(container.deps, "DAL").released

    change, acks = answer_of(post(client, token, "x12", po860(
        912, "PO-C2", "POC*1*QD*10*10*EA*10.00**VN*GLV-1")))

    assert (change["outcome"], status_of(container, order_id)) == ("held_for_desk", "released")
    assert quantities(container, order_id) == {1: 30, 2: 12}
    [case] = [c for c in cases_of(container, order_id) if c.code == "EDI_CHANGE_AFTER_RELEASE"]
    assert case.id == change["case_id"] and case.owner_team == "customer_service"
    [asked] = case.details["change"]["lines"]
    assert (asked["line_no"], asked["code"], asked["quantity"]) == (1, "QD", 10)
    assert segments(acks["865"], "BCA")[0].startswith("BCA*04*AH*PO-C2")
    assert segments(acks["865"], "ACK") == ["ACK*IH"]
    assert "released" in segments(acks["865"], "MSG")[0]
    [received] = of_order(container, "EdiOrderChangeReceived", order_id)
    assert received.payload["case_id"] == case.id


def test_an_850_cancellation_before_release_cancels_and_after_shipment_is_refused(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    token = tokens["integration"]
    cancelled = place(client, token, 921, "PO-C3")
    shipped = place(client, token, 922, "PO-C4")
    with container.deps.uow() as uow:
        uow.orders.set_status(shipped, OrderStatus.SHIPPED, datetime.now(UTC))
        uow.commit()

    change, acks = answer_of(post(client, token, "x12", po850(923, "PO-C3", purpose="01")))
    refused, refusal = answer_of(post(client, token, "x12", po850(924, "PO-C4", purpose="01")))

    assert (change["outcome"], status_of(container, cancelled)) == ("applied", "cancelled")
    assert "unreserve" in change["reason"] and "release_credit" in change["reason"]
    [event] = of_order(container, "OrderCancelled", cancelled)
    assert event.payload["actor"] == "edi:ACME-STORES"
    assert segments(acks["865"], "BCA")[0].startswith("BCA*01*AT*PO-C3")
    assert (refused["outcome"], status_of(container, shipped)) == ("refused", "shipped")
    assert "shipped" in refused["reason"]
    assert segments(refusal["865"], "BCA")[0].startswith("BCA*01*RJ*PO-C4")
    assert [c.code for c in cases_of(container, shipped)] == ["EDI_CHANGE_REFUSED"]


def test_an_850_replace_amends_a_known_order_and_is_a_new_order_for_an_unknown_po(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    token = tokens["integration"]
    order_id = place(client, token, 925, "PO-C7")

    change, acks = answer_of(post(client, token, "x12", po850(
        926, "PO-C7", purpose="05", lines=("PO1*1*12*EA*10.00**VN*GLV-1",))))
    first = post(client, token, "x12", po850(927, "PO-C8", purpose="05"))

    assert (change["order_id"], change["outcome"]) == (order_id, "applied")
    assert quantities(container, order_id) == {1: 12}
    assert segments(acks["865"], "ACK") == ["ACK*IA*12*EA", "ACK*ID*0*EA"]
    assert first.status_code == 201  # a replacement of a PO never received is the order
    [placed] = first.json()["interchanges"][0]["orders"]
    assert placed["status"] == "accepted" and first.json()["interchanges"][0]["changes"] == []


def test_an_ordchg_is_applied_before_release_and_answered_with_an_ordrsp(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    token = tokens["integration"]
    order_id = place(client, token, 931, "PO-E1")
    ordchg = ("UNA:+.? '\nUNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+ICR0101'\n"
              "UNH+1+ORDCHG:D:96A:UN'\nBGM+230+PO-E1+4'\nDTM+137:20261120:102'\n"
              "RFF+ON:PO-E1'\nLIN+1+3+GLV-1:SA'\nQTY+21:25'\nLIN+2+2+MSK-5:SA'\n"
              "LIN+7+3+XYZ:SA'\nQTY+21:1'\nUNS+S'\nUNT+11+1'\nUNZ+1+ICR0101'\n")

    change, acks = answer_of(post(client, token, "edifact", ordchg))

    assert (change["order_id"], change["outcome"]) == (order_id, "partly_applied")
    assert quantities(container, order_id) == {1: 25}
    assert [v["verdict"] for v in change["lines"]] == ["accepted", "deleted", "rejected"]
    assert "no line 7" in change["lines"][2]["reason"]
    assert set(acks) == {"CONTRL", "ORDRSP"}
    assert segments(acks["ORDRSP"], "BGM")[0].startswith("BGM+231+")
    assert segments(acks["ORDRSP"], "BGM")[0].endswith("+4")
    assert segments(acks["ORDRSP"], "LIN") == ["LIN+1+5+GLV-1:SA", "LIN+2+2+MSK-5:SA",
                                                "LIN+7+7+XYZ:SA"]
    assert "UCM" not in acks["CONTRL"]  # the ORDCHG is a message we take


def test_a_change_for_an_unknown_po_is_refused_and_touches_nothing(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    token = tokens["integration"]
    order_id = place(client, token, 941, "PO-C5")

    change, acks = answer_of(post(client, token, "x12", po860(
        942, "PO-NOPE", "POC*1*QI*40*40*EA*10.00**VN*GLV-1")))

    assert (change["order_id"], change["outcome"]) == (None, "refused")
    assert "no order of customer C1 has PO PO-NOPE" in change["reason"]
    assert quantities(container, order_id) == {1: 30, 2: 12}
    assert reserved(container) == 30
    assert segments(acks["865"], "BCA")[0].startswith("BCA*04*RJ*PO-NOPE")
    assert "PO-NOPE" in segments(acks["865"], "MSG")[0]
    with container.engine.connect() as conn:
        streams = conn.execute(select(t.order_events.c.stream).where(
            t.order_events.c.type == "EdiOrderChangeReceived")).scalars().all()
    assert streams == ["ACME-STORES:000000942:0001"]


def test_hostile_changes_get_clear_refusals_and_lose_nothing(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    token = tokens["integration"]
    order_id = place(client, token, 951, "PO-C6")

    huge, huge_acks = answer_of(post(client, token, "x12", po860(
        952, "PO-C6", "POC*1*QI*99999999999*0*EA*10.00**VN*GLV-1",
        "POC*9*QI*5*5*EA*10.00**VN*GLV-1")))
    nul = post(client, token, "x12", po860(953, "PO-C6\x00", "POC*1*DI*0*0"))
    short, _ = answer_of(post(client, token, "x12", po860(
        954, "PO-C6", "POC*1*QI*100000*0*EA*10.00**VN*GLV-1")))

    assert huge["outcome"] == "refused"
    assert [v["reason"] for v in huge["lines"]] == [
        "quantity 99999999999 is outside 0-10000000", "the order has no line 9"]
    assert segments(huge_acks["865"], "ACK") == ["ACK*IR*30*EA", "ACK*IR"]
    assert (nul.status_code, nul.json()["code"]) == (422, "024")  # binary data: nothing taken
    assert short["outcome"] == "refused"
    assert "not enough stock to amend" in short["reason"]
    assert quantities(container, order_id) == {1: 30, 2: 12}
    assert (reserved(container), reserved(container, sku="SKU2")) == (30, 12)
    assert str(exposure(container)) == "360.00"
    assert of_order(container, "OrderAmended", order_id) == []
    assert len(of_order(container, "EdiOrderChangeReceived", order_id)) == 2
