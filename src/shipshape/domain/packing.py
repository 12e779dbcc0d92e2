"""Cartons: how a shipment was packed, as the WMS reports it on its shipment confirmation.

Contract (optional `cartons` of `shipment_confirmed`):

    "cartons": [{"ref": "CTN-1", "sscc": "000123450000000017", "weight_kg": "4.2",
                 "lines": [{"line_no": 1, "quantity": 6, "lot": "L1", "expiry": "2027-03-01"}]},
                {"ref": "CTN-2", "lines": [{"line_no": 1, "quantity": 3, "lot": "L1"}]}]

`sscc` (the SSCC-18 the WMS labelled the carton with), `ref`, `weight_kg`, `lot` and `expiry`
may be left out; we number a carton without an SSCC from our own GS1 prefix when its ship
notice is built. The cartons together hold exactly what the confirmation says shipped per line.
A WMS that sends no cartons shipped everything in one carton (`single_carton`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from shipshape.domain.errors import InvalidInput
from shipshape.domain.event_data import is_whole, optional_date, text
from shipshape.domain.shipping import sscc_is_valid

EVENT = "shipment_confirmed"
MAX_ID = 60
MAX_CARTONS = 10_000


@dataclass(frozen=True, slots=True)
class CartonLine:
    """`quantity` of order line `line_no` in a carton, from `lot` (expiring on `expiry`)."""

    line_no: int
    quantity: int
    lot: str | None = None
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class Carton:
    """One packed carton; `sscc` when the WMS labelled it, `weight_kg` when it weighed it."""

    lines: tuple[CartonLine, ...]
    ref: str | None = None
    sscc: str | None = None
    weight_kg: Decimal | None = None

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


def single_carton(entries: Sequence[tuple[int, int, str | None]]) -> tuple[Carton, ...]:
    """Everything shipped (line, quantity, lot) in one carton; none for a shipment of nothing."""
    lines = tuple(CartonLine(line_no, quantity, lot) for line_no, quantity, lot in entries
                  if quantity > 0)
    return (Carton(lines),) if lines else ()


def parse_cartons(raw: object, shipped: Mapping[int, int]) -> tuple[Carton, ...]:
    """The confirmation's `cartons`, checked against what it says shipped per line."""
    if not isinstance(raw, list) or len(raw) > MAX_CARTONS:
        raise InvalidInput(f"{EVENT}: cartons must be a list of at most {MAX_CARTONS}")
    cartons = tuple(_carton(entry, i) for i, entry in enumerate(raw))
    _check_totals(cartons, shipped)
    codes = [c.sscc for c in cartons if c.sscc]
    if len(set(codes)) != len(codes):
        raise InvalidInput(f"{EVENT}: two cartons have the same SSCC")
    return tuple(c for c in cartons if c.lines)


def _carton(raw: object, index: int) -> Carton:
    where = f"cartons[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{EVENT}: {where} must be an object")
    lines = raw.get("lines")
    if not isinstance(lines, list):
        raise InvalidInput(f"{EVENT}: {where}.lines must be a list")
    code = _optional_text(raw.get("sscc"), f"{where}.sscc")
    if code is not None and not sscc_is_valid(code):
        raise InvalidInput(f"{EVENT}: {where}.sscc {code!r} is not a valid SSCC-18")
    return Carton(tuple(_line(line, f"{where}.lines[{i}]") for i, line in enumerate(lines)
                        if not (isinstance(line, Mapping) and line.get("quantity") == 0)),
                  _optional_text(raw.get("ref"), f"{where}.ref"), code,
                  _weight(raw.get("weight_kg"), f"{where}.weight_kg"))


def _line(raw: object, where: str) -> CartonLine:
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{EVENT}: {where} must be an object")
    line_no, quantity = raw.get("line_no"), raw.get("quantity")
    if not is_whole(line_no) or line_no < 1:
        raise InvalidInput(f"{EVENT}: {where}.line_no must be a whole number >= 1")
    if not is_whole(quantity) or quantity < 1:
        raise InvalidInput(f"{EVENT}: {where}.quantity must be a whole number >= 1")
    return CartonLine(line_no, quantity, _optional_text(raw.get("lot"), f"{where}.lot"),
                      optional_date(EVENT, raw.get("expiry"), f"{where}.expiry"))


def _optional_text(value: object, where: str) -> str | None:
    return None if value is None else text(EVENT, value, where, MAX_ID)


def _weight(value: object, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        weight = Decimal(str(value)) if isinstance(value, (str, int, float)) else None
    except InvalidOperation:
        weight = None
    if weight is None or not weight.is_finite() or weight <= 0 or isinstance(value, bool):
        raise InvalidInput(f"{EVENT}: {where} must be a positive number")
    return weight


def _check_totals(cartons: Sequence[Carton], shipped: Mapping[int, int]) -> None:
    packed: dict[int, int] = {}
    for carton in cartons:
        for line in carton.lines:
            packed[line.line_no] = packed.get(line.line_no, 0) + line.quantity
    wanted = {line_no: qty for line_no, qty in shipped.items() if qty}
    if packed != wanted:
        raise InvalidInput(f"{EVENT}: the cartons hold {_describe(packed)} but the shipment "
                           f"ships {_describe(wanted)}")


def _describe(totals: Mapping[int, int]) -> str:
    return ", ".join(f"line {k}: {v}" for k, v in sorted(totals.items())) or "nothing"
