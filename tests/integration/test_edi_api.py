"""EDI over HTTP on SQLite and PostgreSQL: real X12 and EDIFACT files in, orders and acks out."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.channels import edifact, x12
from shipshape.adapters.channels.canonical import ItemIn, PartnerIn, PriceIn, StockMovementIn
from shipshape.adapters.db import tables
from shipshape.adapters.db.edi_queries import received_content
from shipshape.bootstrap import Container
from shipshape.services import edi_intake as edi
from shipshape.services import masterdata as md
from tests.builders import auth, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

EDI = Path(__file__).parents[1] / "fixtures" / "edi"
SHARED_EDI = Path(__file__).parents[3] / "shared" / "data" / "edi"
X12_ROUTE = "/api/v1/edi/x12"
EDIFACT_ROUTE = "/api/v1/edi/edifact"
MIB = 1024 * 1024
STOCK = 5000

NODE_850 = (EDI / "x12/node-x12/850.edi").read_text()
"""node-x12's 850: ISA13 000003438, GS06 1421, ST02 000000010, PO 08292233294, six VN lines."""
NODE_PO = "08292233294"
HOFFMANN = (EDI / "edifact/shipshape/orders_two_messages.edi").read_bytes()
"""Two ORDERS in interchange ICR0042 from 4012345000009:14: PO-7781 (M1) and PO-7782 (M2)."""

WIDGETS = {  # VN id in node-x12/850.edi: our SKU, the price it carries, the quantity ordered
    "AB3542": ("W-SMALL", "9.25", 120), "RD5322": ("W-MEDIUM", "13.79", 220),
    "XY5266": ("W-LARGE", "10.99", 126), "VX2332": ("W-NANO", "4.35", 76),
    "RV0524": ("W-BLUE", "7.5", 72), "DX1875": ("W-ORANGE", "9.55", 696),
}
GLOVES = {"ACME-100": ("GLOVE-100", "12.50"), "ACME-200": ("GLOVE-200", "12.50")}
"""Supplier article numbers (PIA/LIN :SA) of PO-7781; PO-7782's GTIN is mapped to nothing."""

PARTNERS = [
    PartnerIn(id="XYZ-RETAIL", customer_id="C1", isa_qualifier="12", isa_id="4405197800",
              gs_code="4405197800",
              item_xref={f"VN:{vn}": sku for vn, (sku, _, _) in WIDGETS.items()}),
    PartnerIn(id="PETCO", customer_id="C1", isa_qualifier="12", isa_id="0000000000"),
    PartnerIn(id="BARSAN", customer_id="C1", isa_qualifier="01", isa_id="049351117"),
    PartnerIn(id="EDI-NET", customer_id="C1", isa_qualifier="01", isa_id="000123456"),
    PartnerIn(id="ACME-STORES", customer_id="C1", isa_qualifier="ZZ", isa_id="ACMESTORES",
              item_xref={"VN:GLV-1": "SKU1", "VN:MSK-5": "SKU2"}),
    PartnerIn(id="HOFFMANN", customer_id="C1", edifact_id="4012345000009",
              item_xref={f"VN:{sa}": sku for sa, (sku, _) in GLOVES.items()}),
    PartnerIn(id="STAEDI-BUYER", customer_id="C1", edifact_id="5400110000009"),
]


# --------------------------------------------------------------------------------- set-up


def seed(container: Container) -> None:
    """C1 with SKU1/SKU2 (tests.builders), our widgets and gloves in stock, every partner."""
    seed_distributor(container)
    ours = [(sku, price) for sku, price, _ in WIDGETS.values()] + list(GLOVES.values())
    md.upsert(container.deps, [
        *(ItemIn(description=f"item {sku}", weight_kg="0.1").to_domain(sku) for sku, _ in ours),
        *(PriceIn(unit_price=price).to_domain("C1", sku) for sku, price in ours),
    ])
    md.receive(container.deps, [StockMovementIn(site_id="DAL", sku=sku, quantity=STOCK).to_domain()
                                for sku, _ in ours])
    edi.upsert_partners(container.deps, [p.to_domain() for p in PARTNERS])


def post(client: TestClient, token: str, route: str, body: bytes | str) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return client.post(route, content=content,
                       headers={**auth(token), "Content-Type": "text/plain"})


def only(response: httpx.Response) -> dict[str, Any]:
    [interchange] = response.json()["interchanges"]
    return interchange


def acks(interchange: dict[str, Any], kind: str) -> list[str]:
    return [a["text"] for a in interchange["acknowledgements"] if a["type"] == kind]


def count(container: Container, table: str, **where: str) -> int:
    t = tables.metadata.tables[table]
    query = select(func.count()).select_from(t).where(*(t.c[k] == v for k, v in where.items()))
    with container.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def footprint(container: Container) -> dict[str, int]:
    """What a request can leave behind: orders, reservations, cases, and the EDI log."""
    return {name: count(container, name) for name in (
        "orders", "reservations", "exception_cases", "edi_interchanges", "edi_documents")}


def rows(container: Container, table: str) -> list[dict[str, Any]]:
    t = tables.metadata.tables[table]
    with container.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))
                .mappings()]


def listed(client: TestClient, token: str, **params: str) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/orders", params=params, headers=auth(token))
    assert answer.status_code == 200
    orders: list[dict[str, Any]] = answer.json()["orders"]
    return orders


def reserved(client: TestClient, token: str, sku: str) -> int:
    sites = client.get(f"/api/v1/items/{sku}/stock", headers=auth(token)).json()["sites"]
    return sum(int(s["reserved"]) for s in sites)


