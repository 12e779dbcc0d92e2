"""Every EDIFACT sample in the team's shared data reads, and every ORDERS in it maps.

The shared data sits beside the repository (../shared/data) and is absent on a bare clone, where
these tests skip. The GPL `bots` folders are left out.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shipshape.adapters.channels.edifact import (
    build_contrl,
    is_orders,
    order_from_orders,
    parse_interchange,
    parse_interchanges,
)
from shipshape.domain.partners import OurIdentity, TradingPartner

CORPUS = Path(__file__).parents[3] / "shared" / "data" / "edi" / "edifact"
PARTNER = TradingPartner(id="P", customer_id="C")


def samples() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*")
                  if p.is_file() and "bots" not in p.relative_to(CORPUS).parts)


SAMPLES = samples()
skip_without_corpus = pytest.mark.skipif(
    not SAMPLES, reason=f"shared EDIFACT samples not found at {CORPUS} (bare clone)")


@skip_without_corpus
@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_reads_and_is_answered_with_a_clean_contrl(path: Path) -> None:
    for interchange in parse_interchanges(path.read_bytes(), allow_missing_trailer=True):
        assert interchange.messages
        answer = parse_interchange(build_contrl(interchange, [], "C1", OurIdentity()))
        assert answer.all_errors == ()


@skip_without_corpus
def test_every_orders_message_becomes_an_order() -> None:
    mapped = 0
    for path in SAMPLES:
        for interchange in parse_interchanges(path.read_bytes(), allow_missing_trailer=True):
            for message in filter(is_orders, interchange.messages):
                # envelope defects are the CONTRL's business; the content must still map
                clean = dataclasses.replace(message, errors=())
                draft = order_from_orders(clean, PARTNER, interchange.control_reference)
                assert draft.customer_po, path.name
                assert draft.lines, path.name
                assert all(ln.sku and ln.quantity for ln in draft.lines), path.name
                mapped += 1
    assert mapped >= 3
