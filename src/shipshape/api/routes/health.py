"""Liveness and the store's state; needs no token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from shipshape.adapters.db.migrate import current_revision, head_revision
from shipshape.api.deps import container
from shipshape.bootstrap import Container

router = APIRouter()


@router.get("/health")
def health(c: Annotated[Container, Depends(container)]) -> Any:
    try:
        revision = current_revision(c.engine)
        store: dict[str, Any] = {"ok": revision == head_revision(), "revision": revision,
                                 "backend": c.engine.dialect.name}
    except Exception as error:  # health must report, not raise
        store = {"ok": False, "error": str(error)}
    body = {"status": "ok" if store["ok"] else "degraded", "store": store}
    return JSONResponse(body, status_code=200 if store["ok"] else 503)
