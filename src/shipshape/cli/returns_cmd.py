"""`shipshape returns authorise|list|show`: customer service's returns (RMA)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from shipshape.adapters.db import return_queries
from shipshape.bootstrap import build
from shipshape.cli.output import Listing, OutputFormat, OutputOption, emit, emit_record
from shipshape.cli.reading import found, read
from shipshape.domain.errors import InvalidInput
from shipshape.domain.returns import return_json
from shipshape.services.returns import authorise_return

app = typer.Typer(help="Returns (RMA): authorise, list or show.", no_args_is_help=True)

LIST_COLUMNS = ("return_id", "status", "reason", "units", "credited", "actor")


def parse_lines(lines: list[str]) -> dict[int, int]:
    """`LINE=QUANTITY` each (`1=2`), every line once."""
    parsed: dict[int, int] = {}
    for text in lines:
        line, _, quantity = text.partition("=")
        if not (line.strip().isdigit() and quantity.strip().isdigit()):
            raise InvalidInput(f"--line takes LINE=QUANTITY (e.g. 1=2), not {text!r}")
        if int(line) in parsed:
            raise InvalidInput(f"line {int(line)} is named twice")
        parsed[int(line)] = int(quantity)
    return parsed


@app.command("authorise")
def authorise_cmd(
    order_id: Annotated[str, typer.Argument(help="the order's id")],
    line: Annotated[list[str], typer.Option(help="LINE=QUANTITY to return (repeat it)")],
    reason: Annotated[str, typer.Option(help="the reason code (DAMAGED, DEFECTIVE, ...)")],
    actor: Annotated[str | None, typer.Option(help="who asks (default: cli:<login>)")] = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Authorise the return of shipped units of ORDER_ID; the WMS is told to expect them."""
    lines = parse_lines(line)
    container = build(migrate="embedded")
    try:
        answer = authorise_return(container.deps, order_id, lines, reason,
                                  actor or f"cli:{getpass.getuser()}")
    finally:
        container.close()
    emit_record("return", answer.body, output)


@app.command("list")
def list_cmd(
    order_id: Annotated[str, typer.Argument(help="the order's id")],
    output: OutputOption = OutputFormat.table,
) -> None:
    """The order's returns, oldest first."""
    records = read(lambda c: return_queries.returns_of_order(c.engine, order_id))
    rows = [{"return_id": r.id, "status": r.status.value, "reason": r.reason,
             "units": sum(ln.authorised for ln in r.lines),
             "credited": sum(ln.credited + ln.settled for ln in r.lines), "actor": r.actor}
            for r in records]
    emit(Listing("returns", rows, LIST_COLUMNS, ids=("return_id",), total=len(rows)), output)


@app.command("show")
def show_cmd(
    return_id: Annotated[str, typer.Argument(help="the return's id")],
    output: OutputOption = OutputFormat.table,
) -> None:
    """One return and what came back of each line."""
    record = found(read(lambda c: return_queries.get_return(c.engine, return_id)),
                   f"return {return_id}")
    emit_record("return", return_json(record), output)
