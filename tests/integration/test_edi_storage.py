"""What an EDI body costs the store: each interchange its own bytes, once; bounded bodies.

On SQLite and PostgreSQL: a file of many interchanges stores about its own size and a resend
adds nothing; a body of too many interchanges is refused before anything is stored; when the
time for a request is spent or the client has gone, whole interchanges stay and the answer says
where to go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.channels.canonical import PartnerIn
from shipshape.adapters.channels.receive import BodyLimits, receive_file
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_queries import received_content
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.services import edi_intake as edi
from tests.builders import auth, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

X12_ROUTE, EDIFACT_ROUTE = "/api/v1/edi/x12", "/api/v1/edi/edifact"
PARTNERS = [
    PartnerIn(id="ACME-STORES", customer_id="C1", isa_qualifier="ZZ", isa_id="ACMESTORES",
              item_xref={"VN:GLV-1": "SKU1"}),
    PartnerIn(id="ACME-EU", customer_id="C1", edifact_id="4012345000009",
              item_xref={"VN:GLV-1": "SKU1"}),
]


def x12_interchange(n: int) -> str:
    """One 850 for one glove under ISA13 n, as ACME-STORES sends them, one segment a line."""
    return "\n".join([
        "ISA*00*          *00*          *ZZ*ACMESTORES     *ZZ*SHIPSHAPE      *261105*0900*U*"
        f"00401*{n:09d}*0*P*>~",
        f"GS*PO*ACMESTORES*SHIPSHAPE*20261105*0900*{n}*X*004010~", "ST*850*0001~",
        f"BEG*00*SA*PO-{n}**20261105~", "DTM*010*20261201~", "N1*ST*ACME STORE 12~",
        "PO1*1*1*EA*10.00**VN*GLV-1~", "CTT*1~", "SE*7*0001~", f"GE*1*{n}~",
        f"IEA*1*{n:09d}~"]) + "\n"


def x12_file(first: int, count: int) -> str:
    return "".join(x12_interchange(n) for n in range(first, first + count))


def edifact_file(*references: str) -> str:
    """One UNA, then an interchange per reference with one ORDERS for one glove."""
    interchanges = [
        f"UNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+{ref}++ORDERS'\n"
        f"UNH+1+ORDERS:D:96A:UN:EAN008'\nBGM+220+PO-{ref}+9'\nDTM+2:20261201:102'\n"
        "NAD+DP+4012345000115::9++Lager Nord+Industriestrasse 12+Hamburg++20095+DE'\n"
        "LIN+1++GLV-1:SA'\nQTY+21:1'\nPRI+AAA:10'\nUNS+S'\nUNT+9+1'\n"
        f"UNZ+1+{ref}'\n" for ref in references]
    return "UNA:+.? '\n" + "".join(interchanges)


@pytest.fixture
def store(database_url: str) -> Iterator[Callable[..., Container]]:
    """A seeded container on this backend, built with the EDI settings a test names."""
    built: list[Container] = []

    def make(**settings: Any) -> Container:
        container = build(Settings(database_url=database_url, env="test", **settings),
                          migrate=not built)
        if not built:
            seed_distributor(container, stock={("DAL", "SKU1"): 1000})
            edi.upsert_partners(container.deps, [p.to_domain() for p in PARTNERS])
        built.append(container)
        return container
    yield make
    for container in built:
        container.close()


def token(container: Container) -> str:
    from datetime import UTC, datetime
    return container.tokens.create("edi-test", "integration", datetime.now(UTC))


def post(container: Container, route: str, body: str) -> httpx.Response:
    with TestClient(create_app(container)) as client:
        return client.post(route, content=body.encode(),
                           headers={**auth(token(container)), "Content-Type": "text/plain"})


def stored_in(container: Container) -> int:
    """Characters of received EDI kept in the store (Latin-1: one per byte received)."""
    d = t.edi_documents.c
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(func.length(d.content)), 0))
                                .where(d.direction == "in")).scalar_one())


def count(container: Container, table: str) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(
            t.metadata.tables[table])).scalar_one())


def footprint(container: Container) -> dict[str, int]:
    return {name: count(container, name) for name in (
        "orders", "reservations", "exception_cases", "edi_interchanges", "edi_documents")}


def interchange_ids(container: Container) -> list[int]:
    i = t.edi_interchanges.c
    with container.engine.connect() as conn:
        return list(conn.execute(select(i.id).order_by(i.id)).scalars())


# ------------------------------------------------------------------- storage


def test_a_file_of_many_interchanges_stores_each_one_once_about_the_file_size(
    store: Callable[..., Container]
) -> None:
    container = store()
    body = x12_file(1, 30)

    answer = post(container, X12_ROUTE, body)

    assert answer.status_code == 201
    assert count(container, "orders") == 30
    stored = stored_in(container)
    assert len(body) - 30 <= stored <= len(body)  # all but the line break after each IEA
    for n, interchange_id in enumerate(interchange_ids(container), start=1):
        assert received_content(container.engine, interchange_id) == x12_interchange(n).strip()


def test_a_resent_file_is_refused_and_adds_no_stored_bytes(
    store: Callable[..., Container]
) -> None:
    container = store()
    body = x12_file(1, 30)
    post(container, X12_ROUTE, body)
    stored = stored_in(container)

    again = post(container, X12_ROUTE, body)

    assert again.status_code == 409
    assert stored_in(container) == stored
    assert count(container, "edi_interchanges") == 60
    assert count(container, "orders") == 30
    resent = interchange_ids(container)[30:]
    assert [received_content(container.engine, i) for i in resent] == [
        x12_interchange(n).strip() for n in range(1, 31)]


def test_a_resend_laid_out_anew_is_refused_and_keeps_its_own_bytes_once(
    store: Callable[..., Container]
) -> None:
    container = store()
    post(container, X12_ROUTE, x12_interchange(1))
    stored = stored_in(container)
    relaid = x12_interchange(1).replace("\n", "\r\n")

    assert post(container, X12_ROUTE, relaid).status_code == 409
    assert post(container, X12_ROUTE, relaid).status_code == 409

    assert stored_in(container) == stored + len(relaid.strip())
    assert count(container, "orders") == 1


def test_edifact_interchanges_each_keep_their_own_bytes_after_the_una(
    store: Callable[..., Container]
) -> None:
    container = store()
    body = edifact_file("ICR1", "ICR2", "ICR3")

    answer = post(container, EDIFACT_ROUTE, body)

    assert answer.status_code == 201
    kept = [received_content(container.engine, i) or "" for i in interchange_ids(container)]
    assert [k.startswith("UNA:+.? '") and k.endswith(f"UNZ+1+{ref}'")
            for k, ref in zip(kept, ("ICR1", "ICR2", "ICR3"), strict=True)] == [True] * 3
    assert all(k.count("UNB+") == 1 for k in kept)
    assert stored_in(container) <= len(body) + 2 * len("UNA:+.? '")
    assert post(container, EDIFACT_ROUTE, body).status_code == 409
    assert stored_in(container) == sum(len(k) for k in kept)


# -------------------------------------------------------------------- bounds


def test_a_body_of_more_interchanges_than_allowed_is_refused_before_anything_is_stored(
    store: Callable[..., Container]
) -> None:
    container = store(edi_max_interchanges=3)
    before = footprint(container)

    answer = post(container, X12_ROUTE, x12_file(1, 4))

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "TOO_MANY_INTERCHANGES"
    assert "more than 3 interchanges" in problem["detail"]
    assert "SHIPSHAPE_EDI_MAX_INTERCHANGES" in problem["detail"]
    assert "at most 3" in problem["detail"]
    assert footprint(container) == before
    assert post(container, X12_ROUTE, x12_file(1, 3)).status_code == 201


def test_a_spent_time_budget_answers_what_was_taken_and_where_to_go_on(
    store: Callable[..., Container]
) -> None:
    container = store(edi_time_budget_s=1e-6)  # spent by the first interchange, always taken

    answer = post(container, X12_ROUTE, x12_file(1, 3))

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert (problem["taken"], problem["total"], problem["resume_from"]) == (1, 3, "000000002")
    assert "SHIPSHAPE_EDI_TIME_BUDGET_S" in problem["detail"]
    assert [len(i["orders"]) for i in problem["interchanges"]] == [1]
    assert (count(container, "orders"), count(container, "edi_interchanges")) == (1, 1)

    rest = post(container, X12_ROUTE, x12_file(2, 2))
    assert (rest.status_code, rest.json()["resume_from"]) == (503, "000000003")
    assert post(container, X12_ROUTE, x12_file(3, 1)).status_code == 201
    assert count(container, "orders") == 3
    assert stored_in(container) == len(x12_file(1, 3)) - 3


def test_work_stops_between_interchanges_once_the_sender_has_gone(
    store: Callable[..., Container]
) -> None:
    container = store()
    gone = BodyLimits(gone=lambda: count(container, "edi_interchanges") >= 2)

    outcome = receive_file(container.deps, x12_file(1, 4).encode(), "x12",
                           container.edi_identity, limits=gone)

    assert outcome.stopped is not None
    assert (outcome.stopped.taken, outcome.stopped.total, outcome.stopped.resume_from) == (
        2, 4, "000000003")
    assert "stopped waiting" in outcome.stopped.reason
    assert [len(i.results) for i in outcome.interchanges] == [1, 1]
    assert (count(container, "orders"), count(container, "edi_interchanges")) == (2, 2)
    assert stored_in(container) == len(x12_file(1, 2)) - 2


def test_a_client_gone_before_the_work_starts_leaves_nothing_stored(
    store: Callable[..., Container]
) -> None:
    container = store()
    before = footprint(container)
    headers = [(b"authorization", f"Bearer {token(container)}".encode()),
               (b"content-type", b"text/plain")]
    messages = iter([{"type": "http.request", "body": x12_file(1, 3).encode(),
                      "more_body": False}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": X12_ROUTE, "raw_path": b"",
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(create_app(container)(scope, receive, send))

    assert sent[0]["status"] == 503
    assert footprint(container) == before
