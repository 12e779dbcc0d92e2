"""`shipshape audit verify`: check the audit chain; `shipshape audit of SUBJECT`: the entries
about one case, order or wave."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console

from shipshape.adapters.db.audit_store import audit_chain, audit_of
from shipshape.bootstrap import Container
from shipshape.cli import exit_codes
from shipshape.cli.output import Listing, OutputFormat, OutputOption, emit
from shipshape.cli.reading import read
from shipshape.domain.audit import Break, ChainedEntry, first_break

console = Console()
app = typer.Typer(help="The audit trail: verify its chain, read the entries about a subject.",
                  no_args_is_help=True)
ENTRY_COLUMNS = ("id", "at", "actor", "action", "subject_type", "subject_id", "cause",
                 "rule_version")


@app.command("verify")
def verify_cmd() -> None:
    """Check every entry against its hash and the one before it: exit 0 when the chain holds,
    1 naming the first entry that was changed, deleted or put in."""
    broken, count = read(_verify)
    if broken is not None:
        console.print(f"[red]the audit chain is broken[/] at {broken}")
        raise typer.Exit(exit_codes.FAILURE)
    console.print(f"the audit chain holds: {count} entries")


@app.command("of")
def of_cmd(
    subject: Annotated[str, typer.Argument(help="the id of a case, an order or a wave")],
    subject_type: Annotated[str | None, typer.Option(
        "--type", help="case, order, wave or stream (default: any)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The audit entries about one subject, oldest first."""
    page = read(lambda c: audit_of(c.engine, subject, subject_type, limit, offset))
    emit(Listing("entries", page.rows, ENTRY_COLUMNS, ids=("id",), total=page.total), output)


def _verify(container: Container) -> tuple[Break | None, int]:
    seen = [0]

    def counted() -> Iterator[ChainedEntry]:
        for entry in audit_chain(container.engine):
            seen[0] += 1
            yield entry

    return first_break(counted()), seen[0]
