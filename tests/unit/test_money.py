"""Amounts as text: at least the currency's minor unit of decimals, nothing rounded away."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipshape.adapters.money import minor_unit, money_text
from shipshape.domain import money


@pytest.mark.parametrize(("stored", "currency", "text"), [
    ("499.5", "USD", "499.50"),          # SQLite keeps the text it was given
    ("499.500000", "USD", "499.50"),     # PostgreSQL's NUMERIC(20, 6)
    ("5.000000", "USD", "5.00"),
    ("0", "USD", "0.00"),
    ("0E-6", "USD", "0.00"),
    ("1E+3", "USD", "1000.00"),
    ("1200.000000", "JPY", "1200"),
    ("1.5", "KWD", "1.500"),
    ("-2.5", "EUR", "-2.50"),
    ("999999999999.999999", "USD", "999999999999.999999"),
])
def test_an_amount_reads_with_its_currency_minor_unit(stored: str, currency: str,
                                                      text: str) -> None:
    assert money_text(Decimal(stored), currency) == text


def test_digits_beyond_the_minor_unit_are_kept_not_rounded() -> None:
    assert money_text(Decimal("0.012500"), "USD") == "0.0125"
    assert money_text(Decimal("10.5"), "JPY") == "10.5"


def test_the_minor_units_come_from_iso_4217() -> None:
    assert [minor_unit(c) for c in ("USD", "EUR", "JPY", "KWD", "usd")] == [2, 2, 0, 3, 2]


def test_a_negative_minor_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="minor unit"):
        money.money_text(Decimal("1"), -1)
