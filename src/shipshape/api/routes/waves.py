"""Waves: release one on demand, read one back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from shipshape.adapters.db import queries
from shipshape.api.deps import allowed, container
from shipshape.api.read_models import WaveDetail
from shipshape.api.schemas import WaveIn, WaveOut
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.errors import NotFound
from shipshape.services import release
from shipshape.services.auth import Principal

router = APIRouter()
App = Annotated[Container, Depends(container)]
# A wave holds many customers' orders: not for a token made for one customer.
Reader = Annotated[Principal, Depends(allowed(Permission.READ, every_customer=True))]
Writer = Annotated[Principal, Depends(allowed(Permission.WRITE_ORDERS, every_customer=True))]


@router.post("/waves", response_model=WaveOut, status_code=201, responses={
    200: {"model": WaveOut, "description": "no order was due at the site: no wave"},
    422: {"description": "unknown site, or a limit out of range"}})
def post_wave(body: WaveIn, c: App, _: Writer) -> JSONResponse:
    """Run the pre-wave check on the orders due at the site and release those that pass;
    the others are pulled and held, each with its exception cases."""
    result = release.release_wave(c.deps, body.site_id, body.limit)
    return JSONResponse(result.as_json(), status_code=201 if result.wave_id else 200)


@router.get("/waves/{wave_id}", response_model=WaveDetail)
def get_wave(wave_id: Annotated[str, Path(max_length=40)], c: App, _: Reader) -> dict[str, Any]:
    """One wave: its released and pulled orders (with the codes and cases that pulled
    them) and its own timeline."""
    wave = queries.wave_detail(c.engine, wave_id)
    if wave is None:
        raise NotFound(f"wave {wave_id} does not exist")
    return wave
