"""The cartons of stored shipments (`shipment_cartons`), written and read with the shipment."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Connection, bindparam, select

from shipshape.adapters.db.packing_tables import shipment_cartons
from shipshape.domain.packing import Carton, CartonLine

sc = shipment_cartons.c
CARTONS_OF = (select(sc.shipment_id, sc.carton_no, sc.carton_ref, sc.sscc, sc.weight_kg,
                     sc.line_no, sc.quantity, sc.lot, sc.expiry)
              .where(sc.shipment_id.in_(bindparam("ids", expanding=True)))
              .order_by(sc.shipment_id, sc.carton_no, sc.entry_no))


def add_cartons(conn: Connection, shipment_id: str, cartons: Sequence[Carton]) -> None:
    rows = [{"shipment_id": shipment_id, "carton_no": c_no, "entry_no": e_no,
             "carton_ref": carton.ref, "sscc": carton.sscc, "weight_kg": carton.weight_kg,
             "line_no": line.line_no, "quantity": line.quantity, "lot": line.lot,
             "expiry": line.expiry}
            for c_no, carton in enumerate(cartons, start=1)
            for e_no, line in enumerate(carton.lines, start=1)]
    if rows:
        conn.execute(shipment_cartons.insert(), rows)


def cartons_of(conn: Connection, shipment_ids: Sequence[str]) -> dict[str, tuple[Carton, ...]]:
    """Per shipment, its cartons in the order the WMS sent them (none for older shipments)."""
    packed: dict[str, dict[int, list[CartonLine]]] = {}
    heads: dict[tuple[str, int], tuple[str | None, str | None, Decimal | None]] = {}
    for row in conn.execute(CARTONS_OF, {"ids": list(shipment_ids)}):
        heads[(row.shipment_id, row.carton_no)] = (row.carton_ref, row.sscc, row.weight_kg)
        packed.setdefault(row.shipment_id, {}).setdefault(row.carton_no, []).append(
            CartonLine(row.line_no, row.quantity, row.lot, row.expiry))
    return {shipment_id: tuple(_carton(heads[(shipment_id, no)], lines)
                               for no, lines in sorted(cartons.items()))
            for shipment_id, cartons in packed.items()}


def _carton(head: tuple[str | None, str | None, Decimal | None],
            lines: list[CartonLine]) -> Carton:
    ref, code, weight = head
    return Carton(tuple(lines), ref, code,
                  None if weight is None else Decimal(weight))