def x12_segments(text: str) -> list[list[str]]:
    """An acknowledgement read back by the separators its 106-character ISA declares."""
    element, terminator = text[3], text[105]
    return [s.strip("\r\n").split(element) for s in text.split(terminator) if s.strip("\r\n")]


def tagged(segments: list[list[str]], tag: str) -> list[list[str]]:
    return [s for s in segments if s[0] == tag]


def edifact_segments(text: str) -> list[list[str]]:
    """An EDIFACT acknowledgement (UNA :+.? ') split into segments and data elements."""
    body = text[9:] if text.startswith("UNA") else text
    return [re.split(r"(?<!\?)\+", s.strip()) for s in re.split(r"(?<!\?)'", body) if s.strip()]


def edited(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


def renumbered(control: str, text: str = NODE_850) -> str:
    """node-x12's 850 under another interchange control number (ISA13 and IEA02)."""
    return edited(text, ("000003438", control))


# ------------------------------------------------------------- X12 built from node-x12's 850

NODE_SEGMENTS = [s.strip() for s in NODE_850.split("~") if s.strip()]
NODE_ISA, NODE_GS, NODE_SET = NODE_SEGMENTS[0], NODE_SEGMENTS[1], NODE_SEGMENTS[2:-2]


def a_set(control: str, po: str, se_count: int | None = None) -> list[str]:
    """node-x12's transaction set under ST02 `control` for PO `po`, SE01 as given or right."""
    body = [s.replace("000000010", control).replace(NODE_PO, po) for s in NODE_SET]
    if se_count is not None:
        body[-1] = f"SE*{se_count}*{control}"
    return body


def a_group(control: str, *sets: list[str], ge_count: int | None = None) -> list[str]:
    head = NODE_GS.replace("*1421*", f"*{control}*")
    trailer = f"GE*{len(sets) if ge_count is None else ge_count}*{control}"
    return [head, *(segment for ts in sets for segment in ts), trailer]


def an_interchange(control: str, *groups: list[str]) -> str:
    segments = [NODE_ISA.replace("000003438", control),
                *(segment for group in groups for segment in group),
                f"IEA*{len(groups)}*{control}"]
    return "~\n".join(segments) + "~\n"


def wrapped(text: str, width: int = 80) -> str:
    """Cut into lines of `width` characters, as some mailbox systems deliver files."""
    flat = text.replace("\n", "")
    return "\n".join(flat[i:i + width] for i in range(0, len(flat), width)) + "\n"


# ------------------------------------------------------------------------ X12: valid 850s


def test_x12_850_becomes_an_accepted_order_answered_by_a_997_and_an_855(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    answer = post(client, tokens["integration"], X12_ROUTE, NODE_850)

    assert answer.status_code == 201
    interchange = only(answer)
    assert (interchange["partner_id"], interchange["duplicate"]) == ("XYZ-RETAIL", False)
    [order] = interchange["orders"]
    assert order["status"] == "accepted"
    assert order["reservations"] == [
        {"line_no": n, "site_id": "DAL", "sku": sku, "quantity": quantity}
        for n, (sku, _, quantity) in enumerate(WIDGETS.values(), start=1)]
    assert [a["type"] for a in interchange["acknowledgements"]] == ["997", "855"]

    [ack997] = [x12_segments(t) for t in acks(interchange, "997")]
    assert ack997[0][6].strip() == "SHIPSHAPE" and ack997[0][8].strip() == "4405197800"
    assert tagged(ack997, "AK1") == [["AK1", "PO", "1421"]]
    assert tagged(ack997, "AK2") == [["AK2", "850", "000000010"]]
    assert tagged(ack997, "AK5") == [["AK5", "A"]]
    assert tagged(ack997, "AK9") == [["AK9", "A", "1", "1", "1"]]

    [ack855] = [x12_segments(t) for t in acks(interchange, "855")]
    assert tagged(ack855, "BAK")[0][1:4] == ["00", "AD", NODE_PO]
    assert [s[1:3] for s in tagged(ack855, "ACK")] == [
        ["IA", str(quantity)] for _, _, quantity in WIDGETS.values()]


def test_the_accepted_x12_order_is_listed_with_its_po_lines_and_reservations(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    order_id = only(post(client, tokens["integration"], X12_ROUTE, NODE_850))["orders"][0][
        "order_id"]

    [summary] = listed(client, tokens["viewer"])
    assert (summary["order_id"], summary["customer_po"], summary["channel"]) == (
        order_id, NODE_PO, "edi")
    assert (summary["external_id"], summary["status"]) == ("000003438-1421-000000010",
                                                           "accepted")
    assert summary["requested_ship_date"] == "2010-12-14"
    assert summary["ship_to"]["city"] == "SOLON"
    detail = client.get(f"/api/v1/orders/{order_id}", headers=auth(tokens["viewer"])).json()
    assert [(ln["line_no"], ln["sku"], ln["quantity"], Decimal(ln["unit_price"]), ln["uom"])
            for ln in detail["lines"]] == [
        (n, sku, quantity, Decimal(price), "EA")
        for n, (sku, price, quantity) in enumerate(WIDGETS.values(), start=1)]
    assert reserved(client, tokens["viewer"], "W-ORANGE") == 696


LAYOUTS = {
    "tilde and line feed": NODE_850,
    "line feed as terminator": (EDI / "x12/node-x12/850_2.edi").read_text(),
    "tilde and CR LF": NODE_850.replace("~\n", "~\r\n"),
    "one line": NODE_850.replace("\n", ""),
    "wrapped at 80 columns": wrapped(NODE_850),
    "UTF-8 byte order mark": "\ufeff" + NODE_850,
    "control-character separators": NODE_850.replace("\n", "").replace("*", "\x1d")
    .replace("~", "\x1c").replace(">", "\x1f"),
    "pipe, caret and exclamation mark": NODE_850.replace("*", "|").replace(">", "^")
    .replace("~", "!"),
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_the_same_850_in_any_layout_becomes_the_same_accepted_order(
    client: TestClient, container: Container, tokens: dict[str, str], layout: str
) -> None:
    seed(container)
    answer = post(client, tokens["integration"], X12_ROUTE, LAYOUTS[layout])

    assert answer.status_code == 201, answer.text
    interchange = only(answer)
    assert [o["status"] for o in interchange["orders"]] == ["accepted"]
    [ack997] = [x12_segments(t) for t in acks(interchange, "997")]
    assert tagged(ack997, "AK9") == [["AK9", "A", "1", "1", "1"]]
    assert len(acks(interchange, "855")) == 1
    [order] = listed(client, tokens["viewer"], customer_po=NODE_PO)
    assert order["external_id"] == "000003438-1421-000000010"


def test_an_850_with_an_unmapped_item_is_stored_held_and_its_line_rejected(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    answer = post(client, tokens["integration"], X12_ROUTE,
                  (EDI / "x12/node-x12/850_3.edi").read_bytes())

    assert answer.status_code == 201
    interchange = only(answer)
    assert interchange["partner_id"] == "PETCO"
    [order] = interchange["orders"]
    assert order["status"] == "held"
    assert "UNKNOWN_ITEM" in [f["code"] for f in order["findings"]]
    assert order["reservations"] == []
    [ack997] = [x12_segments(t) for t in acks(interchange, "997")]
    assert tagged(ack997, "AK9") == [["AK9", "A", "1", "1", "1"]]
    [ack855] = [x12_segments(t) for t in acks(interchange, "855")]
    assert tagged(ack855, "BAK")[0][1:4] == ["00", "RD", "----------"]
    assert [s[1] for s in tagged(ack855, "ACK")] == ["IR"]
    [stored] = listed(client, tokens["viewer"], customer_po="----------")
    assert stored["status"] == "held"
    cases = client.get("/api/v1/exceptions", params={"order_id": order["order_id"]},
                       headers=auth(tokens["viewer"])).json()["exceptions"]
    assert "UNKNOWN_ITEM" in [c["code"] for c in cases]


def test_an_850_with_store_quantities_becomes_one_accepted_order_per_store(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    answer = post(client, tokens["integration"], X12_ROUTE,
                  (EDI / "shipshape/850_sdq_two_stores.x12").read_bytes())

    assert answer.status_code == 201
    interchange = only(answer)
    orders = {o["order_id"]: o for o in interchange["orders"]}
    assert [o["status"] for o in orders.values()] == ["accepted", "accepted"]
    stored = {o["customer_po"]: o for o in listed(client, tokens["viewer"])}
    assert set(stored) == {"SDQ-4411-0012", "SDQ-4411-0034"}
    assert stored["SDQ-4411-0012"]["ship_to"]["city"] == "BOSTON"
    assert stored["SDQ-4411-0034"]["ship_to"]["city"] == "CHICAGO"
    assert orders[stored["SDQ-4411-0012"]["order_id"]]["reservations"] == [
        {"line_no": 1, "site_id": "DAL", "sku": "SKU1", "quantity": 10},
        {"line_no": 2, "site_id": "DAL", "sku": "SKU2", "quantity": 12}]
    assert orders[stored["SDQ-4411-0034"]["order_id"]]["reservations"] == [
        {"line_no": 1, "site_id": "DAL", "sku": "SKU1", "quantity": 20}]
    [ack997] = [x12_segments(t) for t in acks(interchange, "997")]
    assert tagged(ack997, "AK9") == [["AK9", "A", "1", "1", "1"]]
    sdq = sorted(s[3] for t in acks(interchange, "855") for s in tagged(x12_segments(t), "SDQ"))
    assert sdq == ["0012", "0012", "0034"]


def test_upstream_850_with_a_repeated_set_number_keeps_the_first_set_only(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    """EDI.Net's issue135 sample: two sets share ST02 0001 (AK5 code 23 on the second)."""
    seed(container)
    answer = post(client, tokens["integration"], X12_ROUTE,
                  (EDI / "x12/edi-net/x12.850.issue135.edi").read_bytes())

    assert answer.status_code == 201
    interchange = only(answer)
    assert len(interchange["orders"]) == 1
    [ack997] = [x12_segments(t) for t in acks(interchange, "997")]
    assert tagged(ack997, "AK5") == [["AK5", "A"], ["AK5", "R", "23"]]
    assert tagged(ack997, "AK9") == [["AK9", "P", "2", "2", "1"]]
    assert len(acks(interchange, "855")) == 1
    assert [o["customer_po"] for o in listed(client, tokens["viewer"])] == ["740150"]


def test_two_interchanges_in_one_file_each_become_their_order(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    body = an_interchange("000000601", a_group("601", a_set("0001", "PO-601"))) + \
        an_interchange("000000602", a_group("602", a_set("0001", "PO-602")))
    answer = post(client, tokens["integration"], X12_ROUTE, body)

    assert answer.status_code == 201
    first, second = answer.json()["interchanges"]
    assert first["interchange_id"] != second["interchange_id"]
    assert [len(i["orders"]) for i in (first, second)] == [1, 1]
    assert {o["customer_po"] for o in listed(client, tokens["viewer"])} == {"PO-601", "PO-602"}


# --------------------------------------------------------------------- X12: resends


def test_a_resent_x12_interchange_is_refused_as_a_duplicate_and_creates_nothing(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    assert post(client, tokens["integration"], X12_ROUTE, NODE_850).status_code == 201
    before = footprint(container)

    again = post(client, tokens["integration"], X12_ROUTE, NODE_850)

    assert again.status_code == 409
    interchange = only(again)
    assert (interchange["duplicate"], interchange["orders"]) == (True, [])
    assert [a["type"] for a in interchange["acknowledgements"]] == ["TA1"]
    [ta1] = tagged(x12_segments(acks(interchange, "TA1")[0]), "TA1")
    assert ta1[1:] == ["000003438", "101127", "1719", "R", "025"]
    after = footprint(container)
    assert {k: after[k] for k in ("orders", "reservations", "exception_cases")} == {
        k: before[k] for k in ("orders", "reservations", "exception_cases")}
    assert len(listed(client, tokens["viewer"])) == 1
    assert reserved(client, tokens["viewer"], "W-SMALL") == 120


def test_the_same_interchange_laid_out_differently_is_still_a_resend(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    post(client, tokens["integration"], X12_ROUTE, NODE_850)

    again = post(client, tokens["integration"], X12_ROUTE,
                 (EDI / "x12/node-x12/850_2.edi").read_bytes())

    assert again.status_code == 409
    assert only(again)["duplicate"] is True
    assert len(listed(client, tokens["viewer"])) == 1


def test_the_same_po_under_a_new_interchange_number_is_a_duplicate_order_not_a_new_one(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    original = only(post(client, tokens["integration"], X12_ROUTE, NODE_850))["orders"][0]

    answer = post(client, tokens["integration"], X12_ROUTE, renumbered("000003439"))

    assert answer.status_code == 200
    interchange = only(answer)
    assert interchange["duplicate"] is False
    [order] = interchange["orders"]
    assert (order["status"], order["duplicate_of"]) == ("duplicate", original["order_id"])
    [ack855] = [x12_segments(t) for t in acks(interchange, "855")]
    assert tagged(ack855, "BAK")[0][2] == "RD"
    assert {s[1] for s in tagged(ack855, "ACK")} == {"IR"}
    assert len(listed(client, tokens["viewer"])) == 1
    assert reserved(client, tokens["viewer"], "W-SMALL") == 120


# ------------------------------------------------------------------- X12: broken input


def _ebcdic() -> bytes:
    return renumbered("000000104").encode("cp500")


UNREADABLE_X12: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "023"),
    "truncated in the middle": (NODE_850[: len(NODE_850) // 2].encode(), "023"),
    "truncated in the ISA": (NODE_850[:60].encode(), "023"),
    "EBCDIC": (_ebcdic(), "024"),
    "binary": (bytes(range(256)) * 8, "024"),
    "binary inside a segment": (NODE_850.replace("SMALL WIDGET", "SMALL\x00\x01WIDGET")
                                .encode(), "024"),
    "not X12 at all": (b"<?xml version='1.0'?><order/>", "024"),
    "garbage after the IEA": ((NODE_850 + "hello\n").encode(), "024"),
    "a good interchange, then a truncated one": (
        (NODE_850 + renumbered("000000105")[:700]).encode(), "023"),
}


@pytest.mark.parametrize("case", UNREADABLE_X12, ids=list(UNREADABLE_X12))
def test_unreadable_x12_is_refused_with_its_code_and_leaves_nothing_behind(
    client: TestClient, container: Container, tokens: dict[str, str], case: str
) -> None:
    seed(container)
    body, code = UNREADABLE_X12[case]
    before = footprint(container)

    answer = post(client, tokens["integration"], X12_ROUTE, body)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code
    assert footprint(container) == before
    assert listed(client, tokens["viewer"]) == []


ENVELOPE_ERRORS: dict[str, tuple[str, str, list[str]]] = {
    # case: (body, acknowledgement, the rejecting segment it must carry)
    "IEA02 differs from ISA13": (
        edited(renumbered("000000201"), ("IEA*1*000000201", "IEA*1*000000999")),
        "TA1", ["TA1", "000000201", "101127", "1719", "R", "001"]),
    "IEA01 counts two groups": (
        edited(renumbered("000000202"), ("IEA*1*", "IEA*2*")),
        "TA1", ["TA1", "000000202", "101127", "1719", "R", "021"]),
    "ISA shortened to 105 characters": (
        edited(renumbered("000000203"), ("*ABCCO     *", "*ABCCO    *")),
        "TA1", ["TA1", "000000203", "101127", "1719", "R", "022"]),
    "SE01 miscounts the segments": (
        edited(renumbered("000000204"), ("SE*33*", "SE*32*")),
        "997", ["AK5", "R", "4"]),
    "SE02 differs from ST02": (
        edited(renumbered("000000205"), ("SE*33*000000010", "SE*33*000000011")),
        "997", ["AK5", "R", "3"]),
    "GE01 miscounts the sets": (
        edited(renumbered("000000206"), ("GE*1*1421", "GE*2*1421")),
        "997", ["AK9", "R", "2", "1", "0", "5"]),
    "GE02 differs from GS06": (
        edited(renumbered("000000207"), ("GE*1*1421", "GE*1*1422")),
        "997", ["AK9", "R", "1", "1", "0", "4"]),
}


@pytest.mark.parametrize("case", ENVELOPE_ERRORS, ids=list(ENVELOPE_ERRORS))
def test_envelope_errors_are_answered_with_a_rejecting_ack_and_store_no_order(
    client: TestClient, container: Container, tokens: dict[str, str], case: str
) -> None:
    seed(container)
    body, kind, rejecting = ENVELOPE_ERRORS[case]

    answer = post(client, tokens["integration"], X12_ROUTE, body)

    assert answer.status_code == 200
    interchange = only(answer)
    assert (interchange["duplicate"], interchange["orders"]) == (False, [])
    assert [a["type"] for a in interchange["acknowledgements"]] == [kind]
    assert rejecting in x12_segments(acks(interchange, kind)[0])
    after = footprint(container)
    assert (after["orders"], after["reservations"], after["exception_cases"]) == (0, 0, 0)
    assert listed(client, tokens["viewer"]) == []


def test_a_set_with_a_wrong_segment_count_is_rejected_while_its_neighbour_is_stored(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    body = an_interchange("000000301", a_group(
        "301", a_set("0001", "PO-GOOD"), a_set("0002", "PO-BAD", se_count=32)))

    answer = post(client, tokens["integration"], X12_ROUTE, body)

    assert answer.status_code == 201
    interchange = only(answer)
    assert [o["status"] for o in interchange["orders"]] == ["accepted"]
    [ack997] = [x12_segments(t) for t in acks(interchange, "997")]
    assert tagged(ack997, "AK2") == [["AK2", "850", "0001"], ["AK2", "850", "0002"]]
    assert tagged(ack997, "AK5") == [["AK5", "A"], ["AK5", "R", "4"]]
    assert tagged(ack997, "AK9") == [["AK9", "P", "2", "2", "1"]]
    [ack855] = [x12_segments(t) for t in acks(interchange, "855")]
    assert tagged(ack855, "BAK")[0][3] == "PO-GOOD"
    assert [o["customer_po"] for o in listed(client, tokens["viewer"])] == ["PO-GOOD"]


def test_a_group_with_a_wrong_set_count_is_rejected_while_the_other_group_is_stored(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    body = an_interchange("000000302",
                          a_group("302", a_set("0001", "PO-KEPT")),
                          a_group("303", a_set("0001", "PO-LOST"), ge_count=3))

    answer = post(client, tokens["integration"], X12_ROUTE, body)

    assert answer.status_code == 201
    interchange = only(answer)
    assert len(interchange["orders"]) == 1
    first, second = (x12_segments(t) for t in acks(interchange, "997"))
    assert tagged(first, "AK9") == [["AK9", "A", "1", "1", "1"]]
    assert tagged(second, "AK1") == [["AK1", "PO", "303"]]
    assert tagged(second, "AK9") == [["AK9", "R", "3", "1", "0", "5"]]
    assert len(acks(interchange, "855")) == 1
    assert [o["customer_po"] for o in listed(client, tokens["viewer"])] == ["PO-KEPT"]


def test_an_unknown_x12_sender_is_refused_naming_it_and_nothing_is_stored(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    stranger = edited(renumbered("000000401"), ("*12*4405197800     *", "*12*5550001111     *"))
    before = footprint(container)

    alone = post(client, tokens["integration"], X12_ROUTE, stranger)
    behind_a_known_one = post(client, tokens["integration"], X12_ROUTE, NODE_850 + stranger)

    for answer in (alone, behind_a_known_one):
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert "12:5550001111" in answer.json()["detail"]
    assert footprint(container) == before
    assert listed(client, tokens["viewer"]) == []


def test_x12_padded_with_nul_and_sub_after_the_iea_is_taken_like_the_unpadded_file(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    """The reader skips NUL and SUB (^Z) padding after an IEA, as block transfers leave it."""
    seed(container)
    answer = post(client, tokens["integration"], X12_ROUTE,
                  NODE_850.encode() + b"\x00" * 16 + b"\x1a")

    assert answer.status_code == 201
    assert [o["status"] for o in only(answer)["orders"]] == ["accepted"]
    assert count(container, "edi_documents", direction="in") == 1


# ------------------------------------------------------------------------------- EDIFACT


def test_edifact_orders_become_orders_answered_by_contrl_and_aperak(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    answer = post(client, tokens["integration"], EDIFACT_ROUTE, HOFFMANN)

    assert answer.status_code == 201
    interchange = only(answer)
    assert (interchange["partner_id"], interchange["duplicate"]) == ("HOFFMANN", False)
    accepted, held = interchange["orders"]
    assert accepted["status"] == "accepted"
    assert accepted["reservations"] == [
        {"line_no": 1, "site_id": "DAL", "sku": "GLOVE-100", "quantity": 24},
        {"line_no": 2, "site_id": "DAL", "sku": "GLOVE-200", "quantity": 6}]
    assert held["status"] == "held"
    assert [f["code"] for f in held["findings"] if f["severity"] == "block"] == ["UNKNOWN_ITEM"]
    assert [a["type"] for a in interchange["acknowledgements"]] == ["CONTRL", "APERAK"]

    [contrl] = [edifact_segments(t) for t in acks(interchange, "CONTRL")]
    assert tagged(contrl, "UCI") == [["UCI", "ICR0042", "4012345000009:14", "SHIPSHAPE:ZZ", "7"]]
    assert tagged(contrl, "UCM") == []
    [aperak] = [edifact_segments(t) for t in acks(interchange, "APERAK")]
    assert ["RFF", "ON:PO-7782"] in aperak and ["RFF", "ACW:M2"] in aperak
    assert tagged(aperak, "ERC") == [["ERC", "2"]]
    [ftx] = tagged(aperak, "FTX")
    assert "UNKNOWN_ITEM" in ftx[-1] and "4006381333948" in ftx[-1]

    stored = {o["customer_po"]: o for o in listed(client, tokens["viewer"])}
    assert {po: o["status"] for po, o in stored.items()} == {
        "PO-7781": "accepted", "PO-7782": "held"}
    assert stored["PO-7781"]["ship_to"]["city"] == "Hamburg"
    assert stored["PO-7782"]["ship_to"]["city"] == "München"
    assert reserved(client, tokens["viewer"], "GLOVE-100") == 24


def test_a_resent_edifact_interchange_is_refused_with_contrl_code_26(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    post(client, tokens["integration"], EDIFACT_ROUTE, HOFFMANN)
    before = footprint(container)

    again = post(client, tokens["integration"], EDIFACT_ROUTE, HOFFMANN)

    assert again.status_code == 409
    interchange = only(again)
    assert (interchange["duplicate"], interchange["orders"]) == (True, [])
    assert [a["type"] for a in interchange["acknowledgements"]] == ["CONTRL"]
    [uci] = tagged(edifact_segments(acks(interchange, "CONTRL")[0]), "UCI")
    assert uci[1] == "ICR0042" and uci[4:7] == ["4", "26", "UNB"]
    after = footprint(container)
    assert {k: after[k] for k in ("orders", "reservations", "exception_cases")} == {
        k: before[k] for k in ("orders", "reservations", "exception_cases")}
    assert reserved(client, tokens["viewer"], "GLOVE-100") == 24


def test_upstream_orders_with_a_wrong_unt_count_is_rejected_by_contrl_and_not_stored(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    """staedi's orders-with-group.edi: UNT01 says 21, the message has 18 segments."""
    seed(container)
    answer = post(client, tokens["integration"], EDIFACT_ROUTE,
                  (EDI / "edifact/staedi/orders-with-group.edi").read_bytes())

    assert answer.status_code == 200
    interchange = only(answer)
    assert (interchange["partner_id"], interchange["orders"]) == ("STAEDI-BUYER", [])
    assert [a["type"] for a in interchange["acknowledgements"]] == ["CONTRL"]
    contrl = edifact_segments(acks(interchange, "CONTRL")[0])
    assert tagged(contrl, "UCI")[0][4] == "4"
    assert [s[:6] for s in tagged(contrl, "UCM")] == [
        ["UCM", "1", "ORDERS:D:96B:UN:EAN008B", "4", "29", "UNT"]]
    after = footprint(container)
    assert (after["orders"], after["exception_cases"]) == (0, 0)


def test_an_edifact_message_with_a_wrong_unt_count_is_rejected_and_its_neighbour_kept(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    body = edited(HOFFMANN.decode(), ("UNT+17+M1", "UNT+16+M1"))

    answer = post(client, tokens["integration"], EDIFACT_ROUTE, body)

    assert answer.status_code == 201
    interchange = only(answer)
    assert [o["status"] for o in interchange["orders"]] == ["held"]
    contrl = edifact_segments(acks(interchange, "CONTRL")[0])
    assert tagged(contrl, "UCI")[0][4] == "7"
    assert [s[:6] for s in tagged(contrl, "UCM")] == [
        ["UCM", "M1", "ORDERS:D:96A:UN:EAN008", "4", "29", "UNT"]]
    assert [o["customer_po"] for o in listed(client, tokens["viewer"])] == ["PO-7782"]
    assert reserved(client, tokens["viewer"], "GLOVE-100") == 0


UNREADABLE_EDIFACT: dict[str, tuple[bytes, str]] = {
    "no UNZ trailer (pydifact order.edi)": ((EDI / "edifact/pydifact/order.edi").read_bytes(),
                                            "13"),
    "empty": (b"  \r\n", "13"),
    "cut inside a segment": (HOFFMANN[: len(HOFFMANN) // 2], "13"),
    "EBCDIC": (HOFFMANN.decode().encode("cp500", errors="replace"), "46"),
    "binary": (b"UNB+UNOC:3+4012345000009:14+SHIPSHAPE+261120:0930+X'\x00\x01\x02'", "21"),
    "not EDIFACT at all": (b"<?xml version='1.0'?><order/>", "13"),
}


@pytest.mark.parametrize("case", UNREADABLE_EDIFACT, ids=list(UNREADABLE_EDIFACT))
def test_unreadable_edifact_is_refused_with_its_code_and_leaves_nothing_behind(
    client: TestClient, container: Container, tokens: dict[str, str], case: str
) -> None:
    seed(container)
    body, code = UNREADABLE_EDIFACT[case]
    before = footprint(container)

    answer = post(client, tokens["integration"], EDIFACT_ROUTE, body)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code
    assert footprint(container) == before


def test_an_unknown_edifact_sender_is_refused_naming_it_and_nothing_is_stored(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    body = edited(HOFFMANN.decode(), ("UNB+UNOC:3+4012345000009:14", "UNB+UNOC:3+4099999999999:14"))
    before = footprint(container)

    answer = post(client, tokens["integration"], EDIFACT_ROUTE, body)

    assert answer.status_code == 422
    assert "4099999999999" in answer.json()["detail"]
    assert footprint(container) == before


def test_a_partner_naming_its_edifact_sender_with_the_qualifier_receives_its_orders(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    """UNB S002 is id and qualifier; the APERAK builder reads "4012345000009:14" that way too."""
    seed_distributor(container)
    edi.upsert_partners(container.deps, [PartnerIn(
        id="HOFFMANN", customer_id="C1", edifact_id="4012345000009:14").to_domain()])

    answer = post(client, tokens["integration"], EDIFACT_ROUTE, HOFFMANN)

    assert answer.status_code == 201, answer.text
    assert len(only(answer)["orders"]) == 2


# ------------------------------------------------------------------- tokens and body size


ROUTES = {X12_ROUTE: NODE_850.encode(), EDIFACT_ROUTE: HOFFMANN}


@pytest.mark.parametrize("route", ROUTES)
def test_edi_routes_need_a_token_of_a_role_that_writes_orders(
    client: TestClient, container: Container, tokens: dict[str, str], route: str
) -> None:
    seed(container)
    body = ROUTES[route]

    assert client.post(route, content=body).status_code == 401
    assert client.post(route, content=body, headers=auth("ss_forged")).status_code == 401
    assert post(client, tokens["viewer"], route, body).status_code == 403
    assert post(client, tokens["agent"], route, body).status_code == 403
    assert footprint(container)["edi_documents"] == 0
    assert post(client, tokens["admin"], route, body).status_code == 201


@pytest.mark.parametrize("route", ROUTES)
def test_an_edi_body_over_twenty_mebibytes_is_refused_with_413(
    client: TestClient, container: Container, tokens: dict[str, str], route: str
) -> None:
    seed(container)
    before = footprint(container)

    answer = post(client, tokens["integration"], route, b" " * (20 * MIB + 1))

    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert footprint(container) == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_two_mebibyte_edi_body_is_not_refused_by_the_size_limit(
    client: TestClient, container: Container, tokens: dict[str, str], route: str
) -> None:
    seed(container)
    body = ROUTES[route]
    padded = body + b"\r\n" * ((2 * MIB - len(body)) // 2 + 1)
    assert len(padded) > 2 * MIB

    answer = post(client, tokens["integration"], route, padded)

    assert answer.status_code == 201, answer.text[:500]
    assert len(only(answer)["orders"]) >= 1


# ---------------------------------------------------------------- the documents kept


def test_every_interchange_and_every_acknowledgement_sent_is_kept(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    bodies = [(X12_ROUTE, NODE_850.encode()), (X12_ROUTE, NODE_850.encode()),
              (X12_ROUTE, edited(renumbered("000000501"), ("SE*33*", "SE*30*")).encode()),
              (EDIFACT_ROUTE, HOFFMANN), (EDIFACT_ROUTE, HOFFMANN)]
    sent: list[tuple[int, bytes, dict[str, Any]]] = []
    for route, body in bodies:
        sent += [(i["interchange_id"], body, i) for i in
                 post(client, tokens["integration"], route, body).json()["interchanges"]]

    documents = rows(container, "edi_documents")
    inbound = [d for d in documents if d["direction"] == "in"]
    assert len(inbound) == 3  # the resends of NODE_850 and HOFFMANN are stored once each
    for interchange_id, body, _ in sent:
        content = received_content(container.engine, interchange_id)
        assert content is not None and content.encode("latin-1") == body.strip()
    assert sorted(d["doc_type"] for d in inbound) == ["edifact", "x12", "x12"]
    outbound = sorted((d["interchange_id"], d["partner_id"], d["doc_type"], d["control_number"],
                       d["content"]) for d in documents if d["direction"] == "out")
    answered = sorted((i, interchange["partner_id"], a["type"], a["control_number"], a["text"])
                      for i, _, interchange in sent for a in interchange["acknowledgements"])
    assert outbound == answered
    assert [a[2] for a in answered].count("TA1") == 1
    assert len(rows(container, "edi_interchanges")) == len(sent)


def test_acknowledgement_control_numbers_never_repeat_for_a_partner(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    x12_bodies = [NODE_850, NODE_850, renumbered("000000502"),
                  edited(renumbered("000000503"), ("IEA*1*000000503", "IEA*1*000000504")),
                  an_interchange("000000505", a_group("505", a_set("0001", "PO-505")),
                                 a_group("506", a_set("0001", "PO-506")))]
    sent = [a for body in x12_bodies
            for a in only(post(client, tokens["integration"], X12_ROUTE, body))[
                "acknowledgements"]]
    sent_edifact = [a for _ in range(2) for a in only(
        post(client, tokens["integration"], EDIFACT_ROUTE, HOFFMANN))["acknowledgements"]]

    numbers = [int(a["control_number"]) for a in sent]
    assert len(numbers) == len(set(numbers)) == 10
    assert numbers == sorted(numbers)
    for ack in sent:
        segments = x12_segments(ack["text"])
        assert segments[0][13] == segments[-1][2] == f"{int(ack['control_number']):09d}"
        assert all(gs[6] == ack["control_number"] for gs in tagged(segments, "GS"))
    edifact_numbers = [a["control_number"] for a in sent_edifact]
    assert len(edifact_numbers) == len(set(edifact_numbers)) == 3
    for ack in sent_edifact:
        segments = edifact_segments(ack["text"])
        assert segments[0][5] == segments[-1][2] == ack["control_number"]
    for partner in ("XYZ-RETAIL", "HOFFMANN"):
        kept = [d["control_number"] for d in rows(container, "edi_documents")
                if d["partner_id"] == partner and d["direction"] == "out"]
        assert len(kept) == len(set(kept))


# ------------------------------------------------------ the shared corpus (when present)


def _shared(standard: str, pattern: str) -> list[Any]:
    folder = SHARED_EDI / standard
    if not folder.is_dir():
        return [pytest.param(None, id="absent", marks=pytest.mark.skip(
            reason=f"the shared EDI corpus is not present at {folder}"))]
    found = sorted(p for p in folder.rglob(pattern)
                   if p.is_file() and "bots" not in p.relative_to(folder).parts)
    return [pytest.param(p, id=str(p.relative_to(folder))) for p in found]


def _x12_partners(raw: bytes) -> list[PartnerIn]:
    try:
        senders = sorted({(ix.sender_qualifier, ix.sender_id) for ix in x12.parse(raw)})
    except x12.X12SyntaxError:
        return []
    return [PartnerIn(id=f"CORPUS-{n}", customer_id="C1", isa_qualifier=qualifier,
                      isa_id=sender) for n, (qualifier, sender) in enumerate(senders)]


def _edifact_partners(raw: bytes) -> list[PartnerIn]:
    try:
        senders = sorted({ix.sender_id for ix in edifact.parse_interchanges(raw)})
    except edifact.EdifactSyntaxError:
        return []
    return [PartnerIn(id=f"CORPUS-{n}", customer_id="C1", edifact_id=sender)
            for n, sender in enumerate(senders)]


def _refused(interchange: dict[str, Any]) -> bool:
    """Whether the acknowledgements reject the interchange or every set in it."""
    for text in acks(interchange, "TA1"):
        if any(s[4] == "R" for s in tagged(x12_segments(text), "TA1")):
            return True
    return any(s[1] == "R" for t in acks(interchange, "997")
               for s in tagged(x12_segments(t), "AK9"))


def _check_x12_answer(client: TestClient, token: str, answer: httpx.Response) -> None:
    if answer.status_code == 422:
        assert answer.json()["code"]
        return
    assert answer.status_code in (200, 201, 409), answer.text[:500]
    for interchange in answer.json()["interchanges"]:
        orders = [o for o in interchange["orders"] if o.get("order_id")]
        if interchange["duplicate"]:
            assert acks(interchange, "TA1")
        elif orders:
            assert acks(interchange, "997")
            assert len(acks(interchange, "855")) == len(interchange["orders"])
            for order in orders:
                stored = client.get(f"/api/v1/orders/{order['order_id']}", headers=auth(token))
                assert stored.status_code == 200
                assert stored.json()["customer_po"]
        else:
            assert _refused(interchange), interchange["acknowledgements"]


@pytest.mark.parametrize("path", _shared("x12", "*850*"))
def test_every_shared_x12_850_becomes_orders_or_is_refused_with_an_envelope_code(
    client: TestClient, container: Container, tokens: dict[str, str], path: Path
) -> None:
    seed_distributor(container)
    raw = path.read_bytes()
    edi.upsert_partners(container.deps, [p.to_domain() for p in _x12_partners(raw)])

    answer = post(client, tokens["integration"], X12_ROUTE, raw)

    _check_x12_answer(client, tokens["viewer"], answer)
    created = [o for i in answer.json().get("interchanges", []) for o in i["orders"]
               if o.get("status") in ("accepted", "held")]
    assert count(container, "orders") == len(created)


@pytest.mark.parametrize("path", _shared("edifact", "*.[eE][dD][iI]"))
def test_every_shared_edifact_file_is_answered_with_a_contrl_or_refused_with_a_code(
    client: TestClient, container: Container, tokens: dict[str, str], path: Path
) -> None:
    seed_distributor(container)
    raw = path.read_bytes()
    edi.upsert_partners(container.deps, [p.to_domain() for p in _edifact_partners(raw)])

    answer = post(client, tokens["integration"], EDIFACT_ROUTE, raw)

    if answer.status_code == 422:
        assert answer.json()["code"]
        return
    assert answer.status_code in (200, 201, 409), answer.text[:500]
    for interchange in answer.json()["interchanges"]:
        assert len(acks(interchange, "CONTRL")) == 1
    created = [o for i in answer.json()["interchanges"] for o in i["orders"]
               if o.get("status") in ("accepted", "held")]
    assert count(container, "orders") == len(created)


def test_a_corrected_resend_of_a_rejected_interchange_is_taken(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    broken = edited(NODE_850, ("IEA*1*000003438", "IEA*1*000003439"))
    refused = post(client, tokens["integration"], X12_ROUTE, broken)
    assert only(refused)["orders"] == []

    corrected = post(client, tokens["integration"], X12_ROUTE, NODE_850)

    assert corrected.status_code == 201
    assert [o["customer_po"] for o in listed(client, tokens["viewer"])] == [NODE_PO]


def test_an_inbound_997_is_not_acknowledged_with_another_997(
    client: TestClient, container: Container, tokens: dict[str, str]
) -> None:
    seed(container)
    edi.upsert_partners(container.deps, [PartnerIn(
        id="STAEDI", customer_id="C1", isa_qualifier="ZZ", isa_id="ReceiverID").to_domain()])
    ack = (EDI / "x12/staedi/simple997.edi").read_bytes()

    answer = post(client, tokens["integration"], X12_ROUTE, ack)

    assert answer.status_code == 200
    assert [a["type"] for a in only(answer)["acknowledgements"]] == []
    assert listed(client, tokens["viewer"]) == []
