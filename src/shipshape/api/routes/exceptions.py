"""Exception cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from shipshape.adapters.db import queries
from shipshape.api.deps import allowed, container
from shipshape.api.limits import Between, Filter, PageLimit, PageOffset, sort_query
from shipshape.api.read_models import ExceptionList, listed
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.cases import CaseStatus, Stage
from shipshape.domain.findings import Kind
from shipshape.services.auth import Principal

router = APIRouter()


@router.get("/exceptions", response_model=ExceptionList)
def list_exceptions(
    c: Annotated[Container, Depends(container)],
    _: Annotated[Principal, Depends(allowed(Permission.READ))],
    period: Between, status: CaseStatus | None = None, code: Filter = None,
    kind: Kind | None = None, stage: Stage | None = None, order_id: Filter = None,
    customer_id: Filter = None, site_id: Filter = None,
    sort: Annotated[str, sort_query(queries.EXCEPTION_SORTS)] = "-opened_at",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Exception cases, newest first, by their fields and opening time (`from`, `to`). `code`
    is open-ended: rules may add codes of their own."""
    page = queries.list_exceptions(
        c.engine, status=status, code=code, kind=kind, stage=stage, order_id=order_id,
        customer_id=customer_id, site_id=site_id, opened_from=period.start,
        opened_to=period.end, sort=sort, limit=limit, offset=offset,
        currency=c.settings.invoice_currency)
    return listed("exceptions", page)
