"""Cancelling and amending orders: customer service work (roles admin and agent)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from shipshape.api.deps import allowed, container
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services.amendment import amend_order
from shipshape.services.auth import Principal
from shipshape.services.cancellation import MAX_REASON, cancel_order

router = APIRouter()
App = Annotated[Container, Depends(container)]
Agent = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS))]


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class LineQuantityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: int = Field(ge=1)
    quantity: int = Field(ge=0, description="0 removes the line")


class AmendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[LineQuantityIn] = Field(min_length=1, max_length=1000)


@router.post("/orders/{order_id}/cancel")
def post_cancel(order_id: str, body: CancelIn, c: App, who: Agent) -> dict[str, Any]:
    """Cancel the order with the compensation its stage needs; 409 once shipped or cancelled."""
    return cancel_order(c.deps, order_id, body.reason, who.name).as_json()


@router.patch("/orders/{order_id}")
def patch_order(order_id: str, body: AmendIn, c: App, who: Agent) -> dict[str, Any]:
    """Change line quantities before release; 409 when released or when stock is short."""
    quantities = [(line.line_no, line.quantity) for line in body.lines]
    return amend_order(c.deps, order_id, quantities, who.name).as_json()
