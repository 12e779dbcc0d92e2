"""Named reads of master data: one record, or a `Page` of them.

A record reads with the field names its PUT takes, plus its id (`site_id`, `customer_id`,
`sku`, the price's `customer_id` and `sku`, the carrier's `code`): a GET can be PUT back.
Amounts are text with their currency's minor unit: a price in its own currency, a customer's
credit limit in `currency`, the configured one (`Settings.invoice_currency`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.paging import Page, order_by, page_of
from shipshape.adapters.db.queries import DEFAULT_CURRENCY, between, matching
from shipshape.adapters.money import money_text

Row = dict[str, Any]

_site, _cust, _item = t.sites.c, t.customers.c, t.items.c
_price, _carrier, _change = t.prices.c, t.carriers.c, t.masterdata_changes.c
SITE_SORTS: dict[str, ColumnElement[Any]] = {
    "site_id": _site.id, "name": _site.name, "country": _site.country}
CUSTOMER_SORTS: dict[str, ColumnElement[Any]] = {
    "customer_id": _cust.id, "name": _cust.name, "priority": _cust.priority,
    "segment": _cust.segment}
ITEM_SORTS: dict[str, ColumnElement[Any]] = {"sku": _item.sku, "description": _item.description}
PRICE_SORTS: dict[str, ColumnElement[Any]] = {"customer_id": _price.customer_id,
                                              "sku": _price.sku}
CARRIER_SORTS: dict[str, ColumnElement[Any]] = {"code": _carrier.code, "name": _carrier.name}
CHANGE_SORTS: dict[str, ColumnElement[Any]] = {"at": _change.at}


def list_sites(engine: Engine, *, country: str | None = None, sort: str = "site_id",
               limit: int = 100, offset: int = 0) -> Page:
    query = matching(select(t.sites), {_site.country: country and country.upper()})
    return page_of(engine, query.order_by(*order_by(SITE_SORTS, sort, [_site.id])),
                   limit, offset, _site_row)


def get_site(engine: Engine, site_id: str) -> Row | None:
    return _one(engine, select(t.sites).where(_site.id == site_id), _site_row)


def list_customers(engine: Engine, *, active: bool | None = None, priority: str | None = None,
                   segment: str | None = None, credit_hold: bool | None = None,
                   preferred_site: str | None = None, sort: str = "customer_id",
                   limit: int = 100, offset: int = 0,
                   currency: str = DEFAULT_CURRENCY, customer_id: str | None = None) -> Page:
    query = matching(select(t.customers), {
        _cust.id: customer_id, _cust.active: active, _cust.priority: priority,
        _cust.segment: segment, _cust.credit_hold: credit_hold,
        _cust.preferred_site: preferred_site})
    return page_of(engine, query.order_by(*order_by(CUSTOMER_SORTS, sort, [_cust.id])),
                   limit, offset, lambda r: _customer_row(r, currency))


def get_customer(engine: Engine, customer_id: str,
                 currency: str = DEFAULT_CURRENCY) -> Row | None:
    return _one(engine, select(t.customers).where(_cust.id == customer_id),
                lambda r: _customer_row(r, currency))


def list_items(engine: Engine, *, active: bool | None = None, hazmat: bool | None = None,
               lot_controlled: bool | None = None, gtin: str | None = None, sort: str = "sku",
               limit: int = 100, offset: int = 0) -> Page:
    query = matching(select(t.items), {_item.active: active, _item.hazmat: hazmat,
                                       _item.lot_controlled: lot_controlled, _item.gtin: gtin})
    return page_of(engine, query.order_by(*order_by(ITEM_SORTS, sort, [_item.sku])),
                   limit, offset, _item_row)


def get_item(engine: Engine, sku: str) -> Row | None:
    return _one(engine, select(t.items).where(_item.sku == sku), _item_row)


def list_prices(engine: Engine, *, customer_id: str | None = None, sku: str | None = None,
                currency: str | None = None, sort: str = "customer_id", limit: int = 100,
                offset: int = 0) -> Page:
    query = matching(select(t.prices), {_price.customer_id: customer_id, _price.sku: sku,
                                        _price.currency: currency})
    tie = [_price.customer_id, _price.sku]
    return page_of(engine, query.order_by(*order_by(PRICE_SORTS, sort, tie)), limit, offset,
                   _price_row)


def get_price(engine: Engine, customer_id: str, sku: str) -> Row | None:
    return _one(engine, select(t.prices).where(_price.customer_id == customer_id,
                                               _price.sku == sku), _price_row)


def list_carriers(engine: Engine, *, sort: str = "code", limit: int = 100,
                  offset: int = 0) -> Page:
    query = select(t.carriers).order_by(*order_by(CARRIER_SORTS, sort, [_carrier.code]))
    return page_of(engine, query, limit, offset, _carrier_row)


def get_carrier(engine: Engine, code: str) -> Row | None:
    return _one(engine, select(t.carriers).where(_carrier.code == code), _carrier_row)


def list_changes(engine: Engine, kind: str, entity_id: str, *,
                 changed_from: datetime | None = None, changed_to: datetime | None = None,
                 sort: str = "-at", limit: int = 100, offset: int = 0) -> Page:
    """The changes of one record: actor, time, the fields that changed, and the record before
    (null: created) and after; newest first unless `sort` says otherwise."""
    query: Select[Any] = select(_change.id, _change.actor, _change.at, _change.before,
                                _change.after).where(
        _change.entity_kind == kind, _change.entity_id == entity_id)
    query = between(query, _change.at, changed_from, changed_to)
    descending = sort.startswith("-")
    tie = [_change.id.desc() if descending else _change.id.asc()]
    return page_of(engine, query.order_by(*order_by(CHANGE_SORTS, sort, tie)), limit, offset,
                   _change_row)


def _one(engine: Engine, query: Select[Any], shape: Any) -> Row | None:
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return None if row is None else dict(shape(row))


def _site_row(r: Any) -> Row:
    return {"site_id": r["id"], "name": r["name"], "country": r["country"],
            "postal_code": r["postal_code"]}


def _customer_row(r: Any, currency: str) -> Row:
    return {"customer_id": r["id"], **{k: v for k, v in r.items() if k != "id"},
            "credit_limit": money_text(r["credit_limit"], currency)}


def _item_row(r: Any) -> Row:
    return {**dict(r), "weight_kg": _plain(r["weight_kg"]),
            "substitutes": list(r["substitutes"] or [])}


def _price_row(r: Any) -> Row:
    return {**dict(r), "unit_price": money_text(r["unit_price"], r["currency"]),
            "tolerance_pct": _plain(r["tolerance_pct"])}


def _carrier_row(r: Any) -> Row:
    services = [{"code": s["code"], "max_weight_kg": _plain_or_none(s.get("max_weight_kg")),
                 "hazmat_allowed": bool(s.get("hazmat_allowed")),
                 "countries": list(s.get("countries") or []),
                 "transit_days": s.get("transit_days")} for s in r["services"]]
    return {"code": r["code"], "name": r["name"], "services": services}


def _change_row(r: Any) -> Row:
    before, after = r["before"], r["after"]
    fields = sorted(after) if before is None else sorted(
        name for name in after if before.get(name) != after.get(name))
    return {"change_id": r["id"], "actor": r["actor"], "at": r["at"].isoformat(),
            "fields": fields, "before": before, "after": after}


def _plain(value: Any) -> str:
    """A decimal that is not money (a weight, a percentage) without the store's trailing zeros:
    `1.0`, kept as `1.000000` on PostgreSQL and `1.0` on SQLite, reads `1` on both."""
    return f"{Decimal(str(value)).normalize():f}"


def _plain_or_none(value: Any) -> str | None:
    return None if value is None else _plain(value)
