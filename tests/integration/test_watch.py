"""`shipshape watch DIR`: files dropped into a folder are taken once each, also across a crash."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shipshape.adapters.channels import watched_folder
from shipshape.adapters.channels.watched_folder import Claim
from shipshape.bootstrap import Container, build
from shipshape.cli import exit_codes
from shipshape.cli.watch_cmd import Stop, Watcher, stopping_on_signals
from shipshape.config import Settings
from shipshape.domain.partners import TradingPartner
from shipshape.services import edi_intake as edi
from tests.cli_support import opened, rows, shipshape

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cli"
BUYER = TradingPartner(id="buyer", customer_id="C1", isa_qualifier="ZZ", isa_id="BUYER")


@pytest.fixture
def store(url: str) -> Iterator[Container]:
    with opened(url) as container:
        shipshape(url, "load", str(FIXTURES / "masterdata.json"))
        edi.upsert_partners(container.deps, [BUYER])
        yield container


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def watch(url: str, inbox: Path, code: int = exit_codes.OK) -> str:
    """One `watch --once` run, ending with exit status `code` (REJECTED: a file failed or an
    order was rejected); its output on one line."""
    result = shipshape(url, "watch", str(inbox), "--once", "--interval", "0", code=code)
    return " ".join(result.output.split())


def external_ids(store: Container) -> list[str]:
    return sorted(o["external_id"] for o in rows(store, "orders"))


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def order(external_id: str, **overrides: Any) -> dict[str, Any]:
    return {"channel": "web", "external_id": external_id, "customer_id": "C1",
            "customer_po": f"PO-{external_id}", "requested_ship_date": "2027-03-01",
            "ship_to": {"name": "Acme Dallas", "line1": "1 Main St", "city": "Dallas",
                        "region": "TX", "postal_code": "75201", "country": "US"},
            "lines": [{"line_no": 1, "sku": "SKU1", "quantity": 1, "unit_price": "10.00"}],
            **overrides}


def drop(inbox: Path, name: str, content: str | list[dict[str, Any]]) -> Path:
    text = content if isinstance(content, str) else "".join(json.dumps(o) + "\n"
                                                            for o in content)
    path = inbox / name
    path.write_text(text, encoding="utf-8")
    return path


def x12_850(control: str = "000000777", po: str = "PO-77") -> str:
    """An interchange from BUYER with one 850 for two SKU1 to Dallas."""
    isa = ("ISA*00*          *00*          *ZZ*BUYER          *ZZ*SHIPSHAPE      *260301*0930"
           f"*U*00401*{control}*0*P*>")
    body = [f"BEG*00*SA*{po}**20260301", "DTM*002*20270301", "N1*ST*Acme Dallas",
            "N3*1 Main St", "N4*Dallas*TX*75201*US", "PO1*1*2*EA*10.00**VN*SKU1"]
    return "~".join([isa, "GS*PO*BUYER*SHIPSHAPE*20260301*0930*55*X*004010", "ST*850*0001",
                     *body, f"SE*{len(body) + 2}*0001", "GE*1*55", f"IEA*1*{control}"]) + "~\n"


def in_processing(inbox: Path) -> list[str]:
    """Every file left anywhere under processing/, locks aside."""
    return sorted(p.name for p in (inbox / "processing").rglob("*")
                  if p.is_file() and p.name != ".lock")


# --------------------------------------------------------------------------------- taking files


def test_dropped_files_end_in_processed_with_their_orders_stored(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, "web.jsonl", [order("W-10"), order("W-11")])
    shutil.copy(FIXTURES / "orders.csv", inbox / "orders.csv")

    output = watch(url, inbox)

    assert names(inbox) == {"processing", "processed", "failed"}
    assert names(inbox / "processed") == {"web.jsonl", "orders.csv"}
    assert names(inbox / "failed") == set()
    assert list((inbox / "processing").iterdir()) == []
    assert external_ids(store) == ["E-2", "W-1", "W-10", "W-11"]
    assert "processed web.jsonl -> web.jsonl: 2 accepted" in output
    assert "2 processed, 0 failed, 0 left in processing" in output


def test_rejected_rows_go_with_their_file_to_processed(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, "mixed.jsonl", [order("W-1"), order("F-2", channel="fax")])

    watch(url, inbox, exit_codes.REJECTED)

    assert names(inbox / "processed") == {"mixed.jsonl", "mixed.jsonl.rejected.jsonl"}
    [reject] = (inbox / "processed" / "mixed.jsonl.rejected.jsonl").read_text().splitlines()
    assert "channel" in json.loads(reject)["error"]
    assert external_ids(store) == ["W-1"]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("garbage.edi", "hello\n", "neither X12 (ISA) nor EDIFACT (UNA/UNB) at the start"),
    ("stranger.x12", x12_850().replace("BUYER   ", "STRANGER"), "no trading partner is "
                                                                 "configured for sender"),
    ("notes.txt", "call Dana about the gloves\n", ".txt is not an order file type; name it"),
    ("empty.jsonl", "", "the file holds no orders"),
    ("latin.jsonl", "caf\xe9", "not UTF-8 text"),
])
def test_a_file_that_cannot_be_taken_goes_to_failed_with_the_reason(
    url: str, store: Container, inbox: Path, name: str, content: str, reason: str
) -> None:
    (inbox / name).write_bytes(content.encode("latin-1"))

    output = watch(url, inbox, exit_codes.REJECTED)

    assert name in names(inbox / "failed")
    assert reason in (inbox / "failed" / f"{name}.error.txt").read_text()
    assert f"failed {name}" in output
    assert names(inbox / "processed") == set()
    assert rows(store, "orders") == []


def test_names_starting_with_a_dot_are_left_alone(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, ".upload.jsonl", [order("W-1")])

    watch(url, inbox)

    assert (inbox / ".upload.jsonl").exists()
    assert rows(store, "orders") == []


def test_a_name_taken_in_processed_gets_a_number_and_nothing_is_replaced(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, "day.jsonl", [order("W-1"), order("F-2", channel="fax")])
    watch(url, inbox, exit_codes.REJECTED)
    drop(inbox, "day.jsonl", [order("W-1"), order("F-2", channel="fax")])

    output = watch(url, inbox, exit_codes.REJECTED)

    assert names(inbox / "processed") == {"day.jsonl", "day.jsonl.rejected.jsonl",
                                          "day-1.jsonl", "day-1.jsonl.rejected.jsonl"}
    assert "processed day.jsonl -> day-1.jsonl: 1 replayed, 1 rejected" in output
    assert external_ids(store) == ["W-1"]


# -------------------------------------------------------------------------- crashes and restarts


def test_a_file_left_in_processing_is_taken_at_the_next_start(
    url: str, store: Container, inbox: Path
) -> None:
    (inbox / "processing").mkdir()
    drop(inbox / "processing", "claimed.jsonl", [order("W-1"), order("W-2")])

    watch(url, inbox)

    assert names(inbox / "processed") == {"claimed.jsonl"}
    assert in_processing(inbox) == []
    assert external_ids(store) == ["W-1", "W-2"]


def test_a_file_already_stored_before_the_crash_is_taken_once(
    url: str, store: Container, inbox: Path
) -> None:
    (inbox / "processing").mkdir()
    claimed = drop(inbox / "processing", "claimed.jsonl", [order("W-1"), order("W-2")])
    shipshape(url, "ingest", str(claimed))
    reserved = rows(store, "reservations")

    output = watch(url, inbox)

    assert "processed claimed.jsonl -> claimed.jsonl: 2 replayed" in output
    assert external_ids(store) == ["W-1", "W-2"]
    assert rows(store, "reservations") == reserved


def test_the_claims_of_a_watcher_that_died_are_adopted(
    url: str, store: Container, inbox: Path
) -> None:
    dead = inbox / "processing" / "host-4242-deadbeef"
    (dead / "3").mkdir(parents=True)
    (dead / ".lock").touch()
    drop(dead / "3", "day.jsonl", [order("W-1"), order("F-2", channel="fax")])
    (dead / "3" / "day.jsonl.rejected.jsonl").write_text('{"row": 2, "error": "old"}\n')

    watch(url, inbox, exit_codes.REJECTED)

    assert names(inbox / "processed") == {"day.jsonl", "day.jsonl.rejected.jsonl"}
    assert list((inbox / "processing").iterdir()) == []
    assert external_ids(store) == ["W-1"]


def test_the_claims_of_a_running_watcher_are_left_to_it(
    url: str, store: Container, inbox: Path
) -> None:
    alive = inbox / "processing" / "host-1-cafe"
    (alive / "1").mkdir(parents=True)
    drop(alive / "1", "busy.jsonl", [order("W-1")])
    with (alive / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)

        watch(url, inbox)

    assert in_processing(inbox) == ["busy.jsonl"]
    assert rows(store, "orders") == []


def test_an_unexpected_error_leaves_the_file_in_processing_for_the_next_start(
    url: str, store: Container, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(inbox, "day.jsonl", [order("W-1")])
    with monkeypatch.context() as patched:
        patched.setattr(watched_folder, "file_away", crash)
        output = watch(url, inbox)
    assert "kept day.jsonl: OSError('disk full')" in output
    assert in_processing(inbox) == ["day.jsonl"]

    watch(url, inbox)

    assert names(inbox / "processed") == {"day.jsonl"}
    assert in_processing(inbox) == []
    assert external_ids(store) == ["W-1"]


def crash(*_: object) -> Path:
    raise OSError("disk full")


# ----------------------------------------------------------------------------------------- EDI


def test_an_edi_file_is_taken_with_its_acknowledgements(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, "po-77.x12", x12_850())

    output = watch(url, inbox)

    processed = names(inbox / "processed")
    assert "po-77.x12" in processed
    assert {n.split(".")[2] for n in processed - {"po-77.x12"}} == {"997", "855"}
    assert "processed po-77.x12 -> po-77.x12: 1 accepted" in output
    [stored] = rows(store, "orders")
    assert (stored["channel"], stored["customer_po"]) == ("edi", "PO-77")


def test_an_edi_file_is_known_by_its_content_whatever_its_name(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, "PO-77.TXT", x12_850())

    watch(url, inbox)

    assert "PO-77.TXT" in names(inbox / "processed")
    assert len(rows(store, "orders")) == 1


def test_an_edi_file_sent_again_is_a_partner_error_and_goes_to_failed(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, "po-77.x12", x12_850())
    watch(url, inbox)
    drop(inbox, "po-77-again.x12", x12_850())

    output = watch(url, inbox, exit_codes.REJECTED)

    failed = names(inbox / "failed")
    assert {"po-77-again.x12", "po-77-again.x12.error.txt"} < failed
    assert any(".TA1." in n for n in failed)
    reason = (inbox / "failed" / "po-77-again.x12.error.txt").read_text()
    assert reason.startswith("duplicate interchange: buyer sent every interchange")
    assert "failed po-77-again.x12" in output
    assert len(rows(store, "orders")) == 1


def test_an_edi_file_taken_before_a_crash_ends_in_processed_when_taken_again(
    url: str, store: Container, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(inbox, "po-77.x12", x12_850())
    with monkeypatch.context() as patched:
        patched.setattr(watched_folder, "file_away", crash)
        watch(url, inbox)
    assert "po-77.x12" in in_processing(inbox)

    output = watch(url, inbox)

    assert "po-77.x12" in names(inbox / "processed")
    assert names(inbox / "failed") == set()
    assert "taken before a restart already; nothing new stored" in output
    assert len(rows(store, "orders")) == 1
    assert [i["status"] for i in rows(store, "edi_interchanges")] == ["accepted", "duplicate"]


def test_a_resent_edi_file_that_crashed_still_ends_in_failed(
    url: str, store: Container, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(inbox, "po-77.x12", x12_850())
    watch(url, inbox)
    drop(inbox, "po-77-again.x12", x12_850())
    with monkeypatch.context() as patched:
        patched.setattr(watched_folder, "file_away", crash)
        watch(url, inbox)

    watch(url, inbox, exit_codes.REJECTED)

    assert "po-77-again.x12" in names(inbox / "failed")
    assert len(rows(store, "orders")) == 1


def test_another_interchange_with_the_same_control_number_and_new_content_fails(
    url: str, store: Container, inbox: Path
) -> None:
    drop(inbox, "po-77.x12", x12_850())
    watch(url, inbox)
    (inbox / "processing").mkdir(exist_ok=True)
    drop(inbox / "processing", "po-78.x12", x12_850(po="PO-78"))

    watch(url, inbox, exit_codes.REJECTED)

    assert "po-78.x12" in names(inbox / "failed")
    assert [o["customer_po"] for o in rows(store, "orders")] == ["PO-77"]


# ------------------------------------------------------------------------ several watchers, stop


def test_two_watchers_at_once_never_take_the_same_file(
    url: str, store: Container, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(40):
        drop(inbox, f"order-{n:02}.jsonl", [order(f"W-{n}")])
    taken: list[str] = []
    take = Watcher._take

    def recording(self: Watcher, claim: Claim) -> None:
        taken.append(claim.file.name)
        take(self, claim)

    monkeypatch.setattr(Watcher, "_take", recording)
    start = threading.Barrier(2)

    def one_watcher() -> Counter[str]:
        container = build(Settings(database_url=url, env="test"))
        start.wait()
        try:
            return Watcher(container, inbox, interval=0).run(once=True)
        finally:
            container.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        tallies = list(pool.map(lambda _: one_watcher(), range(2)))

    assert sorted(taken) == sorted(set(taken)) == [f"order-{n:02}.jsonl" for n in range(40)]
    assert sum(t["processed"] for t in tallies) == 40
    assert names(inbox / "processed") == {f"order-{n:02}.jsonl" for n in range(40)}
    assert len(rows(store, "orders")) == 40
    assert in_processing(inbox) == []


def test_a_file_still_being_written_is_left_for_a_later_look(
    store: Container, inbox: Path
) -> None:
    growing = drop(inbox, "growing.jsonl", [order("W-1")])

    class Writing(Stop):
        def wait(self, seconds: float) -> bool:
            with growing.open("a") as handle:
                handle.write(json.dumps(order("W-2")) + "\n")
            return False

    tally = Watcher(store, inbox, interval=60, stop=Writing()).run(once=True)

    assert tally == Counter()
    assert growing.exists()
    assert rows(store, "orders") == []


def test_a_file_untouched_for_an_interval_is_taken_at_the_first_look(
    store: Container, inbox: Path
) -> None:
    settled = drop(inbox, "old.jsonl", [order("W-1")])
    an_hour_ago = time.time() - 3600
    os.utime(settled, (an_hour_ago, an_hour_ago))

    class NoWaiting(Stop):
        def wait(self, seconds: float) -> bool:
            raise AssertionError("a settled file needs no second look")

    assert Watcher(store, inbox, interval=60, stop=NoWaiting()).run(once=True) == Counter(
        processed=1)


def test_a_stop_request_ends_the_watch_between_files(
    store: Container, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        drop(inbox, f"order-{n}.jsonl", [order(f"W-{n}")])
    stop = Stop()
    take = Watcher._take

    def then_stop(self: Watcher, claim: Claim) -> None:
        take(self, claim)
        stop.requested = True

    monkeypatch.setattr(Watcher, "_take", then_stop)

    assert Watcher(store, inbox, interval=0, stop=stop).run() == Counter(processed=1)
    assert len([p for p in inbox.iterdir() if p.is_file()]) == 2
    assert in_processing(inbox) == []
    assert list((inbox / "processing").iterdir()) == []


def test_sigterm_and_sigint_ask_for_a_stop_and_the_handlers_are_put_back() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    for number in (signal.SIGTERM, signal.SIGINT):
        with stopping_on_signals() as stop:
            os.kill(os.getpid(), number)
            assert stop.wait(1.0)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
