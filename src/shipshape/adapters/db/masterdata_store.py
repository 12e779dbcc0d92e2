"""Master data rows <-> domain dataclasses."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.upsert import upsert_row
from shipshape.domain.masterdata import (
    Carrier,
    CarrierService,
    ContractPrice,
    Customer,
    Item,
    Site,
)

CUSTOMER = select(t.customers).where(t.customers.c.id == bindparam("id"))
ITEMS = select(t.items).where(t.items.c.sku.in_(bindparam("skus", expanding=True)))
PRICES = select(t.prices).where(t.prices.c.customer_id == bindparam("customer_id"),
                                t.prices.c.sku.in_(bindparam("skus", expanding=True)))


class SqlMasterData:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sites: dict[str, Site] | None = None
        self._carriers: dict[str, Carrier] | None = None
        self._customers: dict[str, Customer | None] = {}
        self._items: dict[str, Item | None] = {}

    def customer(self, customer_id: str) -> Customer | None:
        """Remembered for the transaction: a batch reads the same customers again and again."""
        if customer_id not in self._customers:
            row = self._conn.execute(CUSTOMER, {"id": customer_id}).mappings().first()
            self._customers[customer_id] = customer_from_row(row) if row else None
        return self._customers[customer_id]

    def customers(self, ids: Iterable[str]) -> dict[str, Customer]:
        wanted = set(ids)
        rows = self._conn.execute(select(t.customers).where(t.customers.c.id.in_(list(wanted))))
        found = {r["id"]: customer_from_row(r) for r in rows.mappings()}
        self._customers.update({i: found.get(i) for i in wanted})
        return found

    def items(self, skus: Iterable[str]) -> dict[str, Item]:
        wanted = set(skus)
        missing = [s for s in wanted if s not in self._items]
        if missing:
            rows = self._conn.execute(ITEMS, {"skus": missing}).mappings()
            found = {r["sku"]: item_from_row(r) for r in rows}
            self._items.update({s: found.get(s) for s in missing})
        return {s: item for s in wanted if (item := self._items[s]) is not None}

    def prices(self, customer_id: str, skus: Iterable[str]) -> dict[str, ContractPrice]:
        rows = self._conn.execute(PRICES, {"customer_id": customer_id, "skus": list(skus)})
        return {r["sku"]: ContractPrice(**r) for r in rows.mappings()}

    def carriers(self) -> dict[str, Carrier]:
        """Read once per transaction: a batch of orders asks for the same few rows."""
        if self._carriers is None:
            rows = self._conn.execute(select(t.carriers)).mappings()
            self._carriers = {r["code"]: carrier_from_row(r) for r in rows}
        return self._carriers

    def sites(self) -> dict[str, Site]:
        if self._sites is None:
            rows = self._conn.execute(select(t.sites)).mappings()
            self._sites = {r["id"]: Site(**r) for r in rows}
        return self._sites

    def upsert_site(self, site: Site) -> None:
        self._sites = None
        self._upsert(t.sites, _fields(site))

    def upsert_customer(self, customer: Customer) -> None:
        self._customers.pop(customer.id, None)
        self._upsert(t.customers, _fields(customer))

    def upsert_item(self, item: Item) -> None:
        self._items.pop(item.sku, None)
        self._upsert(t.items, {**_fields(item), "substitutes": list(item.substitutes)})

    def upsert_price(self, price: ContractPrice) -> None:
        self._upsert(t.prices, _fields(price))

    def upsert_carrier(self, carrier: Carrier) -> None:
        self._carriers = None
        services = [{"code": s.code, "hazmat_allowed": s.hazmat_allowed,
                     "max_weight_kg": None if s.max_weight_kg is None else str(s.max_weight_kg),
                     "countries": list(s.countries)} for s in carrier.services]
        self._upsert(t.carriers, {"code": carrier.code, "name": carrier.name, "services": services})

    def _upsert(self, table: Table, values: dict[str, Any]) -> None:
        upsert_row(self._conn, table, values)


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def customer_from_row(row: Any) -> Customer:
    return Customer(**row)


def item_from_row(row: Any) -> Item:
    return Item(**{**row, "substitutes": tuple(row["substitutes"] or ())})


def carrier_from_row(row: Any) -> Carrier:
    services = tuple(
        CarrierService(
            code=s["code"], hazmat_allowed=bool(s.get("hazmat_allowed")),
            max_weight_kg=None if s.get("max_weight_kg") is None else Decimal(s["max_weight_kg"]),
            countries=tuple(s.get("countries") or ()))
        for s in row["services"])
    return Carrier(code=row["code"], name=row["name"], services=services)
