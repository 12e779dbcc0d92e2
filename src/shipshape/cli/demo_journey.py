"""The demo's third part: release to cash. A wave per site goes to a simulated WMS that picks and
ships (and now and then picks short), a simulated TMS whose UPS ground desk refuses every tender,
a simulated ERP that fails and refuses now and then; then reconciliation looks behind it all."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from shipshape.adapters.db import queries
from shipshape.bootstrap import Container, start_relay_thread
from shipshape.config import ConnectorSettings
from shipshape.services.reconciliation import ReconciliationReport, reconcile
from shipshape.services.release import WaveResult, release_due_waves
from shipshape.worker import Worker

DEMO_WMS = ConnectorSettings(short_pick_nth=[3, 40, 90, 170, 260], seed=11)
"""A WMS that picks five orders short."""
DEMO_TMS = ConnectorSettings(reject_when={"tender": {"carrier_service": ["UPS:GND"]}}, seed=13)
"""A TMS whose UPS ground desk refuses every tender: those orders go to the next carrier."""
WAVE_LIMIT = 250
QUIET_S = 2.0
WAIT_S = 300.0


def release_to_cash(container: Container, console: Console) -> None:
    """Release a wave at every site, let the worker carry the orders to their invoices, then
    reconcile, and say what happened."""
    waves = release_due_waves(container.deps, WAVE_LIMIT)
    released = len({order_id for r in waves.values() if isinstance(r, WaveResult)
                    for order_id in r.released})
    stop_relay = start_relay_thread(container)
    stop = threading.Event()
    worker = Worker(container)
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait_until_quiet(container, console, released)
    finally:
        stop.set()
        thread.join(30)
        stop_relay()
    console.print(_journey_table(container, released))
    console.print(_report_table(reconcile(container.deps)))


def _wait_until_quiet(container: Container, console: Console, released: int) -> None:
    """Until nothing has happened for `QUIET_S` (every order as far as it can go)."""
    deadline = time.monotonic() + WAIT_S
    last, quiet_since = -1, time.monotonic()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("release to cash: orders paid", total=released)
        while time.monotonic() < deadline:
            activity = queries.event_count(container.engine)
            closed = queries.orders_by_status(container.engine).get("closed", 0)
            progress.update(task, completed=closed)
            if activity != last:
                last, quiet_since = activity, time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_S:
                return
            time.sleep(0.2)


def _journey_table(container: Container, released: int) -> Table:
    statuses = queries.orders_by_status(container.engine)
    cases = queries.open_cases_by_code(container.engine)
    table = Table(title=f"Release to cash: {released} orders released in waves")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, Callable[[], int]]] = [
        ("orders closed (invoiced, booked by the ERP and paid)",
         lambda: statuses.get("closed", 0)),
        ("orders invoiced, not paid yet", lambda: statuses.get("invoiced", 0)),
        ("orders shipped, invoice not booked", lambda: statuses.get("shipped", 0)),
        ("orders still released (a short pick backordered, or another site's wave to come)",
         lambda: statuses.get("released", 0)),
        ("orders picked, no carrier took them", lambda: statuses.get("picked", 0)),
        ("tenders refused by the carrier (next carrier used)",
         lambda: queries.tender_outcomes(container.engine).get("rejected", 0)),
        *[(f"open {code} cases", lambda code=code: cases[code]) for code in sorted(cases)
          if code in RELEASE_TO_CASH_CODES]]
    for label, count in rows:
        table.add_row(label, str(count()))
    return table


RELEASE_TO_CASH_CODES = frozenset({
    "STALE_RESERVATION", "CREDIT_HOLD_AFTER_RELEASE", "SHORT_PICK", "LOT_NONCOMPLIANT",
    "CARRIER_TENDER_FAILED", "SHORT_SHIPMENT", "INVOICE_POST_FAILED", "INTEGRATION_FAILURE",
    "EDI_DOCUMENT_FAILED"})


def _report_table(report: ReconciliationReport) -> Table:
    """Findings grouped by code and action, with one example each."""
    groups: dict[tuple[str, str], list[str]] = {}
    for item in report.findings:
        groups.setdefault((item.code, item.action.value), []).append(item.message)
    table = Table(title="Reconciliation: shipments vs invoices vs the ERP")
    for column in ("code", "action", "findings", "for example"):
        table.add_column(column, justify="right" if column == "findings" else "left")
    for (code, action), messages in sorted(groups.items()):
        table.add_row(code, action, str(len(messages)), messages[0])
    if not groups:
        table.add_row("-", "", "0", "every shipment invoiced once and booked by the ERP")
    return table
