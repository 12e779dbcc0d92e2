"""Releases against a blanket order are orders of their own; a resent release is a duplicate.

X12: BEG02 `RL` with the blanket's number in BEG03 and the release number in BEG04. EDIFACT: a
call-off order (BGM 1001 226) naming its blanket order with RFF+BO. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shipshape.adapters.channels.canonical import PartnerIn
from shipshape.bootstrap import Container
from shipshape.services import edi_intake as edi
from tests.builders import auth, order, post_order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

SHIPSHAPE_EDI = Path(__file__).parents[1] / "fixtures" / "edi"
BLANKET_850 = (SHIPSHAPE_EDI / "shipshape/850_blanket_releases.x12").read_text()
"""ISA13 000000801: blanket BPO-7000 (BK), its releases 0001 and 0002 (RL), stand-alone PO-7100."""
CALL_OFFS = (SHIPSHAPE_EDI / "edifact/shipshape/orders_blanket_calloffs.edi").read_text()
"""ICR0091: blanket order BO-55 (BGM 221) and its call-offs CO-1 and CO-2 (BGM 226, RFF+BO)."""
ITEMS = {"VN:GLV-1": "SKU1", "VN:MSK-5": "SKU2"}
PARTNERS = [
    PartnerIn(id="ACME-STORES", customer_id="C1", isa_qualifier="ZZ", isa_id="ACMESTORES",
              item_xref=ITEMS),
    PartnerIn(id="ACME-EU", customer_id="C1", edifact_id="4012345000009", item_xref=ITEMS),
]


def seed(container: Container) -> None:
    seed_distributor(container)
    edi.upsert_partners(container.deps, [p.to_domain() for p in PARTNERS])


def post(client: TestClient, token: str, route: str, body: str) -> httpx.Response:
    return client.post(f"/api/v1/edi/{route}", content=body.encode(),
                       headers={**auth(token), "Content-Type": "text/plain"})


def orders_of(client: TestClient, token: str) -> dict[tuple[str, str | None], dict[str, Any]]:
    """The stored orders by (customer PO, release number)."""
    answer = client.get("/api/v1/orders", headers=auth(token))
    assert answer.status_code == 200
    return {(o["customer_po"], o["release_number"]): o for o in answer.json()["orders"]}


def x12_segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def x12_resent(control: str, *sets: str) -> str:
    """The fixture's sets named by ST02, alone in a new interchange numbered `control`."""
    segments = x12_segments(BLANKET_850)
    chosen: list[str] = []
    for st02 in sets:
        start = segments.index(f"ST*850*{st02}")
        end = next(i for i in range(start, len(segments)) if segments[i].startswith("SE*"))
        chosen += segments[start:end + 1]
    isa = segments[0].replace("000000801", control)
    gs = segments[1].replace("*801*", f"*{int(control)}*")
    return "~\n".join([isa, gs, *chosen, f"GE*{len(sets)}*{int(control)}",
                       f"IEA*1*{control}"]) + "~\n"


def edifact_resent(reference: str, message: str) -> str:
    """The fixture's message `message` alone in a new interchange `reference`."""
    lines = CALL_OFFS.splitlines()
    start = lines.index(f"UNH+{message}+ORDERS:D:96A:UN:EAN008'")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("UNT+"))
    unb = lines[1].replace("ICR0091", reference)
    return "\n".join([lines[0], unb, *lines[start:end + 1], f"UNZ+1+{reference}'"]) + "\n"


def test_a_blanket_its_releases_and_a_stand_alone_po_in_one_interchange_are_four_orders(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)

    answer = post(client, tokens["integration"], "x12", BLANKET_850)

    assert answer.status_code == 201
    [interchange] = answer.json()["interchanges"]
    blanket, *others = interchange["orders"]
    assert (blanket["status"], [f["code"] for f in blanket["findings"]]) == (
        "held", ["MISSING_SHIP_DATE"])  # a blanket names no ship date; its releases do
    assert [o["status"] for o in others] == ["accepted"] * 3
    stored = orders_of(client, tokens["viewer"])
    assert set(stored) == {("BPO-7000", None), ("BPO-7000", "0001"), ("BPO-7000", "0002"),
                           ("PO-7100", None)}
    assert stored["BPO-7000", "0001"]["requested_ship_date"] == "2026-11-10"
    assert stored["BPO-7000", "0002"]["requested_ship_date"] == "2026-11-17"
    baks = [next(s for s in x12_segments(a["text"]) if s.startswith("BAK"))
            for a in interchange["acknowledgements"] if a["type"] == "855"]
    assert [b.split("*")[3:6:2] for b in baks] == [
        ["BPO-7000", ""], ["BPO-7000", "0001"], ["BPO-7000", "0002"], ["PO-7100", ""]]


def test_a_release_resent_under_a_new_interchange_is_a_duplicate_of_that_release(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    post(client, tokens["integration"], "x12", BLANKET_850)
    first = orders_of(client, tokens["viewer"])["BPO-7000", "0001"]

    answer = post(client, tokens["integration"], "x12", x12_resent("000000802", "0002"))

    assert answer.status_code == 200
    [interchange] = answer.json()["interchanges"]
    [order] = interchange["orders"]
    assert (order["status"], order["duplicate_of"]) == ("duplicate", first["order_id"])
    [finding] = order["findings"]
    assert finding["code"] == "DUPLICATE_ORDER"
    assert "PO BPO-7000 release 0001" in finding["message"]
    assert len(orders_of(client, tokens["viewer"])) == 4


def test_a_later_release_against_the_same_blanket_is_a_new_order(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    post(client, tokens["integration"], "x12", BLANKET_850)
    third = x12_resent("000000803", "0003").replace("*RL*BPO-7000*0002*", "*RL*BPO-7000*0003*")

    answer = post(client, tokens["integration"], "x12", third)

    assert answer.status_code == 201
    assert [o["status"] for o in answer.json()["interchanges"][0]["orders"]] == ["accepted"]
    assert ("BPO-7000", "0003") in orders_of(client, tokens["viewer"])


def test_an_api_order_quoting_the_blanket_po_is_a_duplicate_of_the_blanket_as_before(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    post(client, tokens["integration"], "x12", BLANKET_850)
    blanket = orders_of(client, tokens["viewer"])["BPO-7000", None]

    answer = post_order(client, tokens["integration"], order(customer_po="BPO-7000"))

    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["duplicate_of"]) == (
        "duplicate", blanket["order_id"])


def test_edifact_call_offs_against_a_blanket_order_are_orders_and_a_resent_one_a_duplicate(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)

    answer = post(client, tokens["integration"], "edifact", CALL_OFFS)

    assert answer.status_code == 201
    assert [o["status"] for o in answer.json()["interchanges"][0]["orders"]] == [
        "held", "accepted", "accepted"]  # the blanket names no ship date
    stored = orders_of(client, tokens["viewer"])
    assert set(stored) == {("BO-55", None), ("BO-55", "CO-1"), ("BO-55", "CO-2")}

    again = post(client, tokens["integration"], "edifact", edifact_resent("ICR0092", "M2"))

    assert again.status_code == 200
    [order] = again.json()["interchanges"][0]["orders"]
    assert (order["status"], order["duplicate_of"]) == (
        "duplicate", stored["BO-55", "CO-1"]["order_id"])
    assert len(orders_of(client, tokens["viewer"])) == 3
