"""Which orders give way to a count below what is reserved (`domain/counts.py`)."""

from __future__ import annotations

import pytest

from shipshape.domain.counts import Holder, giving_way, shortfall
from shipshape.domain.errors import InvalidInput

NEWEST_FIRST = [Holder("g", 3), Holder("f", 2), Holder("e", 1), Holder("d", 1), Holder("c", 3),
                Holder("b", 16)]


def ids(holders: list[Holder]) -> list[str]:
    return [h.order_id for h in holders]


def test_the_newest_give_way_until_the_shortfall_is_covered() -> None:
    assert ids(giving_way(2, NEWEST_FIRST)) == ["g"]
    assert ids(giving_way(5, NEWEST_FIRST)) == ["g", "f"]


def test_of_those_the_best_that_fit_in_what_the_others_gave_beyond_it_keep_theirs() -> None:
    # 19 short: all six give 26; the 7 beyond cover c, d, e and f, best first; g and b go.
    assert ids(giving_way(19, NEWEST_FIRST)) == ["g", "b"]
    assert sum(h.quantity for h in giving_way(19, NEWEST_FIRST)) == 19


def test_a_shortfall_the_holders_cannot_cover_is_refused() -> None:
    with pytest.raises(InvalidInput, match="2 reserved units uncovered"):
        giving_way(28, NEWEST_FIRST)


def test_the_shortfall_of_a_count_and_a_count_below_zero() -> None:
    assert shortfall(on_hand=100, reserved=90, change=-10) == 0
    assert shortfall(on_hand=100, reserved=90, change=-30) == 20
    with pytest.raises(InvalidInput, match="cannot go below 0"):
        shortfall(on_hand=3, reserved=0, change=-4)
