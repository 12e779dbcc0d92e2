"""Cancelling and amending orders: customer service work (roles admin and agent)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from shipshape.adapters.channels.canonical import JSON_INTEGER
from shipshape.adapters.db.scope_queries import customer_of_order
from shipshape.api.deps import allowed, container, not_found_outside_scope
from shipshape.api.problems import errors
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services.amendment import amend_order
from shipshape.services.auth import Principal
from shipshape.services.cancellation import MAX_REASON, cancel_order

router = APIRouter()
App = Annotated[Container, Depends(container)]
Agent = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS))]


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"reason": "customer called: no longer needed"}]})
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class LineQuantityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: Annotated[int, Field(ge=1), JSON_INTEGER]
    quantity: Annotated[int, Field(ge=0, description="0 removes the line"), JSON_INTEGER]


class AmendIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"lines": [{"line_no": 1, "quantity": 4}, {"line_no": 2, "quantity": 0}]}]})
    lines: list[LineQuantityIn] = Field(min_length=1, max_length=1000)


class CancelOut(BaseModel):
    order_id: str
    status: Literal["cancelled"]
    from_: str = Field(alias="from", description="The status the order was cancelled in")
    compensations: list[str] = Field(description="What was undone: releases, tenders, ...")
    cases_closed: list[str]


class LineChangeOut(BaseModel):
    line_no: int
    sku: str
    before: int
    after: int


class AmendOut(BaseModel):
    order_id: str
    status: str
    value: str = Field(description="The order's value after the change, a decimal as text")
    lines: list[LineChangeOut] = Field(description="Each line changed; none when none was")


@router.post("/orders/{order_id}/cancel", response_model=CancelOut, responses=errors(404, 409))
def post_cancel(order_id: str, body: CancelIn, c: App, who: Agent) -> dict[str, Any]:
    """Cancel the order with the compensation its stage needs; 409 once shipped or cancelled."""
    _within_scope(c, who, order_id)
    return cancel_order(c.deps, order_id, body.reason, who.name).as_json()


@router.patch("/orders/{order_id}", response_model=AmendOut, responses=errors(404, 409))
def patch_order(order_id: str, body: AmendIn, c: App, who: Agent) -> dict[str, Any]:
    """Change line quantities before release; 409 when released or when stock is short."""
    _within_scope(c, who, order_id)
    quantities = [(line.line_no, line.quantity) for line in body.lines]
    return amend_order(c.deps, order_id, quantities, who.name).as_json()


def _within_scope(c: Container, who: Principal, order_id: str) -> None:
    """Another customer's order, to a token scoped to one, does not exist (404)."""
    if who.customer_id is not None:
        not_found_outside_scope(who, customer_of_order(c.engine, order_id),
                                f"order {order_id} does not exist")
