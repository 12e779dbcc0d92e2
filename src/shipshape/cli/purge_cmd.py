"""`shipshape purge`: the retention policy, a dry run unless `--apply`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shipshape.adapters.db.retention import KINDS, SqlRetention
from shipshape.bootstrap import build
from shipshape.services.retention import PurgeReport, parse_age, purge

console = Console()


def purge_cmd(
    older_than: Annotated[str | None, typer.Option(
        "--older-than", help="age beyond which rows go: 30d, 12h, 90m "
                             "(default: SHIPSHAPE_RETENTION_DAYS)")] = None,
    apply: Annotated[bool, typer.Option(
        "--apply", help="delete; without it, only count what would be deleted")] = False,
) -> None:
    """Remove idempotency keys, inbox rows, delivered outbox rows and EDI documents older than
    the retention age. Outbox rows still owed to a consumer, and the inbox rows of their events,
    are kept whatever their age."""
    container = build(migrate="embedded")
    try:
        age = (parse_age(older_than) if older_than is not None
               else timedelta(days=container.settings.retention_days))
        report = purge(SqlRetention(container.engine), container.deps.clock.now(), age, apply)
    finally:
        container.close()
    print_report(report)


def print_report(report: PurgeReport) -> None:
    verb = "removed" if report.applied else "would remove"
    table = Table(title=f"older than {report.cutoff.isoformat(timespec='seconds')}",
                  title_justify="left")
    table.add_column("kind")
    table.add_column(verb, justify="right")
    for kind in KINDS:
        table.add_row(kind, str(report.rows.get(kind, 0)))
    console.print(table)
    if not report.applied:
        console.print("dry run: nothing was deleted; run again with --apply to delete")
