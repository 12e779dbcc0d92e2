"""A trading partner simulated from outside, over AS2 both ways, against the real `shipshape
serve` with simulated WMS, TMS and ERP. The partner (openssl as its AS2 software) sends five
850s, an 860 that changes a line before release and another after, and an 850 cancel. It
receives 855s with each line's outcome, 865s, and the 856s (cartons, SSCCs, lots) and 810s of
what shipped, each over AS2 with its receipt checked. It acknowledges what it got with 997s but
rejects one 810 with a 997 `R` and leaves one 855 unacknowledged until its window has passed.
Each outcome shows as the order's state, the document's acknowledgement state and a case."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.worlds.as2_partner import (
    OURS,
    THEIRS,
    Peer,
    as2_headers,
    checked_mdn,
    keys_in,
    partner_message,
    serve_peer,
)
from tests.worlds.served import SCRIPT, eventually, serving

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")]

T = TypeVar("T")
PARTNER = "XYZ-RETAIL"
ACK_WINDOW_HOURS = 0.005
"""18 s: long enough for the partner to acknowledge what it wants to, short enough to wait for
the one it does not."""
FUNCTIONAL_IDS = {"855": "PR", "856": "SH", "810": "IN", "865": "CA"}
SHIP = (date.today() + timedelta(days=1)).strftime("%Y%m%d")
MASTER_DATA = {
    "sites": [{"id": "DAL", "name": "Dallas DC", "country": "US", "postal_code": "75201",
               "line1": "1 Commerce St", "city": "Dallas", "region": "TX"}],
    "customers": [{"id": "C1", "name": "XYZ Retail", "credit_limit": "100000",
                   "preferred_site": "DAL"}],
    "items": [{"sku": "SKU1", "description": "Gloves", "weight_kg": "1.0",
               "gtin": "00012345678905", "lot_controlled": True},
              {"sku": "SKU2", "description": "Masks", "weight_kg": "0.5"}],
    "prices": [{"customer_id": "C1", "sku": "SKU1", "unit_price": "10.00", "tolerance_pct": "2"},
               {"customer_id": "C1", "sku": "SKU2", "unit_price": "5.00", "tolerance_pct": "2"}],
    "carriers": [{"code": "UPS", "name": "UPS", "services": [
        {"code": "GND", "max_weight_kg": "70", "countries": ["US"], "transit_days": 3}]}],
    "receipts": [{"site_id": "DAL", "sku": "SKU1", "quantity": 100, "lot": "L-0425",
                  "expiry": "2031-01-31"},
                 {"site_id": "DAL", "sku": "SKU2", "quantity": 5}],
}


def x12(control: int, set_id: str, segments: list[str]) -> str:
    """An interchange from the partner to us, counted right."""
    gs = {"850": "PO", "860": "PC", "997": "FA"}[set_id]
    isa = ("ISA*00*          *00*          *ZZ*XYZRETAIL      *ZZ*SHIPSHAPE      *261105*0900"
           f"*U*00401*{control:09d}*0*P*>")
    body = [isa, f"GS*{gs}*XYZRETAIL*SHIPSHAPE*20261105*0900*{control}*X*004010",
            f"ST*{set_id}*0001", *segments, f"SE*{len(segments) + 2}*0001",
            f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(body) + "~\n"


def po850(control: int, po: str, lines: list[str], purpose: str = "00") -> str:
    return x12(control, "850", [
        f"BEG*{purpose}*SA*{po}**20261105", f"DTM*010*{SHIP}", "N1*ST*XYZ STORE 7*92*0007",
        "N3*7 HARBOR RD", "N4*BOSTON*MA*02110*US", *lines, f"CTT*{len(lines)}"])


def po860(control: int, po: str, *pocs: str) -> str:
    return x12(control, "860", [f"BCH*04*SA*{po}***20261105", *pocs, f"CTT*{len(pocs)}"])


@dataclass(frozen=True)
class Received:
    """A document we sent, as the partner reads it."""

    set_id: str
    group_control: str
    set_control: str
    po: str
    text: str

    def segments(self, tag: str) -> list[str]:
        return [s.strip() for s in self.text.split("~") if s.strip().startswith(tag + "*")]


def read_document(raw: bytes) -> Received:
    text = raw.decode("latin-1")
    element = {s.strip()[:3].rstrip("*"): s.strip().split("*")
               for s in reversed(text.split("~")) if s.strip()}
    set_id = element["ST"][1]
    po = {"855": ("BAK", 3), "865": ("BCA", 3), "856": ("PRF", 1), "810": ("BIG", 4),
          "997": ("AK1", 2)}[set_id]
    return Received(set_id, element["GS"][6], element["ST"][2], element[po[0]][po[1]], text)


@dataclass
class Partner:
    """The partner's side: it posts over AS2 to `shipshape serve` and reads what reached its
    own AS2 endpoint; `api` is the operations team's view."""

    base_url: str
    api: httpx.Client
    keys: dict[str, Path]
    peer: Peer
    sent: int = 0

    def send(self, edi_text: str) -> None:
        """One AS2 message; its MDN must be signed by us and say `processed`."""
        self.sent += 1
        _, _, enveloped = partner_message(self.keys, edi_text)
        answer = httpx.post(f"{self.base_url}/api/v1/as2", content=enveloped, timeout=60,
                            headers=as2_headers(f"<xyz-{self.sent}@xyz.example>"))
        assert answer.status_code == 200, answer.text
        report = checked_mdn(self.keys, answer.headers["Content-Type"], answer.content)
        assert b"; processed\r\n" in report, report

    def received(self) -> list[Received]:
        with self.peer.lock:
            return [read_document(raw) for raw in self.peer.documents]

    def acknowledge(self, control: int, document: Received, errors: tuple[str, ...] = ()
                    ) -> None:
        """A 997 for `document`: accepted, or rejected with `errors` (AK3/AK4 segments)."""
        code = "R" if errors else "A"
        self.send(x12(control, "997", [
            f"AK1*{FUNCTIONAL_IDS[document.set_id]}*{document.group_control}",
            f"AK2*{document.set_id}*{document.set_control}", *errors,
            f"AK5*{code}{'*5' if errors else ''}", f"AK9*{code}*1*1*{0 if errors else 1}"]))

    def get(self, path: str, **params: Any) -> Any:
        answer = self.api.get(path, params=params)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def order_of(self, po: str) -> Any:
        [found] = [o for o in self.get("/api/v1/orders", limit=500)["orders"]
                   if o["customer_po"] == po]
        return self.get(f"/api/v1/orders/{found['order_id']}")

    def cases(self, code: str) -> list[Any]:
        found: list[Any] = self.get("/api/v1/exceptions", code=code, limit=500)["exceptions"]
        return found

    def documents(self) -> dict[tuple[str, str], Any]:
        """Our outbound documents by (type, control number), with their acknowledgement."""
        found = self.get(f"/api/v1/partners/{PARTNER}/documents", direction="out", limit=500)
        return {(d["doc_type"], d["control_number"]): d for d in found["documents"]}


