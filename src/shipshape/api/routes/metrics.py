"""Prometheus metrics (`GET /metrics`, at the root, outside /api/v1); needs no token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, Response

from shipshape.api.deps import container
from shipshape.bootstrap import Container

router = APIRouter()


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {
    "description": "The Prometheus text exposition format",
    "content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics(c: Annotated[Container, Depends(container)]) -> Response:
    """Outbox lag, events published and consumed, retries, dead letters, connector calls, in the
    Prometheus text format."""
    body, content_type = c.metrics.render()
    return Response(body, media_type=content_type)
