"""Hostile values inside EDI orders, on SQLite and PostgreSQL: whatever date, quantity, price or
name one order of an X12 or EDIFACT interchange carries, the partner is answered (never a 5xx),
and the other orders of the interchange are stored."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.api.app import create_app
from shipshape.bootstrap import Container
from shipshape.domain.partners import TradingPartner
from shipshape.services import edi_intake as edi
from tests.builders import auth, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

BOUNDED = settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
X12_BUYER = TradingPartner(id="BUYER", customer_id="C1", isa_qualifier="ZZ", isa_id="BUYER")
EDIFACT_BUYER = TradingPartner(id="EU-BUYER", customer_id="C1", edifact_id="4012345000009")
CONTROLS = itertools.count(100_000_000)

BOUNDARY_DATES = [date(1, 1, 1), date(1999, 12, 31), date(2000, 2, 29), date(2199, 12, 31),
                  date(2200, 1, 1), date(9999, 12, 31)]
ship_dates = st.one_of(st.sampled_from(BOUNDARY_DATES), st.dates()).map(
    lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}")
quantities = st.one_of(st.sampled_from([0, 1, 10_000_000, 10_000_001, 10**15]),
                       st.integers(min_value=0, max_value=10**15))
prices = st.one_of(st.sampled_from(["0", "99999999999999.99", "999999999999.999999",
                                    "0.0000001", "1000000000000"]),
                   st.decimals(min_value=0, max_value=10**15, places=4).map(lambda d: f"{d:f}"))


def names(separators: str) -> st.SearchStrategy[str]:
    """Text of any script and length, without the interchange's own separators."""
    return st.text(st.characters(blacklist_categories=("Cc", "Cs"),
                                 blacklist_characters=separators), min_size=1, max_size=300)


@pytest.fixture
def api(container: Container) -> Iterator[tuple[Container, TestClient, dict[str, str]]]:
    """C1 keeps 30 days of shelf life, with plenty of stock; two partners send it EDI."""
    seed_distributor(container, stock={("DAL", "SKU1"): 10**9},
                     min_remaining_shelf_life_days=30)
    edi.upsert_partners(container.deps, [X12_BUYER, EDIFACT_BUYER])
    token = container.tokens.create("edi", "integration", datetime.now(UTC))
    with TestClient(create_app(container)) as client:
        yield container, client, auth(token)


def stored_pos(container: Container) -> set[str]:
    with container.engine.connect() as conn:
        return set(conn.execute(select(t.orders.c.customer_po)).scalars())


def answered(answer: httpx.Response, container: Container, pos: list[str]) -> None:
    """Never a 5xx. An interchange taken answers the partner and keeps the good orders (the
    first and the last); one refused as a whole says why and keeps nothing."""
    assert answer.status_code < 500, answer.text[:300]
    event(f"HTTP {answer.status_code}")
    if answer.status_code == 422:
        assert answer.headers["content-type"] == "application/problem+json"
        assert not set(pos) & stored_pos(container)
        return
    assert answer.status_code in (200, 201), answer.text[:300]
    [interchange] = answer.json()["interchanges"]
    assert interchange["acknowledgements"], "the partner is answered"
    statuses = [o["status"] for o in interchange["orders"]]
    event(f"hostile order {statuses[1] if len(statuses) == 3 else 'refused by the ack'}")
    if len(statuses) == 3:  # the hostile set itself may be refused by the 997/CONTRL
        assert statuses[0] == statuses[2] == "accepted", statuses
        assert statuses[1] in ("accepted", "held", "rejected")
    assert {pos[0], pos[2]} <= stored_pos(container)


def x12(control: int, orders: list[dict[str, Any]]) -> str:
    isa = ("ISA*00*          *00*          *ZZ*BUYER          *ZZ*SHIPSHAPE      *260301*0930"
           f"*U*00401*{control:09d}*0*P*>")
    sets = []
    for n, o in enumerate(orders, 1):
        body = [f"BEG*00*SA*{o['po']}**20260301", f"DTM*002*{o['ship']}", f"N1*ST*{o['name']}",
                "N3*1 Main St", "N4*Dallas*TX*75201*US",
                f"PO1*1*{o['quantity']}*EA*{o['price']}**VN*SKU1"]
        sets += [f"ST*850*{n:04d}", *body, f"SE*{len(body) + 2}*{n:04d}"]
    return "~".join([isa, f"GS*PO*BUYER*SHIPSHAPE*20260301*0930*{control % 10**9}*X*004010",
                     *sets, f"GE*{len(orders)}*{control % 10**9}", f"IEA*1*{control:09d}"]) + "~"


