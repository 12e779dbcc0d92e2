"""Master data: reads, upserts and their change history; stock: reads and movements.

A record reads (and a PUT answers) with the field names its PUT takes plus its id, so a GET can
be PUT back; lists are pages (`read_models.listed`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from shipshape.adapters.channels.canonical import (
    CarrierIn,
    CustomerIn,
    ItemIn,
    PriceIn,
    SiteIn,
    StockMovementIn,
)
from shipshape.adapters.db import masterdata_queries as mq
from shipshape.adapters.db import queries
from shipshape.api.deps import (
    allowed,
    container,
    customer_filter,
    empty_list,
    not_found_outside_scope,
    scope_of,
)
from shipshape.api.limits import (
    Between,
    Filter,
    IdempotencyKey,
    PageLimit,
    PageOffset,
    Period,
    sort_query,
)
from shipshape.api.outcomes import http_status
from shipshape.api.problems import errors
from shipshape.api.read_models import (
    CarrierList,
    CarrierOut,
    ChangeList,
    CustomerList,
    CustomerOut,
    InventoryList,
    ItemList,
    ItemOut,
    PositionOut,
    PriceList,
    PriceOut,
    SiteList,
    SiteOut,
    SkuStock,
    listed,
)
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import NotFound
from shipshape.domain.masterdata import Priority
from shipshape.services import masterdata as md
from shipshape.services.auth import Principal
from shipshape.services.intake import caller_scope
from shipshape.services.outcomes import Outcome

router = APIRouter()
Key = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-]+$")]
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_MASTERDATA, every_customer=True))]
Stocker = Annotated[Principal, Depends(allowed(Permission.WRITE_INVENTORY, every_customer=True))]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
App = Annotated[Container, Depends(container)]
Country = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")]
Currency = Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")]
Gtin = Annotated[str | None, Query(pattern=r"^[0-9]{8,14}$")]
ChangeSort = Annotated[str, sort_query(mq.CHANGE_SORTS)]


# --------------------------------------------------------------------------------------- reads


@router.get("/sites", response_model=SiteList)
def list_sites(c: App, _: Reader, country: Country = None,
               sort: Annotated[str, sort_query(mq.SITE_SORTS)] = "site_id",
               limit: PageLimit = 100, offset: PageOffset = 0) -> dict[str, Any]:
    """Sites (distribution centres), by id; filter by country."""
    return listed("sites", mq.list_sites(c.engine, country=country, sort=sort, limit=limit,
                                         offset=offset))


@router.get("/sites/{site_id}", response_model=SiteOut)
def get_site(site_id: Key, c: App, _: Reader) -> dict[str, Any]:
    """One site; its body can be PUT back unchanged."""
    return _found(mq.get_site(c.engine, site_id), f"site {site_id}")


@router.get("/customers", response_model=CustomerList)
def list_customers(
    c: App, who: Reader, active: bool | None = None, priority: Priority | None = None,
    segment: Filter = None, credit_hold: bool | None = None, preferred_site: Filter = None,
    sort: Annotated[str, sort_query(mq.CUSTOMER_SORTS)] = "customer_id",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Customers; `credit_limit` in the configured currency. A token made for one customer
    lists that customer alone."""
    return listed("customers", mq.list_customers(
        c.engine, active=active, priority=priority, segment=segment, credit_hold=credit_hold,
        preferred_site=preferred_site, sort=sort, limit=limit, offset=offset,
        currency=c.settings.invoice_currency, customer_id=scope_of(who)))


