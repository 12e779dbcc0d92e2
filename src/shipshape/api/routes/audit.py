"""The audit trail of one subject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from shipshape.adapters.db.audit_store import audit_of
from shipshape.adapters.db.scope_queries import customer_of_case, customer_of_order
from shipshape.api.deps import allowed, container
from shipshape.api.limits import PageLimit, PageOffset
from shipshape.api.read_models import AuditList, listed
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import NotFound
from shipshape.services.auth import Principal

router = APIRouter()


@router.get("/audit", response_model=AuditList)
def list_audit(
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(allowed(Permission.READ))],
    subject: Annotated[str, Query(min_length=1, max_length=200,
                                  description="the id of a case, an order or a wave")],
    subject_type: Annotated[str | None, Query(max_length=30,
                                              description="case, order, wave or stream")] = None,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """The audit entries about one subject, oldest first: who decided what, why, the state
    before and after, the rule version, and the hashes that chain each entry to the one before
    (`shipshape audit verify` checks the whole chain). A token made for one customer reads
    the entries of that customer's orders and cases only; any other subject answers 404."""
    if who.customer_id is not None:
        subject_type = _own_subject_type(c, who.customer_id, subject, subject_type)
    return listed("entries", audit_of(c.engine, subject, subject_type, limit, offset))


def _own_subject_type(c: Container, customer_id: str, subject: str,
                      subject_type: str | None) -> str:
    """The type of `subject` when it is an order or a case of `customer_id`, else 404."""
    if subject_type in (None, "order") and customer_of_order(c.engine, subject) == customer_id:
        return "order"
    if subject_type in (None, "case") and customer_of_case(c.engine, subject) == customer_id:
        return "case"
    raise NotFound(f"no audit entries about {subject} for customer {customer_id}")
