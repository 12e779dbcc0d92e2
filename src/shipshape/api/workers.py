"""The API as each of `shipshape serve --workers N`'s processes builds it: uvicorn starts N
processes and each calls `app()`. The relay and workers run once, beside them (the engine
process), whose counters each API process adds to its `/metrics` from the file named by
`ENGINE_METRICS`. The web console keeps its sessions in one process, so these serve none."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from shipshape.adapters import logs
from shipshape.api.app import create_app
from shipshape.bootstrap import build, settle_heap

ENGINE_METRICS = "SHIPSHAPE_SERVE_ENGINE_METRICS"
"""The environment variable that names the engine process's metrics file, when there is one."""


def app() -> FastAPI:
    container = build()
    logs.configure(container.settings.log_level, container.settings.log_format)
    engine_metrics = os.environ.get(ENGINE_METRICS)
    if engine_metrics:
        container.metrics.add_from(Path(engine_metrics))
    api = create_app(container, console=False)
    settle_heap()
    return api