def shipshape(env: dict[str, str], workdir: Path, *args: str) -> str:
    done = subprocess.run([str(SCRIPT), *args], env=env, cwd=workdir, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[Partner]:
    keys = keys_in(tmp_path)
    peer = Peer(keys)
    endpoint = serve_peer(peer)
    config = {
        "as2": {"id": OURS, "key_file": str(keys["us_key"]), "cert_file": str(keys["us_cert"]),
                "send_interval_s": 0.2, "max_attempts": 2, "first_delay_s": 0,
                "max_delay_s": 0, "jitter_s": 0, "timeout_s": 20},
        # The WMS takes seconds to answer a wave, so a change sent just after release meets
        # the order released and not yet shipped; it picks the gloves from their lot.
        "simulation": {"wms": {"latency_ms": 4000,
                               "pick_lots": {"SKU1": ["L-0425", "2031-01-31"]}}},
    }
    profile = {"id": PARTNER, "customer_id": "C1", "isa_qualifier": "ZZ", "isa_id": "XYZRETAIL",
               "gs_code": "XYZRETAIL", "acknowledgements": ["997", "TA1", "855", "865"],
               "ack_window_hours": ACK_WINDOW_HOURS, "as2_id": THEIRS,
               "as2_url": f"http://127.0.0.1:{endpoint.server_address[1]}/as2",
               "as2_certificate": keys["them_cert"].read_text()}
    (tmp_path / "shipshape.yaml").write_text(json.dumps(config))
    (tmp_path / "masterdata.json").write_text(json.dumps(MASTER_DATA))
    (tmp_path / "partners.json").write_text(json.dumps({"partners": [profile]}))
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'edi.db'}",
           "SHIPSHAPE_CONFIG": str(tmp_path / "shipshape.yaml"),
           "SHIPSHAPE_RELAY_INTERVAL_S": "0.1"}
    shipshape(env, tmp_path, "load", "masterdata.json")
    shipshape(env, tmp_path, "partners", "load", "partners.json")
    token = shipshape(env, tmp_path, "tokens", "create", "--role", "admin", "--name", "ops")
    try:
        with serving(env, tmp_path) as (base_url, _), httpx.Client(
                base_url=base_url, timeout=60,
                headers={"Authorization": f"Bearer {token.splitlines()[-1]}"}) as api:
            yield Partner(base_url, api, keys, peer)
    finally:
        endpoint.shutdown()
        endpoint.server_close()


