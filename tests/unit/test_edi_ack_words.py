"""Acknowledgements read and said in plain words: 997 / 999 / CONTRL codes, matching keys,
document status, latency percentiles, renumbering a stored document."""

from __future__ import annotations

from pathlib import Path

from shipshape.adapters.channels import edifact, x12
from shipshape.adapters.channels.edifact.contrl_in import contrl_report
from shipshape.adapters.channels.resend import renumber
from shipshape.adapters.channels.x12.ack_in import ack_reports
from shipshape.adapters.db.edi_ack_store import key_of
from shipshape.domain.edi_acks import (
    ELEMENT_ERRORS,
    SEGMENT_ERRORS,
    AckReport,
    AckStatus,
    SetAck,
    ack_key,
    document_status,
    percentile,
    words,
)

STAEDI_997 = Path(__file__).parents[1] / "fixtures/edi/x12/staedi/simple997.edi"


def test_codes_read_as_words() -> None:
    assert words(SEGMENT_ERRORS, "8") == "8 Segment has data element errors"
    assert words(ELEMENT_ERRORS, "7") == "7 Invalid code value"
    assert words(ELEMENT_ERRORS, "07") == "07 Invalid code value"
    assert words(ELEMENT_ERRORS, "99") == "99 (an unknown code)"


def test_the_staedi_997_reads_as_a_rejection_with_its_errors() -> None:
    [interchange] = x12.parse(STAEDI_997.read_bytes())
    [report] = ack_reports(interchange)
    assert (report.reference, report.functional_id, report.group_status) == (
        "000001", "HC", AckStatus.REJECTED)
    assert report.key == "x12:HC:1"
    [set_ack] = report.sets
    assert (set_ack.set_id, set_ack.control_number, set_ack.codes) == ("837", "0021", ("5",))
    lines = report.plain()
    assert "segment NM1 at position 8: 8 Segment has data element errors; element 8: " \
           "7 Invalid code value (value 'MI')" in lines[-1]


def test_keys_match_whatever_zeros_the_partner_echoes() -> None:
    assert ack_key("x12", "000000042", "SH") == ack_key("x12", "42", "SH") == "x12:SH:42"
    assert ack_key("edifact", "77") == "edifact:77"


def test_a_document_takes_the_worst_status_of_its_sets() -> None:
    sets = (SetAck("856", "1", AckStatus.ACCEPTED), SetAck("856", "2", AckStatus.REJECTED))
    report = AckReport("x12", "997", "9", "5", "SH", AckStatus.ACCEPTED_WITH_ERRORS, (), sets)
    assert document_status(report) is AckStatus.REJECTED
    assert document_status(report, ["0001"]) is AckStatus.ACCEPTED
    bare = AckReport("x12", "997", "9", "5", "SH", AckStatus.ACCEPTED)
    assert document_status(bare) is AckStatus.ACCEPTED


def test_contrl_action_4_rejects_and_names_segment_and_element() -> None:
    text = ("UNB+UNOC:3+P:14+SHIPSHAPE:14+240101:1300+5'UNH+1+CONTRL:D:3:UN'"
            "UCI+77+SHIPSHAPE:14+P:14+7'UCM+1+DESADV:D:96A:UN+4'UCS+2+12'UCD+12+3:1'"
            "UNT+6+1'UNZ+1+5'")
    [message] = edifact.parse_interchange(text).messages
    report = contrl_report(message, "5")
    assert report is not None and report.key == "edifact:77"
    assert report.group_status is AckStatus.REJECTED  # its only message is
    assert "element 3:1: 12 Invalid value" in " ".join(report.plain())


def test_percentiles_by_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.5) == 20.0
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.9) == 40.0


def test_a_stored_document_renumbered_keeps_its_key_in_step() -> None:
    text = ("ISA*00*          *00*          *ZZ*SHIPSHAPE      *ZZ*ACMEEDI        *240101*1200*"
            "U*00401*000000005*0*P*>~GS*SH*SHIPSHAPE*ACMEGS*20240101*1200*5*X*004010~"
            "ST*855*0005~BAK*00*AC*PO1*20240101~SE*3*0005~GE*1*5~IEA*1*000000005~")
    again = renumber(text, 12)
    assert key_of(text) == "x12:SH:5" and key_of(again) == "x12:SH:12"
    assert "*000000012*0*P*" in again and again.endswith("GE*1*12~IEA*1*000000012~")
    unb = "UNB+UNOC:3+A:14+B:14+240101:1200+7'UNH+1+DESADV:D:96A:UN'UNT+2+1'UNZ+1+7'"
    assert key_of(renumber(unb, 8)) == "edifact:8"
