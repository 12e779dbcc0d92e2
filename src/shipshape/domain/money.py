"""Amounts of money as text: the same digits whatever store kept them.

PostgreSQL keeps amounts as NUMERIC(20, 6) and answers `5.000000`; SQLite keeps the text it was
given (`499.5`, `499.50`). Read paths write every amount through `money_text`, so an answer is
byte-identical on both backends.
"""

from __future__ import annotations

from decimal import Decimal


def money_text(amount: Decimal, places: int) -> str:
    """`amount` with at least `places` decimals (the currency's minor unit: 2 for USD, 0 for JPY,
    3 for KWD), and more only where the amount has nonzero digits beyond them.

    Nothing is rounded: a contract price of 0.0125 USD stays `0.0125` (rounding it to `0.01`
    would change the price when a GET is PUT back, and make lines no longer add up to the
    order's value). Amounts that billing computes are already in minor units (ROUND_HALF_UP
    there), so they always read with exactly `places` decimals.
    """
    if places < 0:
        raise ValueError(f"a currency's minor unit is 0 or more decimals, not {places}")
    exponent = amount.normalize().as_tuple().exponent
    kept = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{amount:.{max(places, kept)}f}"