@router.get("/customers/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: Key, c: App, who: Reader) -> dict[str, Any]:
    """One customer's master data; its body can be PUT back unchanged."""
    not_found_outside_scope(who, customer_id, f"customer {customer_id} does not exist")
    return _found(mq.get_customer(c.engine, customer_id, c.settings.invoice_currency),
                  f"customer {customer_id}")


@router.get("/items", response_model=ItemList)
def list_items(
    c: App, _: Reader, active: bool | None = None, hazmat: bool | None = None,
    lot_controlled: bool | None = None, gtin: Gtin = None,
    sort: Annotated[str, sort_query(mq.ITEM_SORTS)] = "sku",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Items (SKUs), by SKU; filter by active."""
    return listed("items", mq.list_items(
        c.engine, active=active, hazmat=hazmat, lot_controlled=lot_controlled, gtin=gtin,
        sort=sort, limit=limit, offset=offset))


@router.get("/items/{sku}", response_model=ItemOut)
def get_item(sku: Key, c: App, _: Reader) -> dict[str, Any]:
    """One item's master data; its body can be PUT back unchanged."""
    return _found(mq.get_item(c.engine, sku), f"item {sku}")


@router.get("/prices", response_model=PriceList)
def list_prices(
    c: App, who: Reader, customer_id: Filter = None, sku: Filter = None,
    currency: Currency = None, sort: Annotated[str, sort_query(mq.PRICE_SORTS)] = "customer_id",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Contract prices; each `unit_price` in its own currency."""
    customer = customer_filter(who, customer_id)
    if customer is False:
        return empty_list("prices", limit, offset)
    return listed("prices", mq.list_prices(c.engine, customer_id=customer, sku=sku,
                                           currency=currency, sort=sort, limit=limit,
                                           offset=offset))


@router.get("/prices/{customer_id}/{sku}", response_model=PriceOut)
def get_price(customer_id: Key, sku: Key, c: App, who: Reader) -> dict[str, Any]:
    """One customer's contract price for one SKU, in its own currency."""
    not_found_outside_scope(who, customer_id, f"a price of {sku} for customer {customer_id} "
                                              "does not exist")
    return _found(mq.get_price(c.engine, customer_id, sku),
                  f"a price of {sku} for customer {customer_id}")


@router.get("/carriers", response_model=CarrierList)
def list_carriers(c: App, _: Reader, sort: Annotated[str, sort_query(mq.CARRIER_SORTS)] = "code",
                  limit: PageLimit = 100, offset: PageOffset = 0) -> dict[str, Any]:
    """Carriers with their services."""
    return listed("carriers", mq.list_carriers(c.engine, sort=sort, limit=limit,
                                               offset=offset))


@router.get("/carriers/{code}", response_model=CarrierOut)
def get_carrier(code: Key, c: App, _: Reader) -> dict[str, Any]:
    """One carrier with its services."""
    return _found(mq.get_carrier(c.engine, code), f"carrier {code}")


@router.get("/inventory", response_model=InventoryList)
def list_inventory(
    c: App, _: Reader, site_id: Filter = None, sku: Filter = None,
    sort: Annotated[str, sort_query(queries.STOCK_SORTS)] = "sku",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Stock positions (a site's stock of one SKU), by site and SKU."""
    return listed("inventory", queries.list_stock(c.engine, site_id=site_id, sku=sku,
                                                  sort=sort, limit=limit, offset=offset))


@router.get("/items/{sku}/stock", response_model=SkuStock)
def get_inventory(sku: Key, c: App, _: Reader) -> dict[str, Any]:
    """Every site's stock of `sku` (none: an empty list)."""
    return {"sku": sku, "sites": queries.stock_of(c.engine, sku)}


# ------------------------------------------------------------------------------------- upserts


@router.put("/sites/{site_id}", response_model=SiteOut)
def put_site(site_id: Key, body: SiteIn, c: App, who: Writer) -> dict[str, Any]:
    """Create or change a site (idempotent); answers what was stored, as a GET would."""
    return _stored(c, who, body.to_domain(site_id), lambda: get_site(site_id, c, who))


@router.put("/customers/{customer_id}", response_model=CustomerOut, responses=errors(409))
def put_customer(customer_id: Key, body: CustomerIn, c: App, who: Writer) -> dict[str, Any]:
    """Fields another system owns (by default the ERP's `credit_hold` and `credit_limit`) may
    be sent unchanged; a change of one is refused with 409 (the owner's events change it)."""
    return _stored(c, who, body.to_domain(customer_id),
                   lambda: get_customer(customer_id, c, who))


@router.put("/items/{sku}", response_model=ItemOut)
def put_item(sku: Key, body: ItemIn, c: App, who: Writer) -> dict[str, Any]:
    """Create or change an item (idempotent); answers what was stored, as a GET would."""
    return _stored(c, who, body.to_domain(sku), lambda: get_item(sku, c, who))


@router.put("/prices/{customer_id}/{sku}", response_model=PriceOut)
def put_price(customer_id: Key, sku: Key, body: PriceIn, c: App, who: Writer) -> dict[str, Any]:
    """Create or change a contract price (idempotent); the customer and the SKU must
    exist (else 422 naming the field)."""
    return _stored(c, who, body.to_domain(customer_id, sku),
                   lambda: get_price(customer_id, sku, c, who))


@router.put("/carriers/{code}", response_model=CarrierOut)
def put_carrier(code: Key, body: CarrierIn, c: App, who: Writer) -> dict[str, Any]:
    """Create or change a carrier and its services (idempotent)."""
    return _stored(c, who, body.to_domain(code), lambda: get_carrier(code, c, who))


@router.get("/sites/{site_id}/changes", response_model=ChangeList)
def site_changes(site_id: Key, c: App, _: Reader, period: Between, sort: ChangeSort = "-at",
                 limit: PageLimit = 100, offset: PageOffset = 0) -> dict[str, Any]:
    """Every change of the site, newest first: who, when, the fields, before and
    after."""
    return _changes(c, "site", site_id, period, sort, limit, offset)


@router.get("/customers/{customer_id}/changes", response_model=ChangeList)
def customer_changes(customer_id: Key, c: App, who: Reader, period: Between,
                     sort: ChangeSort = "-at", limit: PageLimit = 100,
                     offset: PageOffset = 0) -> dict[str, Any]:
    """Every change of the customer, newest first: who (a token's name, `system:erp`,
    `operator`), when, the fields changed, and the record before and after."""
    not_found_outside_scope(who, customer_id, f"customer {customer_id} does not exist")
    return _changes(c, "customer", customer_id, period, sort, limit, offset)


@router.get("/items/{sku}/changes", response_model=ChangeList)
def item_changes(sku: Key, c: App, _: Reader, period: Between, sort: ChangeSort = "-at",
                 limit: PageLimit = 100, offset: PageOffset = 0) -> dict[str, Any]:
    """Every change of the item, newest first: who, when, the fields, before and
    after."""
    return _changes(c, "item", sku, period, sort, limit, offset)


@router.get("/prices/{customer_id}/{sku}/changes", response_model=ChangeList)
def price_changes(customer_id: Key, sku: Key, c: App, who: Reader, period: Between,
                  sort: ChangeSort = "-at", limit: PageLimit = 100,
                  offset: PageOffset = 0) -> dict[str, Any]:
    """Every change of the contract price, newest first: who, when, the fields,
    before and after."""
    not_found_outside_scope(who, customer_id, f"a price of {sku} for customer {customer_id} "
                                              "does not exist")
    return _changes(c, "price", f"{customer_id}/{sku}", period, sort, limit, offset)


@router.get("/carriers/{code}/changes", response_model=ChangeList)
def carrier_changes(code: Key, c: App, _: Reader, period: Between, sort: ChangeSort = "-at",
                    limit: PageLimit = 100, offset: PageOffset = 0) -> dict[str, Any]:
    """Every change of the carrier, newest first: who, when, the fields, before
    and after."""
    return _changes(c, "carrier", code, period, sort, limit, offset)


@router.post("/inventory/receipts", status_code=201, response_model=PositionOut)
def post_receipt(body: StockMovementIn, c: App, who: Stocker,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Goods received at a site: the position after it. With `Idempotency-Key`, a resend
    answers the first answer (`Idempotent-Replayed: true`) and moves nothing again."""
    movement = body.to_domain()
    if idempotency_key is None:
        received = md.receive(c.deps, [movement])[0]
        return _answer(md.Answer(Outcome.CREATED, md.position_json(received)))
    return _answer(md.receive_once(c.deps, movement, caller_scope(who.name), idempotency_key))


@router.post("/inventory/adjustments", status_code=201, response_model=PositionOut)
def post_adjustment(body: StockMovementIn, c: App, who: Stocker,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """A stock count's correction (`quantity` may be negative): the position after it. With
    `Idempotency-Key`, a resend answers the first answer and moves nothing again."""
    movement = body.to_domain()
    if idempotency_key is None:
        return _answer(md.Answer(Outcome.CREATED, md.position_json(md.adjust(c.deps, movement))))
    return _answer(md.adjust_once(c.deps, movement, caller_scope(who.name), idempotency_key))


def _found(record: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if record is None:
        raise NotFound(f"{what} does not exist")
    return record


def _stored(c: Container, who: Principal, record: md.MasterRecord,
            read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Upsert as the caller, then answer with what was stored (normalised, read back as a GET
    reads it), not with what was sent."""
    md.upsert(c.deps, [record], actor=who.name, ownership=c.ownership)
    return read()


def _changes(c: Container, kind: str, entity_id: str, period: Period, sort: str, limit: int,
             offset: int) -> dict[str, Any]:
    page = mq.list_changes(c.engine, kind, entity_id, changed_from=period.start,
                           changed_to=period.end, sort=sort, limit=limit, offset=offset)
    return {"kind": kind, "id": entity_id, **listed("changes", page)}


def _answer(answer: md.Answer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=http_status(answer.outcome), headers=headers)
