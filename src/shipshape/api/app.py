"""The FastAPI application, built around a container from the composition root."""

from __future__ import annotations

import hashlib

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from shipshape import __version__
from shipshape.api import errors, openapi
from shipshape.api.access_log import AccessLog
from shipshape.api.limits import BodySizeLimit, refuse_unknown_query
from shipshape.api.routes import (
    as2,
    audit,
    cases_text,
    customers,
    edi,
    edi_acks,
    events,
    exceptions,
    health,
    invoices,
    kpis,
    masterdata,
    metrics,
    order_changes,
    orders,
    recommendations,
    reconciliation,
    returns,
    waves,
)
from shipshape.bootstrap import Container

PREFIX = "/api/v1"
ROUTERS = ((health, "operations"), (masterdata, "master data"), (orders, "orders"),
           (exceptions, "exceptions"), (cases_text, "exceptions"),
           (recommendations, "exceptions"),
           (edi, "edi"), (as2, "edi"), (edi_acks, "edi"), (events, "system events"),
           (waves, "waves"), (order_changes, "order changes"),
           (reconciliation, "reconciliation"), (invoices, "invoices"), (audit, "audit"),
           (customers, "customer communication"), (returns, "returns"), (kpis, "kpis"))
"""Each router under /api/v1 with its tag in the OpenAPI document (see `openapi.TAGS`)."""


def create_app(container: Container, *, console: bool = False) -> FastAPI:
    """The API; with `console`, the web console at /console too (`shipshape serve` asks for
    it; NiceGUI's state is global, so one process mounts it once)."""
    # FastAPIOffline serves /docs and /redoc with their scripts bundled: no CDN is needed,
    # and no online validator is asked about the document.
    app = FastAPIOffline(title="Shipshape", version=__version__,
                         description="Exception-resistant fulfillment orchestration",
                         swagger_ui_parameters={"validatorUrl": None},
                         dependencies=[Depends(refuse_unknown_query)])
    app.state.container = container
    errors.install(app)
    for module, tag in ROUTERS:
        app.include_router(module.router, prefix=PREFIX, tags=[tag])
    app.include_router(metrics.router, tags=["operations"])
    openapi.install(app)
    if console:
        from shipshape.console import mount

        mount(app, storage_secret=hashlib.sha256(
            b"console-session:" + container.settings.secret_key.encode()).hexdigest(),
            identify=container.tokens.authenticate)
    app.add_middleware(BodySizeLimit, max_bytes=container.settings.max_body_bytes,
                       larger={f"{PREFIX}/edi/": container.settings.max_edi_body_bytes})
    app.add_middleware(AccessLog)  # outermost: it sees every answer, the refusals too
    return app
