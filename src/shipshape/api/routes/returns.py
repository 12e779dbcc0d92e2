"""Returns (RMA): authorised by customer service (roles admin, supervisor and agent), read by
anyone; a token scoped to one customer sees that customer's returns only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shipshape.adapters.db import return_queries
from shipshape.adapters.db.scope_queries import customer_of_order
from shipshape.api.deps import allowed, container, not_found_outside_scope
from shipshape.api.limits import IdempotencyKey
from shipshape.api.outcomes import http_status
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import InvalidInput, NotFound
from shipshape.domain.returns import MAX_LINES, return_json
from shipshape.services.auth import Principal
from shipshape.services.intake import caller_scope
from shipshape.services.returns import MAX_QUANTITY, authorise_return

router = APIRouter()
App = Annotated[Container, Depends(container)]
Agent = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS))]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
OrderId = Annotated[str, Path(max_length=40)]
ReturnId = Annotated[str, Path(max_length=40)]


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int = Field(ge=1, le=100_000)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=MAX_LINES)
    reason: str = Field(min_length=1, max_length=40, pattern="^[A-Za-z][A-Za-z0-9_]*$")
    """A reason code the customer's return policy accepts (DAMAGED, DEFECTIVE, ...)."""


class ReturnLineOut(BaseModel):
    line_no: int
    shipment_id: str
    site: str
    sku: str
    authorised: int
    good: int
    damaged: int
    scrapped: int
    accepted: int
    credited: int
    credit_note_id: str | None
    settled: int
    """Units credited when customer service settled the return's dispute (the desk's credit)."""
    settlement_note_id: str | None


class ReturnOut(BaseModel):
    return_id: str
    order_id: str
    customer_id: str
    status: str
    reason: str
    actor: str
    lines: list[ReturnLineOut]


class ReturnList(BaseModel):
    returns: list[ReturnOut]


def _lines(body: ReturnIn) -> dict[int, int]:
    found: dict[int, int] = {}
    for line in body.lines:
        if line.line_no in found:
            raise InvalidInput(f"line {line.line_no} is named twice")
        found[line.line_no] = line.quantity
    return found


@router.post("/orders/{order_id}/returns", response_model=ReturnOut, status_code=201,
             responses={200: {"model": ReturnOut, "description": "replay"}})
def post_return(order_id: OrderId, body: ReturnIn, c: App, who: Agent,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Authorise the return of shipped units per line, for a reason code, within the
    customer's return window. With `Idempotency-Key`, a repeated request answers the first
    answer (`Idempotent-Replayed: true`) and authorises nothing again; more than is left to
    return is refused (409)."""
    message = f"there is no order {order_id}"
    not_found_outside_scope(who, customer_of_order(c.engine, order_id), message)
    answer = authorise_return(c.deps, order_id, _lines(body), body.reason, who.name,
                              caller_scope(who.name), idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=http_status(answer.outcome), headers=headers)


@router.get("/orders/{order_id}/returns", response_model=ReturnList)
def list_returns(order_id: OrderId, c: App, who: Reader) -> dict[str, Any]:
    """The order's returns, oldest first, with what came back of each line."""
    customer = customer_of_order(c.engine, order_id)
    message = f"there is no order {order_id}"
    not_found_outside_scope(who, customer, message)
    if customer is None:
        raise NotFound(message)
    return {"returns": [return_json(r)
                        for r in return_queries.returns_of_order(c.engine, order_id)]}


@router.get("/returns/{return_id}", response_model=ReturnOut)
def get_return(return_id: ReturnId, c: App, who: Reader) -> dict[str, Any]:
    """One return: its status (authorised, received, disputed, credited, cancelled) and per
    line the units authorised, received good, damaged and scrapped, accepted and credited."""
    found = return_queries.get_return(c.engine, return_id)
    message = f"there is no return {return_id}"
    not_found_outside_scope(who, found.customer_id if found else None, message)
    if found is None:
        raise NotFound(message)
    return return_json(found)
