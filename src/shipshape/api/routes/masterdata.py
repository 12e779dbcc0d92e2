"""Master data upserts and stock movements."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from shipshape.adapters.db.queries import stock_of
from shipshape.api.deps import allowed, container
from shipshape.api.schemas import CarrierIn, CustomerIn, ItemIn, PriceIn, SiteIn, StockMovementIn
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services import masterdata as md
from shipshape.services.auth import Principal

router = APIRouter()
Key = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-]+$")]
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_MASTERDATA))]
Stocker = Annotated[Principal, Depends(allowed(Permission.WRITE_INVENTORY))]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
App = Annotated[Container, Depends(container)]


@router.put("/sites/{site_id}")
def put_site(site_id: Key, body: SiteIn, c: App, _: Writer) -> dict[str, Any]:
    return _stored(c, body.to_domain(site_id))


@router.put("/customers/{customer_id}")
def put_customer(customer_id: Key, body: CustomerIn, c: App, _: Writer) -> dict[str, Any]:
    return _stored(c, body.to_domain(customer_id))


@router.put("/items/{sku}")
def put_item(sku: Key, body: ItemIn, c: App, _: Writer) -> dict[str, Any]:
    return _stored(c, body.to_domain(sku))


@router.put("/prices/{customer_id}/{sku}")
def put_price(customer_id: Key, sku: Key, body: PriceIn, c: App, _: Writer) -> dict[str, Any]:
    return _stored(c, body.to_domain(customer_id, sku))


@router.put("/carriers/{code}")
def put_carrier(code: Key, body: CarrierIn, c: App, _: Writer) -> dict[str, Any]:
    return _stored(c, body.to_domain(code))


@router.post("/inventory/receipts", status_code=201)
def post_receipt(body: StockMovementIn, c: App, _: Stocker) -> dict[str, Any]:
    position = md.receive(c.deps, [body.to_domain()])[0]
    return _position(position)


@router.post("/inventory/adjustments", status_code=201)
def post_adjustment(body: StockMovementIn, c: App, _: Stocker) -> dict[str, Any]:
    return _position(md.adjust(c.deps, body.to_domain()))


@router.get("/inventory/{sku}")
def get_inventory(sku: Key, c: App, _: Reader) -> dict[str, Any]:
    return {"sku": sku, "sites": stock_of(c.engine, sku)}


def _stored(c: Container, record: md.MasterRecord) -> dict[str, Any]:
    """Upsert, then answer with what was stored (normalised), not with what was sent."""
    md.upsert(c.deps, [record])
    stored: dict[str, Any] = json.loads(json.dumps(asdict(record), default=str))
    return stored


def _position(p: Any) -> dict[str, Any]:
    return {"site": p.site, "sku": p.sku, "on_hand": p.on_hand, "reserved": p.reserved,
            "available": p.available}
