"""Master data upserts and their change history, and stock movements."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import JSONResponse

from shipshape.adapters.db.masterdata_store import masterdata_changes
from shipshape.adapters.db.queries import stock_of
from shipshape.api.deps import allowed, container
from shipshape.api.limits import PageLimit, PageOffset
from shipshape.api.schemas import CarrierIn, CustomerIn, ItemIn, PriceIn, SiteIn, StockMovementIn
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services import masterdata as md
from shipshape.services.auth import Principal
from shipshape.services.intake import caller_scope

router = APIRouter()
Key = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-]+$")]
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_MASTERDATA))]
Stocker = Annotated[Principal, Depends(allowed(Permission.WRITE_INVENTORY))]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
App = Annotated[Container, Depends(container)]
IdempotencyKey = Annotated[str | None, Header(min_length=1, max_length=200)]


@router.put("/sites/{site_id}")
def put_site(site_id: Key, body: SiteIn, c: App, who: Writer) -> dict[str, Any]:
    return _stored(c, who, body.to_domain(site_id))


@router.put("/customers/{customer_id}")
def put_customer(customer_id: Key, body: CustomerIn, c: App, who: Writer) -> dict[str, Any]:
    """Fields another system owns (by default the ERP's `credit_hold` and `credit_limit`) may
    be sent unchanged; a change of one is refused with 409 (the owner's events change it)."""
    return _stored(c, who, body.to_domain(customer_id))


@router.put("/items/{sku}")
def put_item(sku: Key, body: ItemIn, c: App, who: Writer) -> dict[str, Any]:
    return _stored(c, who, body.to_domain(sku))


@router.put("/prices/{customer_id}/{sku}")
def put_price(customer_id: Key, sku: Key, body: PriceIn, c: App, who: Writer) -> dict[str, Any]:
    return _stored(c, who, body.to_domain(customer_id, sku))


@router.put("/carriers/{code}")
def put_carrier(code: Key, body: CarrierIn, c: App, who: Writer) -> dict[str, Any]:
    return _stored(c, who, body.to_domain(code))


@router.get("/sites/{site_id}/changes")
def site_changes(site_id: Key, c: App, _: Reader, limit: PageLimit = 100,
                 offset: PageOffset = 0) -> dict[str, Any]:
    return _changes(c, "site", site_id, limit, offset)


@router.get("/customers/{customer_id}/changes")
def customer_changes(customer_id: Key, c: App, _: Reader, limit: PageLimit = 100,
                     offset: PageOffset = 0) -> dict[str, Any]:
    """Every change of the customer, newest first: who (a token's name, `system:erp`,
    `operator`), when, the fields changed, and the record before and after."""
    return _changes(c, "customer", customer_id, limit, offset)


@router.get("/items/{sku}/changes")
def item_changes(sku: Key, c: App, _: Reader, limit: PageLimit = 100,
                 offset: PageOffset = 0) -> dict[str, Any]:
    return _changes(c, "item", sku, limit, offset)


@router.get("/prices/{customer_id}/{sku}/changes")
def price_changes(customer_id: Key, sku: Key, c: App, _: Reader, limit: PageLimit = 100,
                  offset: PageOffset = 0) -> dict[str, Any]:
    return _changes(c, "price", f"{customer_id}/{sku}", limit, offset)


@router.get("/carriers/{code}/changes")
def carrier_changes(code: Key, c: App, _: Reader, limit: PageLimit = 100,
                    offset: PageOffset = 0) -> dict[str, Any]:
    return _changes(c, "carrier", code, limit, offset)


@router.post("/inventory/receipts", status_code=201)
def post_receipt(body: StockMovementIn, c: App, who: Stocker,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """With `Idempotency-Key`, a resend answers the first answer and moves nothing again."""
    movement = body.to_domain()
    if idempotency_key is None:
        return _answer(md.Answer(201, md.position_json(md.receive(c.deps, [movement])[0])))
    return _answer(md.receive_once(c.deps, movement, caller_scope(who.name), idempotency_key))


@router.post("/inventory/adjustments", status_code=201)
def post_adjustment(body: StockMovementIn, c: App, who: Stocker,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """With `Idempotency-Key`, a resend answers the first answer and moves nothing again."""
    movement = body.to_domain()
    if idempotency_key is None:
        return _answer(md.Answer(201, md.position_json(md.adjust(c.deps, movement))))
    return _answer(md.adjust_once(c.deps, movement, caller_scope(who.name), idempotency_key))


@router.get("/inventory/{sku}")
def get_inventory(sku: Key, c: App, _: Reader) -> dict[str, Any]:
    return {"sku": sku, "sites": stock_of(c.engine, sku)}


def _stored(c: Container, who: Principal, record: md.MasterRecord) -> dict[str, Any]:
    """Upsert as the caller, then answer with what was stored (normalised), not with what was
    sent."""
    md.upsert(c.deps, [record], actor=who.name, ownership=c.ownership)
    stored: dict[str, Any] = json.loads(json.dumps(asdict(record), default=str))
    return stored


def _changes(c: Container, kind: str, entity_id: str, limit: int,
             offset: int) -> dict[str, Any]:
    changes = masterdata_changes(c.engine, kind, entity_id, limit, offset)
    return {"kind": kind, "id": entity_id, "changes": changes, "count": len(changes),
            "limit": limit, "offset": offset}


def _answer(answer: md.Answer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)
