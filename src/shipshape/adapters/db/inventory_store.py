"""The reservation ledger: on hand, reserved, lots and every movement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    String,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.bulk import Bulk
from shipshape.adapters.db.types import in_list
from shipshape.adapters.db.upsert import add_stock
from shipshape.domain.controls import LotStock
from shipshape.domain.errors import ConcurrencyConflict, InvalidInput
from shipshape.domain.inventory import Reservation, StockPosition

inv = t.inventory.c


@cache
def _positions_query(dialect_name: str, lock: bool) -> Select[Any]:
    """Stock rows of a list of SKUs (`skus`), locked on PostgreSQL when asked to be."""
    query = (select(inv.site, inv.sku, inv.on_hand, inv.reserved)
             .where(in_list(inv.sku, "skus", dialect_name)).order_by(inv.sku, inv.site))
    return query.with_for_update() if lock and dialect_name == "postgresql" else query


RESERVE = Bulk(
    update(t.inventory)
    .where(inv.site == bindparam("k_site"), inv.sku == bindparam("k_sku"),
           inv.on_hand - inv.reserved >= bindparam("qty"))
    .values(reserved=inv.reserved + bindparam("qty")),
    ["k_site", "k_sku", "qty"])
_wanted = func.unnest(
    bindparam("sites", type_=ARRAY(String)), bindparam("skus", type_=ARRAY(String)),
    bindparam("quantities", type_=ARRAY(BigInteger)),
).table_valued("site", "sku", "quantity").render_derived(name="wanted")
RESERVE_TOGETHER = (update(t.inventory)
                    .where(inv.site == _wanted.c.site, inv.sku == _wanted.c.sku,
                           inv.on_hand - inv.reserved >= _wanted.c.quantity)
                    .values(reserved=inv.reserved + _wanted.c.quantity))
"""PostgreSQL: every stock row of an order's reservations in one `UPDATE ... FROM unnest(...)`.
Its callers hold those rows locked already (`positions(..., lock=True)`, in key order), so the
order in which the join reaches them cannot deadlock two orders."""
INSERT_RESERVATIONS = Bulk(t.reservations.insert(),
                           ["order_id", "line_no", "site", "sku", "quantity", "created_at"])
res = t.reservations.c
SHIP = (update(t.inventory)
        .where(inv.site == bindparam("k_site"), inv.sku == bindparam("k_sku"),
               inv.reserved >= bindparam("qty"))
        .values(reserved=inv.reserved - bindparam("qty"), on_hand=inv.on_hand - bindparam("qty")))
RESERVATION_ROWS = (select(res.id, res.quantity)
                    .where(res.order_id == bindparam("order_id"),
                           res.line_no == bindparam("line_no"), res.site == bindparam("site"),
                           res.sku == bindparam("sku"))
                    .order_by(res.id.desc()))
RESERVED_FOR_ORDER = (select(res.line_no, res.site, res.sku, func.sum(res.quantity))
                      .where(res.order_id == bindparam("order_id"))
                      .group_by(res.line_no, res.site, res.sku)
                      .order_by(res.line_no, res.site, res.sku))
DELETE_RESERVATION = delete(t.reservations).where(res.id == bindparam("k_id"))
SHRINK_RESERVATION = (update(t.reservations).where(res.id == bindparam("k_id"))
                      .values(quantity=bindparam("new_quantity")))
lt = t.lots.c
LOT_KEY = (lt.site == bindparam("k_site"), lt.sku == bindparam("k_sku"),
           lt.lot == bindparam("k_lot"))
LOT = select(lt.quantity, lt.expiry).where(*LOT_KEY)
INSERT_LOT = t.lots.insert()
UPDATE_LOT = update(t.lots).where(*LOT_KEY).values(quantity=bindparam("new_quantity"),
                                                    expiry=bindparam("new_expiry"))
INSERT_MOVEMENT = t.stock_movements.insert()
UNRESERVE = (update(t.inventory)
             .where(inv.site == bindparam("k_site"), inv.sku == bindparam("k_sku"),
                    inv.reserved >= bindparam("qty"))
             .values(reserved=inv.reserved - bindparam("qty")))


class SqlInventory:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def positions(self, skus: Iterable[str], lock: bool) -> list[StockPosition]:
        query = _positions_query(self._dialect, lock)
        rows = self._conn.execute(query, {"skus": sorted(skus)}).all()
        return [StockPosition(*row) for row in rows]

    def position(self, site: str, sku: str) -> StockPosition:
        row = self._conn.execute(select(inv.site, inv.sku, inv.on_hand, inv.reserved).where(
            inv.site == site, inv.sku == sku)).first()
        return StockPosition(*row) if row else StockPosition(site, sku, 0, 0)

    def lots(self, skus: Iterable[str]) -> dict[str, list[LotStock]]:
        found: dict[str, list[LotStock]] = {}
        rows = self._conn.execute(select(t.lots.c.sku, t.lots.c.expiry, t.lots.c.quantity).where(
            t.lots.c.sku.in_(list(skus)), t.lots.c.quantity > 0))
        for sku, expiry, quantity in rows:
            found.setdefault(sku, []).append(LotStock(expiry, quantity))
        return found

    def reserve(self, order_id: str, reservations: Sequence[Reservation], at: datetime) -> None:
        """Conditional updates: a row only changes if the stock still covers the quantity."""
        if not reservations:
            return
        if self._dialect == "postgresql":
            done, wanted = self._reserve_together(reservations)
        else:
            ordered = sorted(reservations, key=lambda r: (r.sku, r.site))
            done = RESERVE.execute(self._conn, [(r.site, r.sku, r.quantity) for r in ordered])
            wanted = len(ordered)
        if done != wanted:
            raise ConcurrencyConflict(f"stock changed while reserving for order {order_id}")
        INSERT_RESERVATIONS.execute(self._conn, [
            (order_id, r.line_no, r.site, r.sku, r.quantity, at) for r in reservations])

    def _reserve_together(self, reservations: Sequence[Reservation]) -> tuple[int, int]:
        """(stock rows changed, stock rows wanted): the lines of one SKU at one site go as their
        sum, since a join changes a row once however many of its lines match."""
        totals: dict[tuple[str, str], int] = {}
        for r in reservations:
            totals[r.site, r.sku] = totals.get((r.site, r.sku), 0) + r.quantity
        done = self._conn.execute(RESERVE_TOGETHER, {
            "sites": [site for site, _ in totals], "skus": [sku for _, sku in totals],
            "quantities": list(totals.values())}).rowcount
        return done, len(totals)

    def reservations_of(self, order_id: str) -> list[Reservation]:
        rows = self._conn.execute(RESERVED_FOR_ORDER, {"order_id": order_id}).all()
        return [Reservation(line_no, site, sku, int(qty)) for line_no, site, sku, qty in rows
                if qty]

    def unreserve(self, order_id: str, reservations: Sequence[Reservation],
                  at: datetime) -> None:
        """The order's reservation rows shrink (latest first, emptied rows go) and the stock
        row's reserved count with them, both only if they still hold the quantity."""
        for r in sorted(reservations, key=lambda r: (r.sku, r.site)):
            if r.quantity <= 0:
                continue
            self._shrink_rows(order_id, r)
            done = self._conn.execute(UNRESERVE, {"k_site": r.site, "k_sku": r.sku,
                                                  "qty": r.quantity})
            if done.rowcount != 1:
                raise ConcurrencyConflict(
                    f"{r.site} holds less than {r.quantity} {r.sku} reserved")

    def ship(self, order_id: str, shipped: Sequence[Reservation],
             lots: Sequence[tuple[str, str, str, int]], reference: str, at: datetime) -> None:
        """Shipped units leave: the order's reservation and the stock row's reserved and on-hand
        counts shrink together, a `shipment` movement records each, and the lots named
        (site, sku, lot, quantity) shrink; a quantity the order does not hold raises
        ConcurrencyConflict."""
        for r in sorted(shipped, key=lambda r: (r.sku, r.site)):
            if r.quantity <= 0:
                continue
            self._shrink_rows(order_id, r)
            done = self._conn.execute(SHIP, {"k_site": r.site, "k_sku": r.sku, "qty": r.quantity})
            if done.rowcount != 1:
                raise ConcurrencyConflict(
                    f"{r.site} holds less than {r.quantity} {r.sku} reserved")
            self._movement(r.site, r.sku, "shipment", -r.quantity, None, reference, at)
        for site, sku, lot, quantity in lots:
            self._add_to_lot(site, sku, lot, None, -quantity)

    def _shrink_rows(self, order_id: str, r: Reservation) -> None:
        rows = self._conn.execute(RESERVATION_ROWS, {
            "order_id": order_id, "line_no": r.line_no, "site": r.site, "sku": r.sku}).all()
        if sum(row.quantity for row in rows) < r.quantity:
            raise ConcurrencyConflict(f"order {order_id} holds less than {r.quantity} {r.sku} "
                                      f"reserved at {r.site} for line {r.line_no}")
        remaining = r.quantity
        for row in rows:
            take = min(remaining, row.quantity)
            if take == row.quantity:
                self._conn.execute(DELETE_RESERVATION, {"k_id": row.id})
            elif take:
                self._conn.execute(SHRINK_RESERVATION, {"k_id": row.id,
                                                        "new_quantity": row.quantity - take})
            remaining -= take

    def receive(self, site: str, sku: str, quantity: int, lot: str | None, expiry: date | None,
                at: datetime) -> StockPosition:
        add_stock(self._conn, t.inventory, site, sku, quantity)
        if lot:
            self._add_to_lot(site, sku, lot, expiry, quantity)
        self._movement(site, sku, "receipt", quantity, lot, None, at)
        return self.position(site, sku)

    def adjust(self, site: str, sku: str, quantity: int, lot: str | None, reason: str,
               at: datetime) -> StockPosition:
        current = self.position(site, sku)
        if current.on_hand + quantity < current.reserved:
            raise InvalidInput(
                f"adjusting {sku} at {site} by {quantity} would leave {current.on_hand + quantity} "
                f"on hand against {current.reserved} reserved; release reservations first")
        add_stock(self._conn, t.inventory, site, sku, quantity)
        if lot:
            self._add_to_lot(site, sku, lot, None, quantity)
        self._movement(site, sku, "adjustment", quantity, lot, reason, at)
        return self.position(site, sku)

    def _add_to_lot(self, site: str, sku: str, lot: str, expiry: date | None, qty: int) -> None:
        key = {"k_site": site, "k_sku": sku, "k_lot": lot}
        row = self._conn.execute(LOT, key).first()
        if row is None:
            self._conn.execute(INSERT_LOT, {"site": site, "sku": sku, "lot": lot,
                                            "expiry": expiry, "quantity": max(qty, 0)})
        else:
            self._conn.execute(UPDATE_LOT, {**key, "new_quantity": max(row.quantity + qty, 0),
                                            "new_expiry": expiry or row.expiry})

    def _movement(self, site: str, sku: str, kind: str, quantity: int, lot: str | None,
                  reason: str | None, at: datetime) -> None:
        self._conn.execute(INSERT_MOVEMENT, {"site": site, "sku": sku, "kind": kind,
                                             "quantity": quantity, "lot": lot, "reason": reason,
                                             "at": at})
