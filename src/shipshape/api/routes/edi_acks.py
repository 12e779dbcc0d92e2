"""Acknowledgements of what we send, over HTTP: the partner dashboard and the missing-
acknowledgement sweep on demand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shipshape.adapters.db.edi_ack_queries import partner_dashboard, partner_exists
from shipshape.api.deps import allowed, container
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import NotFound
from shipshape.services.auth import Principal
from shipshape.services.edi_ack_sweep import sweep_missing_acks

router = APIRouter()
App = Annotated[Container, Depends(container)]
Reader = Annotated[Principal, Depends(allowed(Permission.READ, every_customer=True))]
Worker = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS, every_customer=True))]


class DashboardOut(BaseModel):
    partner_id: str
    at: str = Field(description="ISO 8601: the moment the figures are for")
    documents: dict[str, dict[str, int]] = Field(
        description="Documents received (`in`) and sent (`out`), counted by type")
    expecting_acknowledgement: int
    acknowledged: int
    acknowledgement_rate: float | None = Field(description="acknowledged / expecting; null "
                                                           "when nothing expects one")
    latency_p50_s: float | None
    latency_p90_s: float | None
    rejected: int
    awaiting_past_window: int
    open_cases: dict[str, int] = Field(description="Open EDI cases of the partner by code")


class MissingAckOut(BaseModel):
    document_id: int
    partner_id: str
    doc_type: str
    control_number: str
    case_id: str


class AckSweepOut(BaseModel):
    at: str
    missing: list[MissingAckOut]


@router.get("/partners/{partner_id}/dashboard", response_model=DashboardOut)
def get_dashboard(partner_id: str, c: App, _: Reader) -> dict[str, Any]:
    """A trading partner's EDI figures for the console: documents in and out by type,
    acknowledgement rate and latency, rejections, documents awaiting past their window and
    open EDI cases."""
    if not partner_exists(c.engine, partner_id):
        raise NotFound(f"no trading partner {partner_id}")
    return partner_dashboard(c.engine, partner_id, c.deps.clock.now())


@router.post("/edi/acknowledgements/sweep", response_model=AckSweepOut)
async def post_ack_sweep(c: App, _: Worker) -> dict[str, Any]:
    """Open `EDI_ACK_MISSING` now for each document its partner has not acknowledged within
    its window (the worker does this beside each reconciliation run)."""
    report = await run_in_threadpool(sweep_missing_acks, c.deps)
    return report.as_json()
