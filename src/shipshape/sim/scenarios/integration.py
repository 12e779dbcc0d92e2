"""The demo's second half: the day's orders mirrored to a simulated ERP that misbehaves."""

from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from shipshape.adapters.db import queries
from shipshape.bootstrap import Container
from shipshape.config import ConnectorSettings
from shipshape.domain.catalogue import OrderAccepted, OrderHeld
from shipshape.services.delivery.outbound import ERP_ORDER_MIRROR
from shipshape.services.delivery.relay import relay_pending
from shipshape.sim.scenarios.systems import ScenarioSystem
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.worker import Worker

DEMO_ERP = ScenarioSystem(
    SimulationSettings(failure_rate=0.05, reject_rate=0.005, seed=7, pays_invoices=True),
    ConnectorSettings(kind="simulated", max_attempts=3, first_delay_s=0.005, max_delay_s=0.02,
                      jitter_s=0.005))
"""An ERP with 5 % transient failures (retried) and 0.5 % rejections (dead letters), whose
customers pay every invoice it books at once."""
WAIT_S = 300.0


def mirror_to_erp(container: Container, console: Console) -> None:
    """Relay the outbox and run the worker until every accepted or held order reached the ERP
    or the dead letters, then say what happened."""
    relayed = relay_pending(container.deps, container.transport)
    stop = threading.Event()
    worker = Worker(container, [ERP_ORDER_MIRROR])
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait(container, console)
    finally:
        stop.set()
        thread.join(30)
    console.print(_summary(container, relayed, worker))
    console.print("the simulated ERP failed 5 % of the calls for a moment (retried) and "
                  "rejected 0.5 % (dead letters: `shipshape dlq list`, then "
                  "`shipshape dlq replay --all`)")


def _wait(container: Container, console: Console) -> None:
    deadline = time.monotonic() + WAIT_S
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("mirroring orders to the ERP", total=None)
        while time.monotonic() < deadline:
            total, done = _progress(container)
            progress.update(task, total=total, completed=done)
            if done >= total:
                return
            time.sleep(0.2)


def _progress(container: Container) -> tuple[int, int]:
    return queries.consumer_progress(container.engine, ERP_ORDER_MIRROR,
                                     (OrderAccepted.TYPE, OrderHeld.TYPE))


def _summary(container: Container, relayed: int, worker: Worker) -> Table:
    result = worker.tally.result
    retries = container.metrics.registry.get_sample_value(
        "shipshape_connector_retries_total", {"system": "erp", "operation": "order_mirror"})
    table = Table(title="Orders mirrored to a simulated ERP")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
            ("events relayed from the outbox", relayed),
            ("orders mirrored to the ERP", result.applied),
            ("ERP calls retried after a transient failure", int(retries or 0)),
            ("dead letters (INTEGRATION_FAILURE cases)", result.dead_lettered),
            ("events the ERP mirror does not act on (acked)", result.skipped)):
        table.add_row(label, str(value))
    return table