def edifact(control: int, orders: list[dict[str, Any]]) -> str:
    messages = []
    for n, o in enumerate(orders, 1):
        body = [f"UNH+M{n}+ORDERS:D:96A:UN:EAN008", f"BGM+220+{o['po']}+9",
                f"DTM+2:{o['ship']}:102", f"NAD+ST+++{o['name']}+1 Main St+Dallas+TX+75201+US",
                "LIN+1++SKU1:SA", f"QTY+21:{o['quantity']}", f"PRI+AAA:{o['price']}"]
        messages += [*body, f"UNT+{len(body) + 1}+M{n}"]
    return "'".join(["UNA:+.? ", f"UNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+I{control}",
                     *messages, f"UNZ+{len(orders)}+I{control}"]) + "'"


def interchange_of(control: int, hostile: dict[str, Any]) -> list[dict[str, Any]]:
    good = {"ship": "20270301", "name": "Acme Dallas", "quantity": 2, "price": "10.00"}
    return [{**good, "po": f"P{control}A"}, {**good, **hostile, "po": f"P{control}B"},
            {**good, "po": f"P{control}C"}]


@BOUNDED
@given(ship=ship_dates, quantity=quantities, price=prices, name=names("*~>^"),
       which=st.sets(st.sampled_from(["ship", "quantity", "price", "name"]), min_size=1))
def test_any_hostile_x12_order_is_answered_and_its_neighbours_are_kept(
    api: tuple[Container, TestClient, dict[str, str]], ship: str, quantity: int, price: str,
    name: str, which: set[str]
) -> None:
    container, client, headers = api
    values = {"ship": ship, "quantity": quantity, "price": price, "name": name}
    orders = interchange_of(next(CONTROLS), {k: values[k] for k in which})
    raw = x12(int(orders[0]["po"][1:-1]), orders)
    answer = client.post("/api/v1/edi/x12", content=raw.encode(), headers=headers)
    answered(answer, container, [o["po"] for o in orders])


@BOUNDED
@given(ship=ship_dates, quantity=quantities, price=prices, name=names("+:'?"),
       which=st.sets(st.sampled_from(["ship", "quantity", "price", "name"]), min_size=1))
def test_any_hostile_edifact_order_is_answered_and_its_neighbours_are_kept(
    api: tuple[Container, TestClient, dict[str, str]], ship: str, quantity: int, price: str,
    name: str, which: set[str]
) -> None:
    container, client, headers = api
    values = {"ship": ship, "quantity": quantity, "price": price, "name": name}
    orders = interchange_of(next(CONTROLS), {k: values[k] for k in which})
    raw = edifact(int(orders[0]["po"][1:-1]), orders)
    answer = client.post("/api/v1/edi/edifact", content=raw.encode(), headers=headers)
    answered(answer, container, [o["po"] for o in orders])


def test_the_poison_date_in_x12_is_held_with_a_finding_and_acknowledged(
    api: tuple[Container, TestClient, dict[str, str]]
) -> None:
    container, client, headers = api
    orders = interchange_of(next(CONTROLS), {"ship": "99991231"})
    raw = x12(int(orders[0]["po"][1:-1]), orders)
    answer = client.post("/api/v1/edi/x12", content=raw.encode(), headers=headers)
    assert answer.status_code == 201, answer.text
    [interchange] = answer.json()["interchanges"]
    poisoned = interchange["orders"][1]
    assert poisoned["status"] == "held"
    [finding] = [f for f in poisoned["findings"] if f["code"] == "SHIP_DATE_UNSUPPORTED"]
    assert "9999-12-31" in finding["message"]
    assert stored_pos(container) == {o["po"] for o in orders}
