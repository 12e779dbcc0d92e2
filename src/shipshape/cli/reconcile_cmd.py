"""`shipshape reconcile` (shipped vs invoiced vs the ERP) and `shipshape check` (the store's
consistency conditions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shipshape.bootstrap import Container, build, reconcile_policy, settle_deliveries
from shipshape.domain.consistency import Violation
from shipshape.services.consistency import check_consistency
from shipshape.services.delivery import accounting as delivery
from shipshape.services.reconciliation import ReconciliationReport, reconcile

console = Console()


def reconcile_cmd(
    no_repair: Annotated[bool, typer.Option(
        "--no-repair", help="report what could be repaired instead of repairing it")] = False,
    json_path: Annotated[Path | None, typer.Option(
        "--json", dir_okay=False, help="also write the report as JSON to this file")] = None,
) -> None:
    """Compare what shipped, what was invoiced and what the ERP says: issue missing invoices,
    post unacknowledged ones again (each once) and open exception cases for the rest."""
    container = build(migrate="embedded")
    try:
        policy = reconcile_policy(container.settings, not no_repair)
        report = reconcile(container.deps, policy)
    finally:
        container.close()
    if json_path is not None:
        json_path.write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
    print_report(report)


def print_report(report: ReconciliationReport) -> None:
    if report.findings:
        table = Table(title=f"reconciliation {report.run_id}", title_justify="left")
        for column in ("code", "order", "shipment", "invoice", "action", "case", "message"):
            table.add_column(column, overflow="fold")
        for i in report.findings:
            table.add_row(i.code, i.order_id, i.shipment_id or "", i.invoice_id or "",
                          i.action.value, i.case_id or "", i.message)
        console.print(table)
    counted = ", ".join(f"{code} {n}" for code, n in report.totals.items() if n)
    actions = ", ".join(f"{action} {n}" for action, n in sorted(report.actions.items()))
    console.print(f"{len(report.findings)} findings" + (f": {counted} ({actions})" if counted
                                                      else ": shipped, invoiced and the ERP "
                                                      "agree"))


def check_cmd() -> None:
    """Check the store's consistency conditions, and that every event written was published
    and applied within SHIPSHAPE_DELIVERY_MAX_LAG_S; the exit status is 1 if any is violated."""
    container = build(migrate="embedded")
    try:
        violations = check_consistency(container.deps) + delivery_violations(container)
        waiting = container.delivery_debt()
    finally:
        container.close()
    if waiting.unsent or waiting.unapplied:
        console.print(f"waiting: {waiting.unsent} events wait to be published and "
                      f"{len(waiting.unapplied)} to be applied, the oldest for "
                      f"{waiting.age_s(datetime.now(UTC)):.0f} s")
    if not violations:
        console.print("OK: every consistency condition holds")
        return
    print_violations(violations)
    raise typer.Exit(1)


def delivery_violations(container: Container) -> list[Violation]:
    """Condition 6: nothing written or published waits longer than the stated lag."""
    settle_deliveries(container)()
    debt = container.delivery_debt()
    return delivery.violations(debt, datetime.now(UTC), container.settings.delivery_max_lag_s)


def print_violations(violations: list[Violation]) -> None:
    table = Table(title=f"{len(violations)} consistency violations", title_justify="left")
    for column in ("check", "subject", "what is wrong"):
        table.add_column(column, overflow="fold")
    for v in violations:
        table.add_row(f"{v.check} {v.check_name}", v.subject, v.message)
    console.print(table)
