"""Invoices: read by anyone, credited by finance's agents (roles admin and agent)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from shipshape.adapters.channels.canonical import PROSE
from shipshape.adapters.db import queries
from shipshape.adapters.db.scope_queries import customer_of_invoice
from shipshape.api.deps import (
    allowed,
    container,
    customer_filter,
    empty_list,
    not_found_outside_scope,
)
from shipshape.api.limits import Between, Filter, PageLimit, PageOffset, sort_query
from shipshape.api.read_models import InvoiceList, listed
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.invoicing import InvoiceKind, InvoiceStatus
from shipshape.services.auth import Principal
from shipshape.services.crediting import MAX_REASON, credit_invoice

router = APIRouter()
App = Annotated[Container, Depends(container)]
Agent = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS))]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON), PROSE]


@router.get("/invoices", response_model=InvoiceList)
def list_invoices(
    c: App, who: Reader, period: Between, status: InvoiceStatus | None = None,
    kind: InvoiceKind | None = None, order_id: Filter = None, customer_id: Filter = None,
    sort: Annotated[str, sort_query(queries.INVOICE_SORTS)] = "-created_at",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Invoices and credit notes, newest first, by status, kind, order, customer and creation
    time (`from`, `to`); amounts in each invoice's currency."""
    customer = customer_filter(who, customer_id)
    if customer is False:
        return empty_list("invoices", limit, offset)
    page = queries.list_invoices(
        c.engine, status=status, kind=kind, order_id=order_id, customer_id=customer,
        created_from=period.start, created_to=period.end, sort=sort, limit=limit,
        offset=offset)
    return listed("invoices", page)


@router.post("/invoices/{invoice_id}/credit")
def post_credit(invoice_id: str, body: CreditIn, c: App, who: Agent) -> dict[str, Any]:
    """Credit the invoice and invoice its shipment again at today's contract prices."""
    if who.customer_id is not None:
        not_found_outside_scope(who, customer_of_invoice(c.engine, invoice_id),
                                f"there is no invoice {invoice_id}")
    return credit_invoice(c.deps, invoice_id, body.reason, who.name).as_json()