def received_as(partner: Partner, wanted: dict[str, int]) -> list[Received] | None:
    """What reached the partner, once it holds at least `wanted` documents of each type."""
    got = partner.received()
    counts = {kind: sum(1 for d in got if d.set_id == kind) for kind in wanted}
    return got if all(counts[k] >= n for k, n in wanted.items()) else None


def one(items: list[T]) -> T:
    assert len(items) == 1, items
    return items[0]


def test_a_partner_over_as2_orders_changes_cancels_and_acknowledges(partner: Partner) -> None:
    partner.send(po850(101, "PO-A", ["PO1*1*5*EA*10.00**VN*SKU1", "PO1*2*3*EA*5.00**VN*SKU2"]))
    partner.send(po850(102, "PO-B", ["PO1*1*4*EA*10.00**VN*SKU1"]))
    partner.send(po850(103, "PO-C", ["PO1*1*2*EA*10.00**VN*SKU1"]))
    partner.send(po850(104, "PO-D", ["PO1*1*1*EA*10.00**VN*SKU1"]))
    partner.send(po850(105, "PO-E", ["PO1*1*1*EA*10.00**VN*SKU1", "PO1*2*6*EA*5.00**VN*SKU2"]))
    partner.send(po860(106, "PO-B", "POC*1*QI*6*6*EA*10.00**VN*SKU1"))
    partner.send(po850(107, "PO-D", ["PO1*1*1*EA*10.00**VN*SKU1"], purpose="01"))

    got = eventually(lambda: received_as(partner, {"855": 5, "865": 2, "997": 7}),
                     "an 855 per order, an 865 per change and a 997 per interchange")
    answers = {d.po: d for d in got if d.set_id == "855"}
    assert answers["PO-A"].segments("ACK") == [f"ACK*IA*5*EA*068*{SHIP}",
                                               f"ACK*IA*3*EA*068*{SHIP}"]
    assert answers["PO-A"].segments("BAK")[0].startswith("BAK*00*AD*PO-A")
    short = answers["PO-E"].segments("ACK")
    assert short[0].startswith("ACK*IA*1*EA") and short[1].startswith("ACK*IA*2*EA")
    assert short[2].startswith("ACK*IB*4*EA")
    assert answers["PO-E"].segments("BAK")[0].startswith("BAK*00*AC*PO-E")
    changes = {d.po: d for d in got if d.set_id == "865"}
    assert changes["PO-B"].segments("BCA")[0].startswith("BCA*04*AT*PO-B")
    assert changes["PO-D"].segments("BCA")[0].startswith("BCA*01*AT*PO-D")
    assert [ln["quantity"] for ln in partner.order_of("PO-B")["lines"]] == [6]
    assert partner.order_of("PO-D")["status"] == "cancelled"
    assert partner.order_of("PO-E")["status"] == "held"

    wave = partner.api.post("/api/v1/waves", json={"site_id": "DAL", "limit": 100})
    assert wave.status_code == 201, wave.text
    released = {partner.order_of(po)["order_id"]: po for po in ("PO-A", "PO-B", "PO-C")}
    assert set(wave.json()["released"]) == set(released)
    partner.send(po860(108, "PO-C", "POC*1*QI*3*3*EA*10.00**VN*SKU1"))
    after_release = one(partner.cases("EDI_CHANGE_AFTER_RELEASE"))
    assert released[after_release["order_id"]] == "PO-C"
    asked = partner.get(f"/api/v1/exceptions/{after_release['case_id']}")["details"]["change"]
    assert [(ln["line_no"], ln["code"], ln["quantity"]) for ln in asked["lines"]] == [
        (1, "QI", 3)]

    def shipped_and_invoiced() -> list[Received] | None:
        if any(partner.order_of(po)["status"] != "invoiced" for po in released.values()):
            return None
        return received_as(partner, {"856": 3, "810": 3, "865": 3})

    got = eventually(shipped_and_invoiced, "three orders shipped and invoiced, 856s and 810s")
    assert [ln["quantity"] for ln in partner.order_of("PO-C")["lines"]] == [2]
    held = one([d for d in got if d.set_id == "865" and d.po == "PO-C"])
    assert held.segments("BCA")[0].startswith("BCA*04*AH*PO-C")
    notice = one([d for d in got if d.set_id == "856" and d.po == "PO-A"])
    cartons = [s for s in notice.segments("MAN") if s.startswith("MAN*GM*00")]
    assert len(cartons) == 2 and all(len(s.split("*")[2]) == 20 for s in cartons)
    assert any("*LT*L-0425" in s for s in notice.segments("LIN"))
    assert "DTM*036*20310131" in notice.segments("DTM")
    assert notice.segments("N1")[0].startswith("N1*SF") and "N3*1 Commerce St" in notice.text

    control = 200
    rejected = one([d for d in got if d.set_id == "810" and d.po == "PO-A"])
    unanswered = answers["PO-E"]
    for document in got:
        if document.set_id == "997" or document in (rejected, unanswered):
            continue
        control += 1
        partner.acknowledge(control, document)
    partner.acknowledge(control + 1, rejected, ("AK3*IT1*3**8", "AK4*2**7*ZZ99"))

    documents = eventually(lambda: _settled(partner, unanswered),
                           "every document acknowledged and the 855's window passed")
    sweep = partner.api.post("/api/v1/edi/acknowledgements/sweep")
    assert sweep.status_code == 200, sweep.text
    missing = one(sweep.json()["missing"])
    assert (missing["doc_type"], missing["control_number"]) == (
        "855", _control_of(documents, unanswered))
    documents = partner.documents()
    refusal = documents[("810", _control_of(documents, rejected))]
    assert refusal["ack_state"] == "rejected" and refusal["case_code"] == "EDI_DOCUMENT_REJECTED"
    plain = one(partner.cases("EDI_DOCUMENT_REJECTED"))["message"]
    assert "IT1" in plain
    lapsed = documents[("855", _control_of(documents, unanswered))]
    assert lapsed["case_code"] == "EDI_ACK_MISSING" and lapsed["case_id"] == missing["case_id"]
    acknowledged = [d for d in documents.values()
                    if d["doc_type"] in ("855", "856", "810", "865") and d is not refusal
                    and d is not lapsed]
    assert acknowledged and all(d["ack_state"] == "accepted" for d in acknowledged)
    assert len(partner.peer.documents) == len(documents)
    dashboard = partner.get(f"/api/v1/partners/{PARTNER}/dashboard")
    assert dashboard["rejected"] == 1
    assert dashboard["open_cases"] == {"EDI_ACK_MISSING": 1, "EDI_DOCUMENT_REJECTED": 1,
                                       "EDI_CHANGE_AFTER_RELEASE": 1}


def _control_of(documents: dict[tuple[str, str], Any], document: Received) -> str:
    """The control number we stored a document under: its interchange's (ISA13 = GS06)."""
    return one([number for (kind, number) in documents
                if kind == document.set_id and int(number) == int(document.group_control)])


def _settled(partner: Partner, unanswered: Received) -> dict[tuple[str, str], Any] | None:
    """Our documents once none awaits an acknowledgement but `unanswered`, and its window
    has closed."""
    documents = partner.documents()
    waiting = [d for d in documents.values() if d["ack_state"] in ("awaiting", "missing")]
    if len(waiting) != 1 or waiting[0]["control_number"] != _control_of(documents, unanswered):
        return None
    due = datetime.fromisoformat(waiting[0]["ack_due_at"])
    return documents if datetime.now(UTC) > due else None
