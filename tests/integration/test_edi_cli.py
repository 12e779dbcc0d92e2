"""The EDI commands: `shipshape partners load` and `shipshape ingest` of X12 and EDIFACT files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shipshape.adapters.channels.canonical import ItemIn, PriceIn, StockMovementIn
from shipshape.bootstrap import Container
from shipshape.cli import exit_codes
from shipshape.services import masterdata as md
from tests.builders import seed_distributor
from tests.cli_support import copied, failing, opened, rows, shipshape, summary

EDI = Path(__file__).parents[1] / "fixtures" / "edi"
PARTNERS = EDI / "partners"
X12_850 = EDI / "x12/node-x12/850.edi"
"""From XYZ-RETAIL (12:4405197800), ISA13 000003438, PO 08292233294, six lines."""
EDIFACT_ORDERS = EDI / "edifact/shipshape/orders_two_messages.edi"
"""From HOFFMANN (4012345000009), ICR0042: PO-7781 (mapped gloves) and PO-7782 (unknown GTIN)."""
OUR_ITEMS = {  # SKUs the partner cross-references map to, with the prices the orders carry
    "W-SMALL": "9.25", "W-MEDIUM": "13.79", "W-LARGE": "10.99", "W-NANO": "4.35",
    "W-BLUE": "7.5", "W-ORANGE": "9.55", "GLOVE-100": "12.50", "GLOVE-200": "12.50",
}


@pytest.fixture
def store(url: str) -> Iterator[Container]:
    """The database the commands write to, migrated, with C1 and the items the partners map to."""
    with opened(url) as container:
        stocked(container)
        yield container


def stocked(container: Container) -> None:
    """C1, and the items the partners map to, priced and in stock at DAL."""
    seed_distributor(container)
    md.upsert(container.deps, [
        *(ItemIn(description=f"item {sku}", weight_kg="0.1").to_domain(sku) for sku in OUR_ITEMS),
        *(PriceIn(unit_price=price).to_domain("C1", sku) for sku, price in OUR_ITEMS.items()),
    ])
    md.receive(container.deps, [StockMovementIn(site_id="DAL", sku=sku, quantity=5000).to_domain()
                                for sku in OUR_ITEMS])


def acks_beside(file: Path) -> dict[str, str]:
    """The acknowledgement files written next to `file`, by name, read as Latin-1."""
    return {p.name: p.read_text(encoding="latin-1")
            for p in sorted(file.parent.glob(f"{file.name}.*.txt"))}


def segments(x12: str) -> list[list[str]]:
    return [s.strip().split(x12[3]) for s in x12.split(x12[105]) if s.strip()]


# ----------------------------------------------------------------------------- partners


def test_partners_load_from_yaml_stores_the_profiles_and_is_idempotent(
    url: str, store: Container
) -> None:
    first = shipshape(url, "partners", "load", str(PARTNERS / "partners.yaml"))
    loaded = rows(store, "trading_partners")
    again = shipshape(url, "partners", "load", str(PARTNERS / "partners.yaml"))

    assert "loaded 2 trading partner profiles" in first.output
    assert "loaded 2 trading partner profiles" in again.output
    assert rows(store, "trading_partners") == loaded
    xyz, hoffmann = sorted(loaded, key=lambda r: r["id"], reverse=True)
    assert (xyz["id"], xyz["customer_id"], xyz["isa_qualifier"], xyz["isa_id"]) == (
        "XYZ-RETAIL", "C1", "12", "4405197800")
    assert xyz["profile"]["item_xref"]["VN:DX1875"] == "W-ORANGE"
    assert sorted(xyz["profile"]["acknowledgements"]) == ["855", "997", "TA1"]
    assert (hoffmann["id"], hoffmann["edifact_id"]) == ("HOFFMANN", "4012345000009")


def test_partners_load_from_a_json_list_gives_the_same_profiles_as_the_yaml(
    url: str, store: Container
) -> None:
    shipshape(url, "partners", "load", str(PARTNERS / "partners.yaml"))
    from_yaml = rows(store, "trading_partners")

    shipshape(url, "partners", "load", str(PARTNERS / "partners.json"))
    shipshape(url, "partners", "load", str(PARTNERS / "partners.json"))

    assert rows(store, "trading_partners") == from_yaml


def test_an_invalid_profile_fails_naming_the_partner_number_and_loads_nothing(
    url: str, store: Container, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "partners", "load",
                           str(PARTNERS / "invalid_second.yaml"))

    assert code == 2
    assert "partner 2" in output
    assert "isa_qualifier" in output and "item_xref" in output
    assert rows(store, "trading_partners") == []


def test_an_unreadable_profile_file_fails_naming_the_file_and_loads_nothing(
    url: str, store: Container, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = failing(monkeypatch, capsys, url, "partners", "load",
                           str(PARTNERS / "unreadable.yaml"))

    assert code == 2
    assert "unreadable.yaml cannot be read" in output
    assert rows(store, "trading_partners") == []


# ------------------------------------------------------------------------------- ingest


@pytest.mark.parametrize("name", ["po.x12", "po.edi", "po.850"])
def test_ingest_of_an_x12_file_prints_the_summary_and_writes_the_acks_beside_it(
    url: str, store: Container, tmp_path: Path, name: str
) -> None:
    shipshape(url, "partners", "load", str(PARTNERS / "partners.yaml"))
    file = copied(X12_850, tmp_path, name)

    result = shipshape(url, "ingest", str(file))

    assert summary(result.output) == {"accepted": 1, "held": 0, "duplicate": 0, "replayed": 0,
                                      "rejected": 0, "total": 1}
    written = acks_beside(file)
    assert sorted(written) == [f"{name}.855.1-2.txt", f"{name}.997.1-1.txt"]
    ack997 = segments(written[f"{name}.997.1-1.txt"])
    assert ["AK9", "A", "1", "1", "1"] in ack997
    assert ack997[0][8].strip() == "4405197800"
    bak = [s for s in segments(written[f"{name}.855.1-2.txt"]) if s[0] == "BAK"]
    assert bak[0][1:4] == ["00", "AD", "08292233294"]
    [order] = rows(store, "orders")
    assert (order["customer_po"], order["status"], order["channel"]) == (
        "08292233294", "accepted", "edi")
    assert len(rows(store, "reservations")) == 6


def test_ingest_of_an_edifact_file_prints_the_summary_and_writes_contrl_and_aperak(
    url: str, store: Container, tmp_path: Path
) -> None:
    shipshape(url, "partners", "load", str(PARTNERS / "partners.yaml"))
    file = copied(EDIFACT_ORDERS, tmp_path, "orders.edi")

    result = shipshape(url, "ingest", str(file))

    assert summary(result.output)["accepted"] == 1
    assert summary(result.output)["held"] == 1
    assert summary(result.output)["total"] == 2
    written = acks_beside(file)
    assert sorted(written) == ["orders.edi.APERAK.1-2.txt", "orders.edi.CONTRL.1-1.txt"]
    assert "UCI+ICR0042+4012345000009:14+SHIPSHAPE:ZZ+7'" in written["orders.edi.CONTRL.1-1.txt"]
    aperak = written["orders.edi.APERAK.1-2.txt"]
    assert "RFF+ON:PO-7782'" in aperak and "ERC+2'" in aperak and "UNKNOWN_ITEM" in aperak
    assert {(o["customer_po"], o["status"]) for o in rows(store, "orders")} == {
        ("PO-7781", "accepted"), ("PO-7782", "held")}


@pytest.mark.parametrize(("source", "name", "answer", "refusal"), [
    (X12_850, "again.x12", "TA1", "*R*025~"),
    (EDIFACT_ORDERS, "again.edi", "CONTRL", "+4+26+UNB'"),
], ids=["x12", "edifact"])
def test_ingesting_the_same_file_twice_reports_a_duplicate_interchange_and_creates_nothing(
    url: str, store: Container, tmp_path: Path, source: Path, name: str, answer: str,
    refusal: str
) -> None:
    shipshape(url, "partners", "load", str(PARTNERS / "partners.yaml"))
    file = copied(source, tmp_path, name)
    shipshape(url, "ingest", str(file))
    orders, reservations = rows(store, "orders"), rows(store, "reservations")
    cases = rows(store, "exception_cases")

    result = shipshape(url, "ingest", str(file), code=exit_codes.REJECTED)

    counts = summary(result.output)
    assert counts["duplicate interchanges refused"] == 1
    assert counts["accepted"] == counts["held"] == counts["duplicate"] == counts["total"] == 0
    assert rows(store, "orders") == orders
    assert rows(store, "reservations") == reservations
    assert rows(store, "exception_cases") == cases
    [refused] = [text for file_name, text in acks_beside(file).items()
                 if file_name.startswith(f"{name}.{answer}.2-")]
    assert refusal in refused


@pytest.mark.parametrize(("content", "message"), [
    (X12_850.read_bytes()[:500], "X12 023"),
    (X12_850.read_text().replace("4405197800     *01", "5550001111     *01").encode(),
     "12:5550001111"),
    (EDIFACT_ORDERS.read_bytes()[:300], "EDIFACT error 13"),
], ids=["truncated x12", "unknown x12 sender", "truncated edifact"])
def test_ingest_refuses_unreadable_files_and_unknown_senders_and_stores_nothing(
    url: str, store: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    shipshape(url, "partners", "load", str(PARTNERS / "partners.yaml"))
    file = tmp_path / "broken.edi"
    file.write_bytes(content)

    code, output = failing(monkeypatch, capsys, url, "ingest", str(file))

    assert code == 2
    assert message in output
    assert rows(store, "orders") == []
    assert rows(store, "edi_interchanges") == []
    assert rows(store, "edi_documents") == []
    assert acks_beside(file) == {}
