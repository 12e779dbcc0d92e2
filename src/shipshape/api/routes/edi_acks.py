"""Acknowledgements of what we send, over HTTP: every partner's EDI figures, a partner's
dashboard and stored documents, and the missing-acknowledgement sweep on demand."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from shipshape.adapters.db.edi_ack_queries import partner_dashboard, partner_exists
from shipshape.adapters.db.partner_queries import (
    DOCUMENT_SORTS,
    AckState,
    list_partners,
    partner_documents,
)
from shipshape.api.deps import allowed, container
from shipshape.api.limits import Filter, PageLimit, PageOffset, sort_query
from shipshape.api.partner_models import DashboardOut, PartnerDocumentList, PartnerList
from shipshape.api.read_models import listed
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import NotFound
from shipshape.services.auth import Principal
from shipshape.services.edi_ack_sweep import sweep_missing_acks

router = APIRouter()
App = Annotated[Container, Depends(container)]
Reader = Annotated[Principal, Depends(allowed(Permission.READ, every_customer=True))]
Worker = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS, every_customer=True))]


class MissingAckOut(BaseModel):
    document_id: int
    partner_id: str
    doc_type: str
    control_number: str
    case_id: str


class AckSweepOut(BaseModel):
    at: str
    missing: list[MissingAckOut]


@router.get("/partners", response_model=PartnerList)
def get_partners(c: App, _: Reader, limit: PageLimit = 100,
                 offset: PageOffset = 0) -> dict[str, Any]:
    """Every trading partner by id, each with its EDI figures as its dashboard gives them
    (without the list of its cases)."""
    now = c.deps.clock.now()
    return {**listed("partners", list_partners(c.engine, now, limit, offset)),
            "at": now.isoformat()}


@router.get("/partners/{partner_id}/dashboard", response_model=DashboardOut)
def get_dashboard(partner_id: str, c: App, _: Reader) -> dict[str, Any]:
    """A trading partner's EDI figures for the console: documents in and out by type,
    acknowledgement rate and latency, rejections, documents awaiting past their window and
    open EDI cases (counted by code, and each one, oldest first)."""
    _known(c, partner_id)
    return partner_dashboard(c.engine, partner_id, c.deps.clock.now())


@router.get("/partners/{partner_id}/documents", response_model=PartnerDocumentList)
def get_partner_documents(
    partner_id: str, c: App, _: Reader, ack_state: AckState | None = None,
    direction: Literal["in", "out"] | None = None, doc_type: Filter = None,
    sort: Annotated[str, sort_query(DOCUMENT_SORTS)] = "-created_at",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """The EDI documents stored for a partner (not their text: `shipshape partners documents
    --content`), newest first: each with where its acknowledgement stands now (`ack_state`;
    `missing` once its window has passed), its age and the case about it. `ack_state=missing`
    lists what the partner has not acknowledged in time."""
    _known(c, partner_id)
    now = c.deps.clock.now()
    page = partner_documents(c.engine, partner_id, now, ack_state=ack_state,
                             direction=direction, doc_type=doc_type, sort=sort, limit=limit,
                             offset=offset)
    return {**listed("documents", page), "partner_id": partner_id, "at": now.isoformat()}


def _known(c: Container, partner_id: str) -> None:
    if not partner_exists(c.engine, partner_id):
        raise NotFound(f"no trading partner {partner_id}")


@router.post("/edi/acknowledgements/sweep", response_model=AckSweepOut)
async def post_ack_sweep(c: App, _: Worker) -> dict[str, Any]:
    """Open `EDI_ACK_MISSING` now for each document its partner has not acknowledged within
    its window (the worker does this beside each reconciliation run)."""
    report = await run_in_threadpool(sweep_missing_acks, c.deps)
    return report.as_json()
