"""Every X12 850 in ../shared/data parses and yields orders (skipped where the folder is absent)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shipshape.adapters.channels.x12 import orders_from_850, parse
from shipshape.domain.partners import TradingPartner

SHARED_X12 = Path(__file__).parents[3] / "shared" / "data" / "edi" / "x12"
ABSENT = f"shared X12 corpus not present at {SHARED_X12} (clone without ../shared)"
PARTNER = TradingPartner(id="corpus", customer_id="CORPUS")


def corpus_850s() -> list[Path]:
    if not SHARED_X12.is_dir():
        return []
    return sorted(p for p in SHARED_X12.rglob("*850*")
                  if p.is_file() and "bots" not in p.relative_to(SHARED_X12).parts)


@pytest.mark.skipif(not SHARED_X12.is_dir(), reason=ABSENT)
def test_the_shared_corpus_holds_850s() -> None:
    assert len(corpus_850s()) >= 5


@pytest.mark.parametrize("path", corpus_850s() or [
    pytest.param(None, marks=pytest.mark.skip(reason=ABSENT), id="absent")],
    ids=lambda p: p.name if p else "absent")
def test_every_shared_850_parses_and_yields_orders(path: Path) -> None:
    sets = [ts for ix in parse(path.read_bytes()) for group in ix.groups
            for ts in group.transaction_sets if ts.id == "850"]
    assert sets, f"{path.name} holds no 850"

    for ts in sets:
        orders = orders_from_850(ts, PARTNER, date(2026, 3, 2))
        assert orders
        assert all(order.draft.lines for order in orders)
        assert all(order.draft.customer_po for order in orders)
