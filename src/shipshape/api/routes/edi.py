"""EDI over HTTP: an X12 or EDIFACT file in, acknowledgements and orders out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shipshape.adapters.channels.receive import Standard, outcome_json, receive_file
from shipshape.api.deps import allowed, container
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services.auth import Principal

router = APIRouter()
App = Annotated[Container, Depends(container)]
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_ORDERS))]
RAW_BODY = {"requestBody": {"content": {"application/edi-x12": {"schema": {"type": "string"}},
                                        "application/edifact": {"schema": {"type": "string"}},
                                        "text/plain": {"schema": {"type": "string"}}}}}


@router.post("/edi/x12", openapi_extra=RAW_BODY)
async def post_x12(request: Request, c: App, _: Writer) -> JSONResponse:
    """One or more X12 interchanges; answers with the 997 / TA1 / 855 and the orders."""
    return await _receive(request, c, "x12")


@router.post("/edi/edifact", openapi_extra=RAW_BODY)
async def post_edifact(request: Request, c: App, _: Writer) -> JSONResponse:
    """One or more EDIFACT interchanges; answers with the CONTRL / APERAK and the orders."""
    return await _receive(request, c, "edifact")


async def _receive(request: Request, c: Container, standard: Standard) -> JSONResponse:
    raw = await request.body()
    outcome = await run_in_threadpool(receive_file, c.deps, raw, standard, c.edi_identity)
    status = 409 if outcome.all_duplicates else 201 if outcome.created else 200
    return JSONResponse(outcome_json(outcome), status_code=status)
