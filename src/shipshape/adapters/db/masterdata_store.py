"""Master data rows <-> domain dataclasses."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, select

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


class SqlMasterData:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def customer(self, customer_id: str) -> Customer | None:
        row = self._conn.execute(
            select(t.customers).where(t.customers.c.id == customer_id)).mappings().first()
        return customer_from_row(row) if row else None

    def customers(self, ids: Iterable[str]) -> dict[str, Customer]:
        rows = self._conn.execute(select(t.customers).where(t.customers.c.id.in_(list(ids))))
        return {r["id"]: customer_from_row(r) for r in rows.mappings()}

    def items(self, skus: Iterable[str]) -> dict[str, Item]:
        rows = self._conn.execute(select(t.items).where(t.items.c.sku.in_(list(skus))))
        return {r["sku"]: item_from_row(r) for r in rows.mappings()}

    def prices(self, customer_id: str, skus: Iterable[str]) -> dict[str, ContractPrice]:
        rows = self._conn.execute(select(t.prices).where(
            t.prices.c.customer_id == customer_id, t.prices.c.sku.in_(list(skus))))
        return {r["sku"]: ContractPrice(**r) for r in rows.mappings()}

    def carriers(self) -> dict[str, Carrier]:
        rows = self._conn.execute(select(t.carriers)).mappings()
        return {r["code"]: carrier_from_row(r) for r in rows}

    def sites(self) -> dict[str, Site]:
        return {r["id"]: Site(**r) for r in self._conn.execute(select(t.sites)).mappings()}

    def upsert_site(self, site: Site) -> None:
        self._upsert(t.sites, _fields(site))

    def upsert_customer(self, customer: Customer) -> None:
        self._upsert(t.customers, _fields(customer))

    def upsert_item(self, item: Item) -> None:
        self._upsert(t.items, {**_fields(item), "substitutes": list(item.substitutes)})

    def upsert_price(self, price: ContractPrice) -> None:
        self._upsert(t.prices, _fields(price))

    def upsert_carrier(self, carrier: Carrier) -> None:
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
