"""`shipshape events catalogue`: every event type, its fields and the objects it links;
`shipshape events of TYPE ID`: the events linked to one object (an order, a wave, a case...)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shipshape.adapters.db.event_queries import events_of_object
from shipshape.cli.output import Listing, OutputFormat, OutputOption, emit
from shipshape.cli.reading import read
from shipshape.domain.catalogue import describe
from shipshape.domain.catalogue.base import ALL_OBJECT_TYPES as OBJECT_TYPES

console = Console()
app = typer.Typer(help="The event catalogue and the events of an object.", no_args_is_help=True)
EVENT_COLUMNS = ("event_id", "type", "qualifier", "order_id", "occurred_at")


@app.command("catalogue")
def catalogue_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Every event type: its stage, its fields and the types of object it links to."""
    entries = describe()
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    table = Table("event type", "stage", "fields", "objects")
    for entry in entries:
        fields = ", ".join(str(f["name"]) for f in _fields(entry))
        table.add_row(str(entry["name"]), str(entry["stage"]), fields,
                      ", ".join(map(str, _list(entry["objects"]))))
    console.print(table)


@app.command("of")
def of_cmd(
    object_type: Annotated[str, typer.Argument(help="order, wave, shipment, invoice, case, ...")],
    object_id: Annotated[str, typer.Argument(help="the object's id")],
    output: OutputOption = OutputFormat.table,
) -> None:
    """The events linked to one object, oldest first, with the role it plays in each."""
    if object_type not in OBJECT_TYPES:
        raise typer.BadParameter(f"unknown object type {object_type!r}; known: "
                                 + ", ".join(sorted(OBJECT_TYPES)), param_hint="OBJECT_TYPE")
    rows = read(lambda c: events_of_object(c.engine, object_type, object_id))
    emit(Listing("events", rows, EVENT_COLUMNS, ids=("event_id",), total=len(rows)), output)


def _fields(entry: dict[str, object]) -> list[dict[str, object]]:
    return [f for f in _list(entry["fields"]) if isinstance(f, dict)]


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []
