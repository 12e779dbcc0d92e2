"""Plain JSON-ready records for the sample generator, and small typed accessors.

Money and weights are decimal strings ("12.50"), dates ISO strings, quantities ints.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Record = dict[str, object]
MasterData = dict[str, list[Record]]

CENT = Decimal("0.01")
GRAM = Decimal("0.001")


def money(value: Decimal | float) -> str:
    return str(Decimal(value).quantize(CENT, ROUND_HALF_UP))


def as_decimal(record: Record, key: str) -> Decimal:
    return Decimal(str(record[key]))


def as_str(record: Record, key: str) -> str:
    return str(record[key])


def as_int(record: Record, key: str) -> int:
    value = record[key]
    assert isinstance(value, int)
    return value


def as_list(record: Record, key: str) -> list[Any]:
    value = record[key]
    assert isinstance(value, list)
    return value

