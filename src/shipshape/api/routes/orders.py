"""Order intake and the order reads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import JSONResponse

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import queries
from shipshape.adapters.db.scope_queries import customer_of_order
from shipshape.api.deps import (
    allowed,
    container,
    customer_filter,
    empty_list,
    not_found_outside_scope,
)
from shipshape.api.limits import (
    NO_CONTROL_CHARACTERS,
    Between,
    Filter,
    PageLimit,
    PageOffset,
    sort_query,
)
from shipshape.api.outcomes import http_status
from shipshape.api.read_models import OrderDetail, OrderEvents, OrderList, listed
from shipshape.api.schemas import IntakeOut
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import Forbidden, NotFound
from shipshape.domain.orders import OrderStatus
from shipshape.services import intake
from shipshape.services.auth import Principal

router = APIRouter()
App = Annotated[Container, Depends(container)]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_ORDERS))]
OrderId = Annotated[str, Path(max_length=40)]


@router.post("/orders", response_model=IntakeOut, status_code=201,
             responses={200: {"model": IntakeOut, "description": "duplicate or replay"}})
async def post_order(
    body: OrderIn, c: App, principal: Writer,
    idempotency_key: Annotated[str | None, Header(max_length=200,
                                                  pattern=NO_CONTROL_CHARACTERS)] = None,
) -> JSONResponse:
    """`Idempotency-Key` is the caller's own (scoped by its token's name); without it the
    order's key is `<channel>:<external_id>`, shared by every path of that channel. A token
    made for one customer may send that customer's orders only (else 403)."""
    if principal.customer_id is not None and body.customer_id != principal.customer_id:
        raise Forbidden(f"the token is scoped to customer {principal.customer_id}; it may not "
                        f"send orders of customer {body.customer_id}")
    command = intake.SubmitOrder(body.to_domain(), idempotency_key,
                                 intake.caller_scope(principal.name))
    result = await c.order_intake.submit(command)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse(result.body, status_code=http_status(result.outcome), headers=headers)


@router.get("/orders", response_model=OrderList)
def list_orders(
    c: App, who: Reader, period: Between, customer_id: Filter = None,
    customer_po: Filter = None,
    status: OrderStatus | None = None,
    sort: Annotated[str, sort_query(queries.ORDER_SORTS)] = "-created_at",
    limit: PageLimit = 100, offset: PageOffset = 0,
    promise: Literal["at_risk", "on_track", "none"] | None = None,
) -> dict[str, Any]:
    """Orders, newest first, by customer, PO, status, creation time (`from`, `to`) and
    promise (`at_risk`: flagged at risk; `on_track`; `none`: no promise)."""
    customer = customer_filter(who, customer_id)
    if customer is False:
        return empty_list("orders", limit, offset)
    page = queries.list_orders(
        c.engine, customer_id=customer, customer_po=customer_po, status=status,
        created_from=period.start, created_to=period.end, sort=sort, limit=limit,
        offset=offset, currency=c.settings.invoice_currency, promise=promise)
    return listed("orders", page)


@router.get("/orders/{order_id}", response_model=OrderDetail)
def get_order(order_id: OrderId, c: App, who: Reader) -> dict[str, Any]:
    """One order with its lines, reservations, cases, shipments (each with its `delivery` as
    the TMS reported it), invoices, its promise (`promised_date`; `promise`: state, projected
    delivery date, at risk since) and its `perfect_order` facts once it shipped."""
    order = queries.order_detail(c.engine, order_id, c.settings.invoice_currency,
                                 c.deps.promise, c.deps.clock.now().date())
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    not_found_outside_scope(who, order["customer_id"], f"order {order_id} does not exist")
    return order


@router.get("/orders/{order_id}/events", response_model=OrderEvents)
def get_order_events(order_id: OrderId, c: App, who: Reader) -> dict[str, Any]:
    """The order's timeline: every event written for it, oldest first, each with
    the id of the request that wrote it (none for a worker's)."""
    if who.customer_id is not None:
        not_found_outside_scope(who, customer_of_order(c.engine, order_id),
                                f"order {order_id} does not exist")
    events = queries.order_timeline(c.engine, order_id)
    if not events and queries.order_detail(c.engine, order_id) is None:
        raise NotFound(f"order {order_id} does not exist")
    return {"order_id": order_id, "events": events}
