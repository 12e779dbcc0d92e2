"""One poison order costs only itself, on SQLite and PostgreSQL: through `ingest` (JSON lines,
CSV), X12 and EDIFACT (over HTTP and from files), `watch`, and a later pick confirmation. The
poison is the requested ship date 9999-12-31 for a customer with a shelf-life rule (its date
arithmetic overflowed), text the store cannot keep, and an error no one foresaw."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.errors import StoreUnavailable
from shipshape.adapters.systems.signing import new_secret, sign_headers
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.cli import watch_cmd
from shipshape.cli.intake_cmd import ingest_edi, ingest_file
from shipshape.cli.watch_cmd import Stop, Watcher
from shipshape.config import ConnectorSettings, Settings
from shipshape.domain.orders import OrderStatus
from shipshape.domain.partners import TradingPartner
from shipshape.services import edi_intake as edi
from shipshape.services import intake
from tests.builders import auth, order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

POISON = "9999-12-31"
WMS_SECRET = new_secret()
X12_BUYER = TradingPartner(id="BUYER", customer_id="C1", isa_qualifier="ZZ", isa_id="BUYER")
EDIFACT_BUYER = TradingPartner(id="EU-BUYER", customer_id="C1", edifact_id="4012345000009")
CSV_HEAD = ("channel,external_id,customer_id,customer_po,requested_ship_date,ship_to_name,"
            "ship_to_line1,ship_to_city,ship_to_region,ship_to_postal_code,ship_to_country,"
            "line_no,sku,quantity,unit_price\n")


@pytest.fixture
def store(database_url: str) -> Iterator[Container]:
    """C1 keeps 30 days of shelf life; two partners send it EDI; the WMS can sign events."""
    container = build(Settings(database_url=database_url, env="test",
                               connectors={"wms": ConnectorSettings(secret=WMS_SECRET)}),
                      migrate=True)
    seed_distributor(container, min_remaining_shelf_life_days=30)
    edi.upsert_partners(container.deps, [X12_BUYER, EDIFACT_BUYER])
    yield container
    container.close()


def orders(store: Container, key: str = "external_id") -> dict[str, str]:
    """external_id (or `key`) -> status of every stored order."""
    with store.engine.connect() as conn:
        return dict(conn.execute(select(t.orders.c[key], t.orders.c.status)).all())


def held_for_the_date(store: Container, po: str) -> bool:
    with store.engine.connect() as conn:
        codes = conn.execute(select(t.order_findings.c.code).join(
            t.orders, t.orders.c.id == t.order_findings.c.order_id).where(
            t.orders.c.customer_po == po)).scalars().all()
    return "SHIP_DATE_UNSUPPORTED" in codes


def rows(path: Path, *bodies: dict[str, Any] | str) -> Path:
    path.write_text("".join((b if isinstance(b, str) else json.dumps(b)) + "\n" for b in bodies),
                    encoding="utf-8")
    return path


def web(external_id: str, **overrides: Any) -> dict[str, Any]:
    return order(external_id=external_id, customer_po=f"PO-{external_id}", **overrides)


def rejects(file: Path) -> list[dict[str, Any]]:
    """The rejects file beside `file`: JSON lines, or for a CSV its rows with an `error`."""
    if file.suffix == ".csv":
        found = file.with_name(file.name + ".rejected.csv")
        return list(csv.DictReader(found.open(encoding="utf-8"))) if found.exists() else []
    found = file.with_name(file.name + ".rejected.jsonl")
    return [json.loads(line) for line in found.read_text().splitlines()] if found.exists() else []


# --------------------------------------------------------------------------------- ingest


def test_ingest_stores_the_good_orders_of_a_batch_and_reports_each_poison_row(
    store: Container, tmp_path: Path
) -> None:
    file = rows(tmp_path / "day.jsonl", web("W-1"), web("W-2", requested_ship_date=POISON),
                web("W-3"), web("W\x004"), web("W-5", ship_to={"name": "N" * 900_000}),
                web("W-6", lines=[{"line_no": 1, "sku": "SKU1", "quantity": 2**63}]),
                "{not json", web("W-7"))
    (tmp_path / "day.jsonl").open("ab").write(b'{"external_id": "caf\xe9"}\n')

    tally = ingest_file(store, file, batch=200)

    assert orders(store) == {"W-1": "accepted", "W-3": "accepted", "W-7": "accepted"}
    assert tally == Counter({"accepted": 3, "rejected": 6})
    reasons = {reject["row"]: reject["error"] for reject in rejects(file)}
    assert sorted(reasons) == [2, 4, 5, 6, 7, 9]
    assert reasons[2].startswith("requested_ship_date:") and "2199-12-31" in reasons[2]
    assert reasons[4].startswith("external_id:")
    assert reasons[5].startswith("ship_to.name:")
    assert reasons[6].startswith("lines.0.quantity:")
    assert reasons[7].startswith("not JSON")
    assert reasons[9].startswith("not UTF-8")


def test_ingest_of_a_csv_file_keeps_its_good_orders_beside_a_poison_date(
    store: Container, tmp_path: Path
) -> None:
    ship_to = "Acme Dallas,1 Main St,Dallas,TX,75201,US"
    file = tmp_path / "field.csv"
    file.write_text(CSV_HEAD
                    + f"web,C-1,C1,PO-C1,2026-12-01,{ship_to},1,SKU1,2,10.00\n"
                    + f"web,C-2,C1,PO-C2,{POISON},{ship_to},1,SKU1,2,10.00\n"
                    + f"web,C-3,C1,PO-C3,2026-12-02,{ship_to},1,SKU2,1,5.00\n", encoding="utf-8")

    assert ingest_file(store, file, batch=200) == Counter({"accepted": 2, "rejected": 1})
    assert orders(store) == {"C-1": "accepted", "C-3": "accepted"}
    [reject] = rejects(file)
    assert reject["external_id"] == "C-2" and reject["error"].startswith("requested_ship_date:")


def test_an_order_failing_for_a_reason_no_one_foresaw_is_refused_alone(
    store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    decide = intake.decide

    def fragile(deps: Any, uow: Any, draft: Any, now: datetime) -> Any:
        if draft.external_id == "W-2":
            raise OverflowError("date value out of range")
        return decide(deps, uow, draft, now)

    monkeypatch.setattr(intake, "decide", fragile)
    file = rows(tmp_path / "day.jsonl", web("W-1"), web("W-2"), web("W-3"))

    assert ingest_file(store, file, batch=200) == Counter({"accepted": 2, "rejected": 1})
    assert orders(store) == {"W-1": "accepted", "W-3": "accepted"}
    [reject] = rejects(file)
    assert reject["row"] == 2 and reject["record"]["external_id"] == "W-2"
    assert reject["error"] == "the order could not be taken (OverflowError); it was logged"
    [logged] = [r.getMessage() for r in caplog.records if "W-2" in r.getMessage()]
    assert "OverflowError: date value out of range" in logged and "\n" not in logged


# ------------------------------------------------------------------------------------ EDI


def x12(control: str, *orders_: tuple[str, str, str]) -> str:
    """An interchange from BUYER with one 850 per (PO, ship date, ship-to name)."""
    isa = ("ISA*00*          *00*          *ZZ*BUYER          *ZZ*SHIPSHAPE      *260301*0930"
           f"*U*00401*{control}*0*P*>")
    sets = []
    for n, (po, ship, name) in enumerate(orders_, 1):
        body = [f"BEG*00*SA*{po}**20260301", f"DTM*002*{ship}", f"N1*ST*{name}",
                "N3*1 Main St", "N4*Dallas*TX*75201*US", "PO1*1*2*EA*10.00**VN*SKU1"]
        sets += [f"ST*850*{n:04d}", *body, f"SE*{len(body) + 2}*{n:04d}"]
    return "~".join([isa, "GS*PO*BUYER*SHIPSHAPE*20260301*0930*55*X*004010", *sets,
                     f"GE*{len(orders_)}*55", f"IEA*1*{control}"]) + "~\n"


def edifact(*orders_: tuple[str, str]) -> str:
    """An interchange from EU-BUYER with one ORDERS per (PO, ship date CCYYMMDD)."""
    messages = []
    for n, (po, ship) in enumerate(orders_, 1):
        body = [f"UNH+M{n}+ORDERS:D:96A:UN:EAN008", f"BGM+220+{po}+9", f"DTM+2:{ship}:102",
                "NAD+ST+++Acme Dallas+1 Main St+Dallas+TX+75201+US", "LIN+1++SKU1:SA",
                "QTY+21:2", "PRI+AAA:10.00"]
        messages += [*body, f"UNT+{len(body) + 1}+M{n}"]
    return "'".join(["UNA:+.? ", "UNB+UNOC:3+4012345000009:14+SHIPSHAPE:ZZ+261120:0930+ICR9",
                     *messages, f"UNZ+{len(orders_)}+ICR9"]) + "'"


def test_an_x12_file_with_a_poison_order_is_acknowledged_and_keeps_every_other_order(
    store: Container
) -> None:
    raw = x12("000000901", ("PO-1", "20270301", "Acme"), ("PO-2", "99991231", "Acme"),
              ("PO-3", "20270302", "A" * 300), ("PO-4", "20270303", "Acme"))
    token = store.tokens.create("edi", "integration", datetime.now(UTC))
    with TestClient(create_app(store)) as client:
        answer = client.post("/api/v1/edi/x12", content=raw.encode(), headers=auth(token))

    assert answer.status_code == 201, answer.text
    [interchange] = answer.json()["interchanges"]
    statuses = [o["status"] for o in interchange["orders"]]
    assert statuses == ["accepted", "held", "rejected", "accepted"]
    assert interchange["orders"][2]["detail"].startswith("ship_to.name:")
    kinds = [a["type"] for a in interchange["acknowledgements"]]
    assert kinds.count("997") == 1 and kinds.count("855") == 4
    assert orders(store, "customer_po") == {"PO-1": "accepted", "PO-2": "held",
                                            "PO-4": "accepted"}
    assert held_for_the_date(store, "PO-2")


def test_an_edifact_file_with_a_poison_date_is_taken_by_ingest_with_its_acknowledgements(
    store: Container, tmp_path: Path
) -> None:
    file = tmp_path / "orders.edi"
    file.write_text(edifact(("PO-E1", "20270301"), ("PO-E2", "99991231")), encoding="utf-8")

    tally = ingest_edi(store, file)

    assert tally == Counter({"accepted": 1, "held": 1, "duplicate interchange": 0})
    assert orders(store, "customer_po") == {"PO-E1": "accepted", "PO-E2": "held"}
    assert held_for_the_date(store, "PO-E2")
    written = {p.name.split(".")[2]: p.read_text() for p in tmp_path.glob("orders.edi.*")}
    assert sorted(written) == ["APERAK", "CONTRL"], "an APERAK for the order not accepted"
    assert "SHIP_DATE_UNSUPPORTED" in written["APERAK"]


# ---------------------------------------------------------------------------------- watch


class Looks(Stop):
    """Stops a watcher after `looks` looks, without waiting between them."""

    def __init__(self, looks: int) -> None:
        super().__init__()
        self.left = looks

    def wait(self, seconds: float) -> bool:
        self.left -= 1
        self.requested = self.left <= 0
        return self.requested


def watched(store: Container, inbox: Path, looks: int = 1) -> Counter[str]:
    return Watcher(store, inbox, 0.0, Looks(looks)).run(once=looks == 1)


def test_watch_processes_a_file_with_a_poison_row_and_fails_a_file_of_poison_only(
    store: Container, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows(inbox / "mixed.jsonl", web("W-1"), web("W-2", requested_ship_date=POISON))
    rows(inbox / "poison.jsonl", web("W-3", requested_ship_date=POISON))
    (inbox / "po.x12").write_text(x12("000000902", ("PO-9", "99991231", "Acme")))
    (inbox / "binary.jsonl").write_bytes(bytes(range(256)) * 4)

    tally = watched(store, inbox)

    assert tally == Counter({"processed": 2, "failed": 2, "kept": 0, "rejected": 2})
    assert {p.name for p in (inbox / "processed").iterdir()} >= {
        "mixed.jsonl", "mixed.jsonl.rejected.jsonl", "po.x12"}
    failed = inbox / "failed"
    assert "2199-12-31" in (failed / "poison.jsonl.error.txt").read_text()
    assert "is not UTF-8 text" in (failed / "binary.jsonl.error.txt").read_text()
    assert orders(store, "customer_po") == {"PO-W-1": "accepted", "PO-9": "held"}


def test_watch_retries_a_file_while_the_store_cannot_take_writes_and_not_after(
    store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows(inbox / "day.jsonl", web("W-1"))
    real, calls = watch_cmd.ingest_file, []

    def unwritable_once(*args: Any) -> Counter[str]:
        calls.append(args)
        if len(calls) == 1:
            raise StoreUnavailable("the database or its disk is full", "database or disk is full")
        return real(*args)

    monkeypatch.setattr(watch_cmd, "ingest_file", unwritable_once)
    tally = watched(store, inbox, looks=2)

    assert len(calls) == 2
    assert tally == Counter({"processed": 1, "kept": 0})
    assert orders(store) == {"W-1": "accepted"}


def test_watch_moves_a_file_failing_for_an_unforeseen_reason_to_failed_at_once(
    store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows(inbox / "day.jsonl", web("W-1"))

    def broken(*_: Any) -> Counter[str]:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(watch_cmd, "ingest_file", broken)
    tally = watched(store, inbox, looks=3)

    assert tally == Counter({"failed": 1, "kept": 0})
    reason = (inbox / "failed" / "day.jsonl.error.txt").read_text()
    assert "OverflowError: date value out of range" in reason


# ----------------------------------------------------------------------- pick confirmation


def test_a_pick_for_an_order_due_at_the_end_of_time_is_applied_not_failed_forever(
    store: Container
) -> None:
    """An order stored before the edge refused the date (set here in the store directly)."""
    token = store.tokens.create("ops", "admin", datetime.now(UTC))
    with TestClient(create_app(store)) as client:
        placed = client.post("/api/v1/orders", json=web("W-1"), headers=auth(token)).json()
        with store.engine.begin() as conn:
            conn.execute(update(t.orders).where(t.orders.c.id == placed["order_id"]).values(
                requested_ship_date=datetime(9999, 12, 31).date(),
                status=OrderStatus.RELEASED.value))
        at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        raw = json.dumps({"type": "pick_confirmed", "occurred_at": at, "data": {
            "order_id": placed["order_id"], "site": "DAL", "lines": [
                {"line_no": 1, "quantity": 2, "lot": "L-1", "expiry": "2027-06-01"}]}}).encode()
        headers = sign_headers(WMS_SECRET, "wms-1", raw, datetime.now(UTC))
        answer = client.post("/api/v1/events/wms", content=raw,
                             headers={**headers, "content-type": "application/json"})
        assert (answer.status_code, answer.json()["outcome"]) == (200, "applied"), answer.text
        cases = client.get("/api/v1/exceptions", params={"order_id": placed["order_id"]},
                           headers=auth(token)).json()["exceptions"]
    assert "LOT_NONCOMPLIANT" in {case["code"] for case in cases}


# ------------------------------------------------------------------ property: any poison row


POISONS = [
    {"requested_ship_date": POISON}, {"requested_ship_date": "0001-01-01"},
    {"external_id": "E\x00"}, {"customer_po": "P" * 101}, {"ship_to": {"name": "N" * 900}},
    {"lines": [{"line_no": 1, "sku": "SKU1", "quantity": 2, "unit_price": "NaN"}]},
    {"lines": [{"line_no": 1, "sku": "SKU1", "quantity": 10_000_000,
                "unit_price": "999999999999"}]},
    {"lines": [{"line_no": 2**40, "sku": "SKU1", "quantity": 1}]},
    {"ship_to": {"name": "\ud800"}}, {"idempotency_key": "k" * 201}, {"idempotency_key": 7}]
CSV_POISONS = POISONS[:-3]
"""A CSV file has no idempotency keys, and a lone surrogate cannot be written as UTF-8."""
CSV_FIELDS = ("channel", "external_id", "customer_id", "customer_po", "requested_ship_date")
SHIP_TO_FIELDS = ("name", "line1", "city", "region", "postal_code", "country")
LINE_FIELDS = ("line_no", "sku", "quantity", "unit_price")


def as_csv(bodies: list[dict[str, Any]]) -> str:
    """One row per order (each has one line), as `shipshape ingest` reads CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_FIELDS, *(f"ship_to_{f}" for f in SHIP_TO_FIELDS), *LINE_FIELDS])
    for body in bodies:
        line = body["lines"][0]
        writer.writerow([body.get(f) for f in CSV_FIELDS]
                        + [body["ship_to"].get(f) for f in SHIP_TO_FIELDS]
                        + [line.get(f) for f in LINE_FIELDS])
    return out.getvalue()


