"""Order intake and the order reads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import JSONResponse

from shipshape.adapters.db import queries
from shipshape.api.deps import allowed, container
from shipshape.api.limits import Filter, PageLimit, PageOffset
from shipshape.api.schemas import IntakeOut, OrderIn
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import NotFound
from shipshape.services import intake
from shipshape.services.auth import Principal

router = APIRouter()
App = Annotated[Container, Depends(container)]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_ORDERS))]
OrderId = Annotated[str, Path(max_length=40)]


@router.post("/orders", response_model=IntakeOut, status_code=201,
             responses={200: {"model": IntakeOut, "description": "duplicate or replay"}})
def post_order(
    body: OrderIn, c: App, principal: Writer,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """`Idempotency-Key` is the caller's own (scoped by its token's name); without it the
    order's key is `<channel>:<external_id>`, shared by every path of that channel."""
    command = intake.SubmitOrder(body.to_domain(), idempotency_key,
                                 intake.caller_scope(principal.name))
    result = intake.submit_order(c.deps, command)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


@router.get("/orders")
def list_orders(
    c: App, _: Reader, customer_id: Filter = None, customer_po: Filter = None,
    status: Filter = None, limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    rows = queries.find_orders(c.engine, customer_id, customer_po, status, limit, offset)
    return {"orders": rows, "count": len(rows), "limit": limit, "offset": offset}


@router.get("/orders/{order_id}")
def get_order(order_id: OrderId, c: App, _: Reader) -> dict[str, Any]:
    order = queries.order_detail(c.engine, order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    return order


@router.get("/orders/{order_id}/events")
def get_order_events(order_id: OrderId, c: App, _: Reader) -> dict[str, Any]:
    events = queries.order_timeline(c.engine, order_id)
    if not events and queries.order_detail(c.engine, order_id) is None:
        raise NotFound(f"order {order_id} does not exist")
    return {"order_id": order_id, "events": events}
