"""Reconciliation on demand: shipped vs invoiced vs the ERP, for those who work exceptions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from shipshape.api.deps import allowed, container
from shipshape.bootstrap import Container, reconcile_policy
from shipshape.domain.access import Permission
from shipshape.services.auth import Principal
from shipshape.services.reconciliation import reconcile

router = APIRouter()


class ReconciledOut(BaseModel):
    code: str = Field(description="The discrepancy, e.g. `SHIPPED_NOT_INVOICED`")
    order_id: str | None
    shipment_id: str | None
    invoice_id: str | None
    message: str
    action: str = Field(description="repaired, case opened, known case, reported, "
                                    "awaiting the ERP")
    case_id: str | None


class ReconciliationOut(BaseModel):
    run_id: str
    ran_at: str = Field(description="ISO 8601")
    repair: bool
    findings: list[ReconciledOut]
    totals: dict[str, int] = Field(description="Findings per code, every code named")
    actions: dict[str, int] = Field(description="Findings per action taken")
App = Annotated[Container, Depends(container)]
Worker = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS, every_customer=True))]


@router.post("/reconciliation", response_model=ReconciliationOut)
def post_reconciliation(c: App, _: Worker, repair: bool = True) -> dict[str, Any]:
    """Run a reconciliation now and return its report: each finding with the action taken
    (repaired, case opened, known case, ...) and the totals per code. `repair=false` reports
    what it would repair instead."""
    policy = reconcile_policy(c.settings, repair)
    return reconcile(c.deps, policy).as_json()
