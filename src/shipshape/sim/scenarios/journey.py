"""The demo's third part: release to cash. A wave per site goes to a simulated WMS that picks and
ships (and now and then picks short), a simulated TMS whose UPS ground desk refuses every tender,
a simulated ERP that fails and refuses now and then; then reconciliation looks behind it all."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from shipshape.adapters.db import delivery_queries, queries
from shipshape.adapters.db.reconcile_queries import wave_journeys
from shipshape.bootstrap import Container, start_relay_thread
from shipshape.domain.stalls import Journey
from shipshape.services.reconciliation import ReconciliationReport, reconcile
from shipshape.services.release import WaveResult, release_due_waves
from shipshape.sim.scenarios.systems import ScenarioSystem
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.worker import Worker

DEMO_WMS = ScenarioSystem(SimulationSettings(short_pick_nth=[3, 40, 90, 170, 260], seed=11))
"""A WMS that picks five orders short."""
DEMO_TMS = ScenarioSystem(SimulationSettings(
    reject_when={"tender": {"carrier_service": ["UPS:GND"]}}, seed=13,
    delivery_late_rate=0.05, late_days=20, delivery_failure_rate=0.02,
    delivery_damage_rate=0.02, delivery_short_rate=0.01))
"""A TMS whose UPS ground desk refuses every tender: those orders go to the next carrier. It
tracks every shipment to the customer's door: a few arrive late, fail, damaged or short."""
WAVE_LIMIT = 250
STALL_S = 60.0
"""Seconds without a new event, while orders are unsettled, after which the journey stalled
(the demo's `--stall-after`)."""
WAIT_S = 600.0
POLL_S = 0.25


def release_to_cash(container: Container, console: Console, stall_s: float = STALL_S) -> bool:
    """Release a wave at every site, let the worker carry the orders to cash, then reconcile,
    and say what happened. False when the journey stalled: an order neither paid, cancelled
    nor waiting with a blocking case or for its next wave."""
    waves = release_due_waves(container.deps, WAVE_LIMIT)
    wave_ids = [r.wave_id for r in waves.values() if isinstance(r, WaveResult) and r.wave_id]
    stop_relay = start_relay_thread(container)
    stop = threading.Event()
    worker = Worker(container)
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        journeys = _wait_until_settled(container, console, wave_ids, stall_s)
    finally:
        stop.set()
        thread.join(30)
        stop_relay()
    console.print(_journey_table(container, journeys))
    console.print(_report_table(reconcile(container.deps)))
    return _stalled(console, journeys)


def _wait_until_settled(container: Container, console: Console, wave_ids: list[str],
                        stall_s: float) -> list[Journey]:
    """Until every released order is settled and every event applied; or until nothing has
    happened for `stall_s`, or `WAIT_S` has passed. Returns where the orders stand."""
    deadline = time.monotonic() + WAIT_S
    last, moved_at = -1, time.monotonic()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("release to cash: orders settled", total=None)
        while True:
            journeys = wave_journeys(container.engine, wave_ids)
            settled = sum(1 for j in journeys if j.settled)
            progress.update(task, total=len(journeys), completed=settled)
            activity = queries.event_count(container.engine)
            if activity != last:
                last, moved_at = activity, time.monotonic()
            quiet = time.monotonic() - moved_at
            if settled == len(journeys) and _all_applied(container):
                return journeys
            if quiet >= stall_s or time.monotonic() >= deadline:
                return journeys
            time.sleep(POLL_S)


def _all_applied(container: Container) -> bool:
    debt = container.delivery_debt()
    return debt.unsent == 0 and not debt.unapplied


def _stalled(console: Console, journeys: list[Journey]) -> bool:
    stuck = [j for j in journeys if not j.settled]
    if not stuck:
        return True
    by_status = Counter(j.status for j in stuck)
    console.print(f"[red]the journey stalled:[/] {len(stuck)} released orders neither paid nor "
                  "waiting with a case (" + ", ".join(f"{n} {s}" for s, n in
                                                      sorted(by_status.items()))
                  + f"), e.g. {', '.join(j.order_id for j in stuck[:3])}; `shipshape "
                  "reconcile` opens a case for each once it has waited past "
                  "SHIPSHAPE_RECONCILE_STALL_TIMEOUT_S", soft_wrap=True)
    return False


def _journey_table(container: Container, journeys: list[Journey]) -> Table:
    statuses = Counter(j.status for j in journeys)
    waiting = Counter(j.status for j in journeys if j.due_in_a_wave and not j.open_case)
    stopped = Counter(j.status for j in journeys if j.open_case)
    cases = queries.open_cases_by_code(container.engine)
    table = Table(title=f"Release to cash: {len(journeys)} orders released in waves")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, Callable[[], object]]] = [
        ("orders closed (invoiced, booked by the ERP and paid)", lambda: statuses["closed"]),
        ("orders invoiced, not paid yet", lambda: statuses["invoiced"]),
        ("orders shipped, invoice not booked", lambda: statuses["shipped"]),
        ("orders released, their part at another site waiting for that site's next wave",
         lambda: waiting["released"]),
        ("orders released and stopped by a case (e.g. a short pick backordered)",
         lambda: stopped["released"]),
        ("orders picked, no carrier took them", lambda: statuses["picked"]),
        ("tenders refused by the carrier (next carrier used)",
         lambda: queries.tender_outcomes(container.engine).get("rejected", 0)),
        *_delivery_rows(container),
        *[(f"open {code} cases", lambda code=code: cases[code]) for code in sorted(cases)
          if code in RELEASE_TO_CASH_CODES]]
    for label, count in rows:
        table.add_row(label, str(count()))
    return table


RELEASE_TO_CASH_CODES = frozenset({
    "STALE_RESERVATION", "CREDIT_HOLD_AFTER_RELEASE", "SHORT_PICK", "LOT_NONCOMPLIANT",
    "CARRIER_TENDER_FAILED", "SHORT_SHIPMENT", "INVOICE_POST_FAILED", "INTEGRATION_FAILURE",
    "EDI_DOCUMENT_FAILED", "DELIVERY_FAILED", "DELIVERED_LATE", "DAMAGED_ON_DELIVERY",
    "SHORT_ON_DELIVERY"})


def _delivery_rows(container: Container) -> list[tuple[str, Callable[[], object]]]:
    """What the TMS reported of the shipments (read once)."""
    totals = delivery_queries.delivery_totals(container.engine)
    return [("shipments delivered to the customer", lambda: totals["delivered"]),
            ("orders delivered late (after the promised date)", lambda: totals["late"]),
            ("shipments in transit or not yet reported by the TMS",
             lambda: totals["in_transit"] + totals["shipped"]),
            ("deliveries failed", lambda: totals["failed"]),
            ("shipments delivered damaged / short",
             lambda: f"{totals['damaged']} / {totals['short']}")]


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
