"""The audit chain: each entry holds the hash of the one before, so a changed, deleted or
inserted entry breaks it where it happened."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

from shipshape.domain.audit import (
    GENESIS,
    SHIPSHAPE,
    AuditEntry,
    ChainedEntry,
    chained,
    entry_hash,
    entry_of,
    first_break,
)

AT = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
CAUSE = 5
"""The place of the cause in an entry's stored text."""


def decisions(count: int) -> list[AuditEntry]:
    return [entry_of(f"ev-{n}", "OrderAccepted", f"ORD-{n}", f"ORD-{n}",
                     {"from": "received", "to": "accepted", "blocking": []},
                     AT + timedelta(seconds=n)) for n in range(count)]


def kept(count: int) -> list[ChainedEntry]:
    return [ChainedEntry(n, stored, previous, digest) for n, (stored, previous, digest)
            in enumerate(chained(GENESIS, decisions(count)), start=1)]


def test_an_untouched_chain_holds() -> None:
    chain = kept(5)
    assert chain[0].previous == GENESIS
    assert all(b.previous == a.hash for a, b in pairwise(chain))
    assert first_break(chain) is None


def test_a_changed_entry_is_named() -> None:
    chain = kept(5)
    text = list(chain[2].stored)
    text[CAUSE] = "nothing to see"
    chain[2] = replace(chain[2], stored=tuple(text))
    broken = first_break(chain)
    assert broken is not None and broken.id == 3 and "changed" in broken.reason


def test_the_entry_after_a_deleted_one_is_named() -> None:
    chain = kept(5)
    del chain[1]
    broken = first_break(chain)
    assert broken is not None and broken.id == 3 and "entry 2 is missing" in broken.reason


def test_an_inserted_entry_breaks_the_chain_at_the_entry_after_it() -> None:
    """Even hashed as the entry before would have it, with the ids after it renumbered."""
    chain = kept(4)
    text = replace(decisions(2)[1], actor="mallory", event_id="ev-forged").stored()
    forged = ChainedEntry(2, text, chain[0].hash, entry_hash(chain[0].hash, text))
    tampered = [chain[0], forged] + [replace(c, id=c.id + 1) for c in chain[1:]]
    broken = first_break(tampered)
    assert broken is not None and broken.id == 3 and "inserted" in broken.reason


def test_a_decision_names_its_actor_subject_cause_and_states() -> None:
    cancelled = entry_of("ev-1", "OrderCancelled", "ORD-1", "ORD-1", {
        "from": "accepted", "to": "cancelled", "reason": "customer asked", "actor": "agent-7"},
        AT.astimezone(timezone(timedelta(hours=2))))
    assert (cancelled.actor, cancelled.subject_type, cancelled.subject_id, cancelled.cause) == (
        "agent-7", "order", "ORD-1", "customer asked")
    assert (cancelled.before, cancelled.after, cancelled.at) == (
        {"status": "accepted"}, {"status": "cancelled"}, AT)
    controls = entry_of("ev-2", "ControlsEvaluated", "ORD-2", "ORD-2", {
        "rule_version": "policies@abc", "findings": [
            {"code": "CREDIT_LIMIT"}, {"code": "PARTIAL_AVAILABILITY"}]}, AT)
    assert (controls.actor, controls.cause, controls.rule_version) == (
        SHIPSHAPE, "CREDIT_LIMIT, PARTIAL_AVAILABILITY", "policies@abc")
    opened = entry_of("ev-3", "ExceptionOpened", "ORD-3", "ORD-3",
                      {"case_id": "CASE-9", "code": "CREDIT_LIMIT"}, AT)
    assert (opened.subject_type, opened.subject_id, opened.cause) == (
        "case", "CASE-9", "CREDIT_LIMIT")
    held = entry_of("ev-5", "OrderHeld", "ORD-5", "ORD-5", {
        "from": "received", "to": "held", "blocking": ["CREDIT_HOLD", "PRICE_MISMATCH"]}, AT)
    assert (held.cause, held.after) == ("CREDIT_HOLD, PRICE_MISMATCH", {
        "status": "held", "blocking": ["CREDIT_HOLD", "PRICE_MISMATCH"]})
    wave = entry_of("ev-4", "WaveReleased", None, "WAVE-1", {"wave_id": "WAVE-1"}, AT)
    assert (wave.subject_type, wave.subject_id) == ("wave", "WAVE-1")


def test_an_entry_is_kept_as_the_text_it_was_hashed_from() -> None:
    [entry] = decisions(1)
    stored = entry.stored()
    assert stored[0] == "2026-12-03T09:30:00+00:00" and stored[CAUSE] == entry.cause
    assert stored[6:8] == ('{"status":"received"}', '{"blocking":[],"status":"accepted"}')
    assert chained(GENESIS, [entry])[0] == (stored, GENESIS, entry_hash(GENESIS, stored))