@settings(max_examples=30, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), fmt=st.sampled_from(["jsonl", "csv"]),
       via=st.sampled_from(["ingest", "watch"]), where=st.integers(min_value=0, max_value=3))
def test_any_poison_row_anywhere_in_a_batch_costs_only_itself(
    store: Container, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, fmt: str,
    via: str, where: int
) -> None:
    poison = data.draw(st.sampled_from(POISONS if fmt == "jsonl" else CSV_POISONS))
    folder = tmp_path_factory.mktemp("batch")
    run = len(orders(store))
    good = [web(f"G-{run}-{n}") for n in range(3)]
    bad = {**web(f"B-{run}"), **poison}
    if "ship_to" in poison:
        bad["ship_to"] = {**web("x")["ship_to"], **poison["ship_to"]}
    batch = [*good[:where], bad, *good[where:]]
    file = folder / f"batch.{fmt}"
    file.write_text(as_csv(batch) if fmt == "csv"
                    else "".join(json.dumps(o) + "\n" for o in batch), encoding="utf-8")

    if via == "ingest":
        tally = ingest_file(store, file, batch=2)
        assert tally["accepted"] + tally["held"] == 3 and tally["rejected"] == 1, tally
    else:
        assert watched(store, folder) == Counter({"processed": 1, "kept": 0, "rejected": 1})
        file = folder / "processed" / file.name

    assert {o["external_id"] for o in good} <= set(orders(store))
    [reject] = rejects(file)
    assert reject["row" if fmt == "jsonl" else "external_id"] == (
        where + 1 if fmt == "jsonl" else bad["external_id"])
