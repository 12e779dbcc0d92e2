"""The FastAPI application, built around a container from the composition root."""

from __future__ import annotations

from fastapi import FastAPI

from shipshape import __version__
from shipshape.api import errors
from shipshape.api.limits import BodySizeLimit
from shipshape.api.routes import (
    edi,
    events,
    exceptions,
    health,
    invoices,
    masterdata,
    metrics,
    order_changes,
    orders,
    reconciliation,
    waves,
)
from shipshape.bootstrap import Container

PREFIX = "/api/v1"


def create_app(container: Container) -> FastAPI:
    app = FastAPI(title="Shipshape", version=__version__,
                  description="Exception-resistant fulfillment orchestration")
    app.state.container = container
    errors.install(app)
    for module in (health, masterdata, orders, exceptions, edi, events, waves):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(order_changes.router, prefix=PREFIX)
    app.include_router(reconciliation.router, prefix=PREFIX)
    app.include_router(invoices.router, prefix=PREFIX)
    app.include_router(metrics.router)
    app.add_middleware(BodySizeLimit, max_bytes=container.settings.max_body_bytes,
                       larger={f"{PREFIX}/edi/": container.settings.max_edi_body_bytes})
    return app
