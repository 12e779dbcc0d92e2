"""NATS subject matching, as the in-process broker routes messages to consumers."""

from __future__ import annotations

import pytest

from shipshape.adapters.messaging import event_subject, partition_of, subject_matches, subject_token


@pytest.mark.parametrize(("pattern", "subject", "expected"), [
    ("shipshape.p1.>", "shipshape.p1.OrderAccepted.ord_1", True),
    ("shipshape.p1.>", "shipshape.p1", False),
    ("shipshape.p1.>", "shipshape.p10.OrderAccepted.ord_1", False),
    ("shipshape.p1.>", "shipshape.p2.OrderAccepted.ord_1", False),
    (">", "anything.at.all", True),
    ("shipshape.p1.OrderAccepted.ord_1", "shipshape.p1.OrderAccepted.ord_1", True),
    ("shipshape.p1.OrderAccepted.ord_1", "shipshape.p1.OrderAccepted.ord_12", False),
    ("shipshape.*.OrderAccepted.>", "shipshape.p3.OrderAccepted.ord_1", True),
    ("shipshape.*.OrderAccepted.>", "shipshape.p3.OrderHeld.ord_1", False),
    ("shipshape.*", "shipshape.p3", True),
    ("shipshape.*", "shipshape.p3.x", False),
    ("a>", "a>", True),
    ("a>", "ab", False),
])
def test_a_pattern_matches_the_subjects_nats_would_route_to_it(
        pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


def test_a_key_with_the_subject_syntax_in_it_stays_one_token() -> None:
    assert subject_token("PO 12.3*>%\t") == "PO%2012%2E3%2A%3E%25%09"
    assert subject_token("ord_1") == "ord_1"
    assert subject_token("") == "_"
    key = "a.b>c"
    subject = event_subject("OrderAccepted", key, "shipshape", 4)
    assert subject_matches(f"shipshape.p{partition_of(key, 4)}.>", subject)
    assert subject.count(".") == 3
