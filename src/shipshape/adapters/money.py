"""The minor unit of each currency, from the CLDR data of `babel` (ISO 4217), and amounts as
the text every read answers with."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

from shipshape.domain import money


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> int:
    """Decimals of `currency` (USD 2, JPY 0, KWD 3); an unknown code gets CLDR's default, 2."""
    return int(get_currency_precision(currency.upper()))


def money_text(amount: Decimal, currency: str) -> str:
    return money.money_text(amount, minor_unit(currency))


def money_or_none(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else money_text(amount, currency)
