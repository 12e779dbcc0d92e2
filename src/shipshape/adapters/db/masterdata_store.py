"""Master data rows <-> domain dataclasses."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    Table,
    bindparam,
    select,
    type_coerce,
)

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.types import in_list
from shipshape.adapters.db.upsert import upsert_row
from shipshape.domain.masterdata import (
    Carrier,
    CarrierService,
    ContractPrice,
    Customer,
    Item,
    Site,
)
from shipshape.services.ports import MasterDataChange


def _columns(table: Table, record: type) -> list[Column[Any]]:
    """The table's columns in the order of the record's fields, so rows build it positionally."""
    return [table.c[f.name] for f in fields(record)]


CUSTOMER_COLUMNS = _columns(t.customers, Customer)
CUSTOMER = select(*CUSTOMER_COLUMNS).where(t.customers.c.id == bindparam("id"))
SITES = select(*_columns(t.sites, Site))
CARRIERS = select(t.carriers.c.code, t.carriers.c.name, t.carriers.c.services)


@dataclass(frozen=True)
class _ListQueries:
    """The queries taking a list of keys (`ids`, `skus`), as one dialect binds the list."""

    customers: Select[Any]
    items: Select[Any]
    prices: Select[Any]
    price_table: Select[Any]


def _item_columns(dialect_name: str) -> list[ColumnElement[Any]]:
    """On SQLite, substitutes come as their JSON text: `item_from_row` decodes what is not []."""
    columns: list[ColumnElement[Any]] = list(_columns(t.items, Item))
    if dialect_name == "sqlite":
        columns[-1] = type_coerce(t.items.c.substitutes, String).label("substitutes")
    return columns


@cache
def _list_queries(dialect_name: str) -> _ListQueries:
    return _ListQueries(
        customers=select(*CUSTOMER_COLUMNS).where(
            in_list(t.customers.c.id, "ids", dialect_name)),
        items=select(*_item_columns(dialect_name)).where(
            in_list(t.items.c.sku, "skus", dialect_name)),
        prices=select(*_columns(t.prices, ContractPrice)).where(
            t.prices.c.customer_id == bindparam("customer_id"),
            in_list(t.prices.c.sku, "skus", dialect_name)),
        price_table=select(*_columns(t.prices, ContractPrice)).where(
            in_list(t.prices.c.customer_id, "ids", dialect_name),
            in_list(t.prices.c.sku, "skus", dialect_name)),
    )


class SqlMasterData:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._queries = _list_queries(conn.dialect.name)
        self._sites: dict[str, Site] | None = None
        self._carriers: dict[str, Carrier] | None = None
        self._customers: dict[str, Customer | None] = {}
        self._items: dict[str, Item | None] = {}
        self._prices: dict[tuple[str, str], ContractPrice | None] = {}

    def customer(self, customer_id: str) -> Customer | None:
        """Remembered for the transaction: a batch reads the same customers again and again."""
        if customer_id not in self._customers:
            row = self._conn.execute(CUSTOMER, {"id": customer_id}).first()
            self._customers[customer_id] = customer_from_row(row) if row else None
        return self._customers[customer_id]

    def customers(self, ids: Iterable[str]) -> dict[str, Customer]:
        wanted = set(ids)
        rows = self._conn.execute(self._queries.customers, {"ids": list(wanted)}).all()
        found = {r[0]: customer_from_row(r) for r in rows}
        self._customers.update({i: found.get(i) for i in wanted})
        return found

    def items(self, skus: Iterable[str]) -> dict[str, Item]:
        wanted = set(skus)
        missing = [s for s in wanted if s not in self._items]
        if missing:
            rows = self._conn.execute(self._queries.items, {"skus": missing}).all()
            found = {r[0]: item_from_row(r) for r in rows}
            self._items.update({s: found.get(s) for s in missing})
        return {s: item for s in wanted if (item := self._items[s]) is not None}

    def prices(self, customer_id: str, skus: Iterable[str]) -> dict[str, ContractPrice]:
        """Remembered for the transaction, like the customers and items."""
        wanted = set(skus)
        missing = [sku for sku in wanted if (customer_id, sku) not in self._prices]
        if missing:
            rows = self._conn.execute(self._queries.prices,
                                      {"customer_id": customer_id, "skus": missing}).all()
            found = {r[1]: ContractPrice(*r) for r in rows}
            self._prices.update({(customer_id, sku): found.get(sku) for sku in missing})
        return {sku: price for sku in wanted
                if (price := self._prices[(customer_id, sku)]) is not None}

    def prefetch(self, lines: Iterable[tuple[str, str]]) -> None:
        """Read the customers, items and contract prices of these (customer, SKU) pairs in
        three statements and remember them for the transaction (a batch of orders asks for
        them one order at a time); what is remembered grows with the pairs, not with
        every customer by every SKU."""
        pairs = set(lines)
        ids, skus = {customer for customer, _ in pairs}, {sku for _, sku in pairs}
        self.customers(ids)
        self.items(skus)
        table = self.price_table(ids, skus)
        self._prices.update({(customer, sku): table.get(customer, {}).get(sku)
                             for customer, sku in pairs})

    def price_table(self, customer_ids: Iterable[str], skus: Iterable[str]
                    ) -> dict[str, dict[str, ContractPrice]]:
        """Contract prices of several customers: customer -> SKU -> price."""
        rows = self._conn.execute(self._queries.price_table,
                                  {"ids": sorted(customer_ids), "skus": sorted(skus)}).all()
        table: dict[str, dict[str, ContractPrice]] = {}
        for row in rows:
            table.setdefault(row[0], {})[row[1]] = ContractPrice(*row)
        return table

    def carriers(self) -> dict[str, Carrier]:
        """Read once per transaction: a batch of orders asks for the same few rows."""
        if self._carriers is None:
            rows = self._conn.execute(CARRIERS).all()
            self._carriers = {r[0]: carrier_from_row(r) for r in rows}
        return self._carriers

    def sites(self) -> dict[str, Site]:
        if self._sites is None:
            rows = self._conn.execute(SITES).all()
            self._sites = {r[0]: Site(*r) for r in rows}
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
        self._prices.pop((price.customer_id, price.sku), None)
        self._upsert(t.prices, _fields(price))

    def upsert_carrier(self, carrier: Carrier) -> None:
        self._carriers = None
        services = [{"code": s.code, "hazmat_allowed": s.hazmat_allowed,
                     "max_weight_kg": None if s.max_weight_kg is None else str(s.max_weight_kg),
                     "countries": list(s.countries),
                     **({} if s.transit_days is None else {"transit_days": s.transit_days})}
                    for s in carrier.services]
        self._upsert(t.carriers, {"code": carrier.code, "name": carrier.name, "services": services})

    def _upsert(self, table: Table, values: dict[str, Any]) -> None:
        upsert_row(self._conn, table, values)

    def record_change(self, change: MasterDataChange, at: datetime) -> None:
        self._conn.execute(t.masterdata_changes.insert(), {
            "entity_kind": change.kind, "entity_id": change.entity_id, "actor": change.actor,
            "before": change.before, "after": change.after, "at": at})


mc = t.masterdata_changes.c


def masterdata_changes(engine: Engine, kind: str, entity_id: str, limit: int = 100,
                       offset: int = 0) -> list[dict[str, Any]]:
    """The changes of one record, newest first: actor, time, the fields that changed, and the
    record before (null: created) and after."""
    query = (select(mc.id, mc.actor, mc.at, mc.before, mc.after)
             .where(mc.entity_kind == kind, mc.entity_id == entity_id)
             .order_by(mc.id.desc()).limit(limit).offset(offset))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{"id": row.id, "actor": row.actor, "at": row.at.isoformat(),
             "fields": _changed_fields(row.before, row.after), "before": row.before,
             "after": row.after} for row in rows]


def _changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return sorted(after)
    return sorted(name for name in after if before.get(name) != after.get(name))


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def customer_from_row(row: Sequence[Any]) -> Customer:
    """A row of `CUSTOMER_COLUMNS`."""
    return Customer(*row)


def item_from_row(row: Sequence[Any]) -> Item:
    """A row of the `ITEMS` columns: the item's fields in order, substitutes last."""
    sku, description, gtin, active, uom, weight_kg, hazmat, lot_controlled, substitutes = row
    if isinstance(substitutes, str):
        substitutes = () if substitutes == "[]" else json.loads(substitutes)
    return Item(sku, description, gtin, active, uom, weight_kg, hazmat, lot_controlled,
                tuple(substitutes or ()))


def carrier_from_row(row: Sequence[Any]) -> Carrier:
    """A row of `CARRIERS`: code, name, services."""
    code, name, rows = row
    services = tuple(
        CarrierService(
            code=s["code"], hazmat_allowed=bool(s.get("hazmat_allowed")),
            max_weight_kg=None if s.get("max_weight_kg") is None else Decimal(s["max_weight_kg"]),
            countries=tuple(s.get("countries") or ()),
            transit_days=None if s.get("transit_days") is None else int(s["transit_days"]))
        for s in rows)
    return Carrier(code=code, name=name, services=services)
