"""EDI over HTTP: an X12 or EDIFACT file in, acknowledgements and orders out."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from shipshape.adapters.channels.receive import (
    BodyLimits,
    Standard,
    outcome_json,
    receive_file,
    stopped_detail,
)
from shipshape.api.deps import allowed, container
from shipshape.api.errors import problem
from shipshape.api.schemas import IntakeOut
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.services.auth import Principal

router = APIRouter()
App = Annotated[Container, Depends(container)]
# An interchange may carry several partners' orders: not for a token made for one customer.
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_ORDERS, every_customer=True))]
TEXT = {"schema": {"type": "string", "minLength": 1}}
RAW_BODY = {"requestBody": {"required": True, "content": {
    "application/edi-x12": TEXT, "application/edifact": TEXT, "text/plain": TEXT}}}


class RejectedOrderOut(BaseModel):
    """A transaction set that did not become an order, and why."""

    status: Literal["rejected"]
    error: str


class AcknowledgementOut(BaseModel):
    """A 997, TA1, 855, CONTRL or APERAK to send back, as EDI text."""

    type: str
    control_number: str
    text: str


class InterchangeOut(BaseModel):
    partner_id: str
    interchange_id: int
    duplicate: bool
    orders: list[IntakeOut | RejectedOrderOut]
    acknowledgements: list[AcknowledgementOut]
    changes: list[dict[str, Any]] = []
    """Order changes and cancellations (860, 850 BEG01 01/05, ORDCHG): per request its order,
    outcome (applied, partly_applied, held_for_desk, refused), reason, case and line verdicts."""


class EdiOut(BaseModel):
    interchanges: list[InterchangeOut]


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": EdiOut, "description": "Taken; no new order (duplicates, rejections)"},
    201: {"model": EdiOut, "description": "Taken; at least one new order"},
    409: {"model": EdiOut, "description": "Every interchange was received before"},
    503: {"description": "Taken in part (`taken`, `total`, `resume_from` say what), or the "
                         "store is unavailable"},
}


@router.post("/edi/x12", openapi_extra=RAW_BODY, response_model=EdiOut, responses=ANSWERS)
async def post_x12(request: Request, c: App, _: Writer) -> JSONResponse:
    """One or more X12 interchanges; answers with the 997 / TA1 / 855 and the orders."""
    return await _receive(request, c, "x12")


@router.post("/edi/edifact", openapi_extra=RAW_BODY, response_model=EdiOut,
             responses=ANSWERS)
async def post_edifact(request: Request, c: App, _: Writer) -> JSONResponse:
    """One or more EDIFACT interchanges; answers with the CONTRL / APERAK and the orders."""
    return await _receive(request, c, "edifact")


async def _receive(request: Request, c: Container, standard: Standard) -> JSONResponse:
    raw = await request.body()
    async with _sender_watched(request) as gone:
        limits = BodyLimits(c.settings.edi_max_interchanges, c.settings.edi_time_budget_s,
                            gone.is_set)
        outcome = await run_in_threadpool(receive_file, c.deps, raw, standard, c.edi_identity,
                                          limits=limits)
    if outcome.stopped is not None:
        stopped = outcome.stopped
        taken: dict[str, Any] = {"taken": stopped.taken, "total": stopped.total,
                                 "resume_from": stopped.resume_from, **outcome_json(outcome)}
        return problem(503, stopped_detail(stopped), **taken)
    status = 409 if outcome.all_duplicates else 201 if outcome.created else 200
    return JSONResponse(outcome_json(outcome), status_code=status)


@contextlib.asynccontextmanager
async def _sender_watched(request: Request) -> AsyncIterator[threading.Event]:
    """An event set once the client has gone, for the worker thread to read between
    interchanges; a client gone before the work starts is seen before it starts."""
    gone = threading.Event()
    if await request.is_disconnected():
        gone.set()
    watcher = asyncio.create_task(_until_disconnected(request, gone))
    try:
        yield gone
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _until_disconnected(request: Request, gone: threading.Event) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        continue
    gone.set()
