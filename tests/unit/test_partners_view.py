"""The Partners pages' rules without a browser: a partner's figures in words, its documents by
type, a document's row, and the bars of acknowledgement rate (their colour, their length, the
partner's name kept as text)."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from shipshape.console import partners_view as pv

ACME: dict[str, Any] = {
    "partner_id": "ACME-EDI", "customer_id": "C1",
    "documents": {"in": {"x12": 3}, "out": {"810": 2, "856": 3}},
    "expecting_acknowledgement": 5, "acknowledged": 3, "acknowledgement_rate": 0.6,
    "latency_p50_s": 3600.0, "latency_p90_s": 10800.0, "rejected": 1,
    "awaiting_past_window": 1, "open_cases": {"EDI_ACK_MISSING": 1, "EDI_DOCUMENT_REJECTED": 1}}
QUIET: dict[str, Any] = {
    "partner_id": "QUIET-EDI", "customer_id": "C1", "documents": {"in": {}, "out": {"856": 1}},
    "expecting_acknowledgement": 0, "acknowledged": 0, "acknowledgement_rate": None,
    "latency_p50_s": None, "latency_p90_s": None, "rejected": 0, "awaiting_past_window": 0,
    "open_cases": {}}
SVG = "{http://www.w3.org/2000/svg}"


def test_a_partners_figures_read_as_words() -> None:
    assert pv.partner_row(ACME) == {
        "partner_id": "ACME-EDI", "customer_id": "C1", "documents_in": 3, "documents_out": 5,
        "acknowledged": "3 of 5", "rate": "60.0 %", "latency_p50": "1 h 00 m",
        "latency_p90": "3 h 00 m", "rejected": 1, "past_window": 1, "open_cases": 2}
    quiet = pv.partner_row(QUIET)
    assert (quiet["acknowledged"], quiet["rate"], quiet["latency_p50"]) == (
        "none expected", "-", "-")
    assert dict((name, value) for name, _, value in pv.headlines(ACME))["open_cases"] == "2"


def test_documents_by_type_put_in_and_out_side_by_side() -> None:
    assert pv.documents_by_type(ACME) == [
        {"doc_type": "810", "in": 0, "out": 2}, {"doc_type": "856", "in": 0, "out": 3},
        {"doc_type": "x12", "in": 3, "out": 0}]


def test_a_document_row_says_its_age_due_time_and_case() -> None:
    row = pv.document_row({
        "document_id": 4, "doc_type": "856", "control_number": "104",
        "created_at": "2026-12-01T05:36:32+00:00", "age_s": 248400.0,
        "ack_due_at": "2026-12-02T05:36:32+00:00", "case_id": "exc_1",
        "case_code": "EDI_ACK_MISSING", "case_status": "open"})
    assert row == {"document_id": 4, "doc_type": "856", "control_number": "104",
                   "sent": "2026-12-01 05:36", "age": "2 d 21 h", "due": "2026-12-02 05:36",
                   "case_id": "exc_1", "case": "EDI_ACK_MISSING open"}
    bare = pv.document_row({"document_id": 9, "doc_type": "810", "control_number": "105",
                            "created_at": "2026-12-04T01:36:32+00:00", "age_s": 3600.0})
    assert (bare["due"], bare["case_id"], bare["case"]) == ("-", "", "")


def test_each_partner_gets_a_bar_as_long_and_as_coloured_as_its_rate() -> None:
    good = {**ACME, "partner_id": "GOOD", "acknowledgement_rate": 0.97}
    fair = {**ACME, "partner_id": "FAIR", "acknowledgement_rate": 0.85}
    drawn = ElementTree.fromstring(pv.rate_bars([ACME, good, fair, QUIET]))
    filled = [rect for rect in drawn.iter(f"{SVG}rect")
              if rect.get("fill") != pv.COLOURS["track"]]
    assert [(r.get("width"), r.get("fill")) for r in filled] == [
        ("180.0", pv.COLOURS["poor"]), ("291.0", pv.COLOURS["good"]),
        ("255.0", pv.COLOURS["fair"])]
    words = [text.text for text in drawn.iter(f"{SVG}text")]
    assert words[:2] == ["ACME-EDI", "60.0 % (3 of 5)"]
    assert words[-2:] == ["QUIET-EDI", "no acknowledgement expected"]


def test_a_partner_id_is_written_as_text_never_as_markup() -> None:
    drawn = pv.rate_bars([{**ACME, "partner_id": "<script>x</script>"}])
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn
    assert re.match(r'<svg [^>]*role="img"', drawn)
