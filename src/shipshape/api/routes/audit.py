"""The audit trail of one subject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from shipshape.adapters.db.audit_store import audit_of
from shipshape.api.deps import allowed, container
from shipshape.api.limits import PageLimit, PageOffset
from shipshape.api.read_models import AuditList, listed
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services.auth import Principal

router = APIRouter()


@router.get("/audit", response_model=AuditList)
def list_audit(
    c: Annotated[Container, Depends(container)],
    _: Annotated[Principal, Depends(allowed(Permission.READ))],
    subject: Annotated[str, Query(min_length=1, max_length=200,
                                  description="the id of a case, an order or a wave")],
    subject_type: Annotated[str | None, Query(max_length=30,
                                              description="case, order, wave or stream")] = None,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """The audit entries about one subject, oldest first: who decided what, why, the state
    before and after, the rule version, and the hashes that chain each entry to the one before
    (`shipshape audit verify` checks the whole chain)."""
    return listed("entries", audit_of(c.engine, subject, subject_type, limit, offset))
