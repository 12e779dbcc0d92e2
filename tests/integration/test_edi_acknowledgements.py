"""Acknowledgements of what we send: a 997 accepts an 856, a 997 rejects an 810 (a case with the
errors in plain words, resent from the desk under a new control number), a document left
unacknowledged past its partner's window, a 999, a CONTRL, an unknown control number, and the
partner dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from shipshape.adapters.channels.receive import receive_file
from shipshape.adapters.channels.x12.documents import X12DocumentWriter
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.edi_ack_queries import partner_dashboard
from shipshape.adapters.db.edi_document_store import SqlEdiDocumentSource
from shipshape.domain.desk import Action
from shipshape.domain.partners import TradingPartner
from shipshape.services import desk
from shipshape.services import edi_intake as edi
from shipshape.services.delivery.consume import apply_once
from shipshape.services.edi_ack_sweep import sweep_missing_acks
from shipshape.services.edi_outbound import EDI_DOCUMENTS, SsccScheme, edi_document_handlers
from tests.worlds.picking import World, line
from tests.worlds.shipping import message_of, send, shipment, tendered_order

X12_PARTNER = TradingPartner(id="ACME-EDI", customer_id="C1", isa_qualifier="ZZ",
                             isa_id="ACMEEDI", gs_code="ACMEGS", ack_window_hours=24)
EDIFACT_PARTNER = TradingPartner(id="ACME-EDIFACT", customer_id="C1",
                                 edifact_id="4012345000009", ack_window_hours=24)


def deliver(world: World, order_id: str, kind: str) -> None:
    c = world.container
    handlers = edi_document_handlers(
        c.deps, X12DocumentWriter(c.edi_identity), SqlEdiDocumentSource(c.engine),
        SsccScheme(c.settings.edi_gs1_company_prefix, c.settings.edi_sscc_extension))
    assert apply_once(c.deps, EDI_DOCUMENTS, handlers[EDI_DOCUMENTS],
                      message_of(world, order_id, kind))


def shipped(world: World, *partners: TradingPartner) -> str:
    edi.upsert_partners(world.container.deps, list(partners or (X12_PARTNER,)))
    order_id = tendered_order(world, [line(1, 10), line(2, 4, "SKU2")],
                              [{"line_no": 1, "quantity": 10}, {"line_no": 2, "quantity": 4}])
    answer = send(world, "wms", "shipment_confirmed",
                  shipment(order_id, {"line_no": 1, "quantity": 10},
                           {"line_no": 2, "quantity": 4}), "wms-ship")
    assert answer.status_code == 200, answer.text
    return order_id


def outbound(world: World) -> list[dict[str, Any]]:
    d = t.edi_documents.c
    with world.container.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.edi_documents)
                                              .where(d.direction == "out").order_by(d.id))
                .mappings()]


def stream_events(world: World, stream: str, kind: str) -> list[dict[str, Any]]:
    e = t.order_events.c
    with world.container.engine.connect() as conn:
        return [row.payload for row in conn.execute(
            select(e.payload).where(e.stream == stream, e.type == kind).order_by(e.id))]


def case(world: World, code: str) -> dict[str, Any]:
    with world.container.engine.connect() as conn:
        [found] = conn.execute(select(t.exception_cases)
                               .where(t.exception_cases.c.code == code)).mappings().all()
    return dict(found)


def x12_ack(control: int, body: list[str], set_id: str = "997",
            version: str = "004010") -> bytes:
    """An acknowledgement interchange from ACME-EDI to us, counted right."""
    isa = ("ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*SHIPSHAPE      *240101*1200*"
           f"U*00401*{control:09d}*0*P*>~")
    segments = [f"ST*{set_id}*0001", *body]
    text = isa + f"GS*FA*ACMEGS*SHIPSHAPE*20240101*1200*{control}*X*{version}~"
    text += "~".join(segments) + f"~SE*{len(segments) + 1}*0001~"
    return (text + f"GE*1*{control}~IEA*1*{control:09d}~").encode()


def take(world: World, raw: bytes, standard: str = "x12") -> None:
    c = world.container
    world.clock[0] += timedelta(minutes=5)
    receive_file(c.deps, raw, standard, c.edi_identity)  # type: ignore[arg-type]


def test_a_997_accepts_our_856(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    deliver(world, shipped(world), "ShipmentConfirmed")
    [sent] = outbound(world)
    assert (sent["ack_status"], sent["ack_key"]) == ("awaiting",
                                                     f"x12:SH:{sent['control_number']}")
    n = sent["control_number"]
    take(world, x12_ack(900, [f"AK1*SH*{n}", f"AK2*856*{int(n):04d}", "AK5*A", "AK9*A*1*1*1"]))
    [after] = outbound(world)
    assert after["ack_status"] == "accepted" and after["acknowledged_at"] is not None
    [event] = stream_events(world, f"edi:ACME-EDI:{n}", "EdiDocumentAcknowledged")
    assert (event["status"], event["acknowledgement"]) == ("accepted", "997")
    assert event["latency_s"] > 0
    figures = partner_dashboard(world.container.engine, "ACME-EDI", world.clock[0])
    assert figures["documents"] == {"in": {"x12": 1}, "out": {"856": 1}}
    assert (figures["acknowledgement_rate"], figures["rejected"]) == (1.0, 0)
    assert figures["latency_p50_s"] == figures["latency_p90_s"] == event["latency_s"]


def test_a_997_rejecting_our_810_opens_a_case_in_plain_words_and_the_desk_resends(
        make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    deliver(world, shipped(world), "InvoiceIssued")
    [sent] = outbound(world)
    n = sent["control_number"]
    take(world, x12_ack(901, [f"AK1*IN*{n}", f"AK2*810*{n}", "AK3*IT1*9**8", "AK4*3*355*7*XX",
                              "AK5*R*5", "AK9*R*1*1*0"]))
    [after] = outbound(world)
    assert after["ack_status"] == "rejected"
    opened = case(world, "EDI_DOCUMENT_REJECTED")
    assert opened["owner_team"] == "integration" and opened["status"] == "open"
    words = " ".join(opened["details"]["errors"])
    assert "segment IT1 at position 9: 8 Segment has data element errors" in words
    assert "element 3: 7 Invalid code value (value 'XX')" in words
    assert "5 One or more segments in error" in words
    assert "Invalid code value" in opened["message"]
    c = world.container
    assert "resend" in desk.available_actions(c.deps, opened["id"], lambda p: True)
    done = desk.act(c.deps, opened["id"], desk.CaseAction(Action.RESEND, "price_fixed", "ann"),
                    lambda p: True)
    assert done.closed
    old, new = outbound(world)
    assert new["resend_of"] == old["id"] and new["doc_type"] == "810"
    assert int(new["control_number"]) > int(n) and new["ack_status"] == "awaiting"
    assert f"*{int(new['control_number']):09d}*" in new["content"]
    assert case(world, "EDI_DOCUMENT_REJECTED")["status"] == "resolved"
    [resent] = stream_events(world, f"edi:ACME-EDI:{n}", "EdiDocumentResent")
    assert (resent["control_number"], resent["actor"]) == (new["control_number"], "ann")
    figures = partner_dashboard(c.engine, "ACME-EDI", world.clock[0])
    assert figures["rejected"] == 1 and figures["open_cases"] == {}


def test_a_document_unacknowledged_past_its_window_opens_a_case_once(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    deliver(world, shipped(world), "ShipmentConfirmed")
    [sent] = outbound(world)
    deps = world.container.deps
    assert sweep_missing_acks(deps, sent["created_at"] + timedelta(hours=23)).missing == ()
    later = sent["created_at"] + timedelta(hours=25)
    figures = partner_dashboard(world.container.engine, "ACME-EDI", later)
    assert figures["awaiting_past_window"] == 1
    [missing] = sweep_missing_acks(deps, later).missing
    assert missing.control_number == sent["control_number"]
    assert sweep_missing_acks(deps, later + timedelta(hours=1)).missing == ()
    opened = case(world, "EDI_ACK_MISSING")
    assert "within 24 h" in opened["message"]
    figures = partner_dashboard(world.container.engine, "ACME-EDI", later)
    assert figures["open_cases"] == {"EDI_ACK_MISSING": 1}
    n = sent["control_number"]
    take(world, x12_ack(902, [f"AK1*SH*{n}", "AK9*A*1*1*1"]))  # late, but it came
    assert case(world, "EDI_ACK_MISSING")["status"] == "auto_resolved"
    assert outbound(world)[0]["ack_status"] == "accepted"


def test_a_partner_without_a_window_expects_no_acknowledgement(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    partner = TradingPartner(id="ACME-EDI", customer_id="C1", isa_id="ACMEEDI",
                             gs_code="ACMEGS", ack_window_hours=0)
    deliver(world, shipped(world, partner), "ShipmentConfirmed")
    [sent] = outbound(world)
    assert sent["ack_status"] == "not_expected" and sent["ack_due_at"] is None
    assert sweep_missing_acks(world.container.deps,
                              sent["created_at"] + timedelta(days=9)).missing == ()


def test_a_999_rejecting_our_856_names_the_implementation_errors(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100})
    deliver(world, shipped(world), "ShipmentConfirmed")
    n = outbound(world)[0]["control_number"]
    take(world, x12_ack(903, [f"AK1*SH*{n}*005010", f"AK2*856*{n}", "IK3*TD5*7**8",
                              "IK4*3*140*I12*ZZZZ", "IK5*R*I5", "AK9*R*1*1*0"],
                        set_id="999", version="005010X231A1"))
    assert outbound(world)[0]["ack_status"] == "rejected"
    errors = " ".join(case(world, "EDI_DOCUMENT_REJECTED")["details"]["errors"])
    assert "I12 Implementation pattern match failure" in errors
    assert "I5 Implementation one or more segments in error" in errors


def test_a_contrl_rejecting_an_edifact_document_opens_a_case(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    c = world.container
    edi.upsert_partners(c.deps, [EDIFACT_PARTNER])
    desadv = ("UNB+UNOC:3+SHIPSHAPE:14+4012345000009:14+240101:1200+77'"
              "UNH+1+DESADV:D:96A:UN'BGM+351+SHP-1+9'UNT+3+1'UNZ+1+77'")
    with c.deps.uow() as uow:
        uow.edi.store_document("ACME-EDIFACT", "out", "DESADV", "77", None, desadv,
                               world.clock[0])
        uow.commit()
    contrl = ("UNB+UNOC:3+4012345000009:14+SHIPSHAPE:14+240101:1300+501'"
              "UNH+1+CONTRL:D:3:UN'UCI+77+SHIPSHAPE:14+4012345000009:14+4'"
              "UCM+1+DESADV:D:96A:UN+4'UCS+2+12'UCD+12+3:1'UNT+6+1'UNZ+1+501'")
    outcome = receive_file(c.deps, contrl.encode(), "edifact", c.edi_identity)
    assert outcome.interchanges[0].acknowledgements == ()  # a CONTRL is not answered
    [sent] = outbound(world)
    assert sent["ack_status"] == "rejected"
    errors = " ".join(case(world, "EDI_DOCUMENT_REJECTED")["details"]["errors"])
    assert "segment ? at position 2: 12 Invalid value" in errors
    assert "element 3:1: 12 Invalid value" in errors


def test_an_acknowledgement_of_nothing_we_sent_is_recorded(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    edi.upsert_partners(world.container.deps, [X12_PARTNER])
    take(world, x12_ack(904, ["AK1*SH*424242", "AK9*R*1*1*0"]))
    [unmatched] = stream_events(world, "edi:ACME-EDI:000000904", "EdiAcknowledgementUnmatched")
    assert (unmatched["reference"], unmatched["status"]) == ("424242", "rejected")
    assert outbound(world) == []


def test_the_dashboard_and_the_sweep_over_http(client: Any, tokens: dict[str, str],
                                              container: Any) -> None:
    edi.upsert_partners(container.deps, [X12_PARTNER])
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    answer = client.get("/api/v1/partners/ACME-EDI/dashboard", headers=viewer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["documents"], body["acknowledgement_rate"], body["open_cases"]) == (
        {"in": {}, "out": {}}, None, {})
    assert client.get("/api/v1/partners/NOBODY/dashboard", headers=viewer).status_code == 404
    route = "/api/v1/edi/acknowledgements/sweep"
    assert client.post(route, headers=viewer).status_code == 403
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    swept = client.post(route, headers=agent)
    assert swept.status_code == 200 and swept.json()["missing"] == []
