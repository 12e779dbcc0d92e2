"""Exception cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from shipshape.adapters.db import queries
from shipshape.api.deps import allowed, container
from shipshape.api.limits import Filter, PageLimit, PageOffset
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services.auth import Principal

router = APIRouter()


@router.get("/exceptions")
def list_exceptions(
    c: Annotated[Container, Depends(container)],
    _: Annotated[Principal, Depends(allowed(Permission.READ))],
    status: Filter = None, code: Filter = None, order_id: Filter = None,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    rows = queries.find_exceptions(c.engine, status, code, order_id, limit, offset)
    return {"exceptions": rows, "count": len(rows), "limit": limit, "offset": offset}
