"""`shipshape ingest FILE`: orders from a file, in batches, with progress and a summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from shipshape.adapters.channels.bulk_files import OrderRow, order_file_type, read_orders
from shipshape.adapters.channels.csv_mapping import ColumnMapping, read_mapping
from shipshape.adapters.channels.receive import receive_file, standard_of
from shipshape.bootstrap import Container, build
from shipshape.cli import exit_codes
from shipshape.cli.rejects import RejectsFile
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.services import intake
from shipshape.services.intake import IntakeResult

console = Console()
ORDER_OUTCOMES = ("accepted", "held", "duplicate", "replayed", "rejected")
DUPLICATE_INTERCHANGE = "duplicate interchange"


def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    batch: Annotated[int, typer.Option(min=1, max=5000, help="orders per transaction")] = 200,
    mapping: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="YAML file naming the CSV columns of each field",
    )] = None,
) -> None:
    """Take orders from JSON lines (.jsonl), CSV, or EDI (X12 .x12, EDIFACT .edi); see the
    README. Exit status 3 when any order was rejected: FILE.rejected.jsonl (or .csv) beside
    FILE holds each with its reason."""
    kind = order_file_type(file)
    columns = read_mapping(mapping) if mapping else None
    if columns and kind != "csv":
        raise InvalidInput(f"{file.name}: --mapping applies to CSV files only")
    container = build(migrate="embedded")
    try:
        if kind == "edi":
            tally = ingest_edi(container, file)
        else:
            tally = ingest_file(container, file, batch, columns)
    finally:
        container.close()
    console.print(summary_table(tally))
    if tally["rejected"] or tally[DUPLICATE_INTERCHANGE]:
        raise typer.Exit(exit_codes.REJECTED)


def ingest_edi(container: Container, file: Path) -> Counter[str]:
    """One EDI file; its acknowledgements are written beside it as FILE.<type>.<n>.txt."""
    raw = file.read_bytes()
    outcome = receive_file(container.deps, raw, standard_of(file.name, raw[:200]),
                           container.edi_identity)
    tally: Counter[str] = Counter()
    for interchange in outcome.interchanges:
        tally[DUPLICATE_INTERCHANGE] += interchange.duplicate
        for result in interchange.results:
            tally[outcome_of(result)] += 1
        for n, ack in enumerate(interchange.acknowledgements, 1):
            name = f"{file.name}.{ack.doc_type}.{interchange.interchange_id}-{n}.txt"
            file.with_name(name).write_text(ack.text, encoding="utf-8")
    return tally


def outcome_of(result: IntakeResult | Conflict) -> str:
    if isinstance(result, Conflict):
        return "rejected"
    return "replayed" if result.replayed else result.status


def ingest_file(container: Container, file: Path, batch: int,
                mapping: ColumnMapping | None = None) -> Counter[str]:
    rows = list(read_orders(file, mapping))
    tally: Counter[str] = Counter()
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"ingesting {file.name}", total=len(rows))
        with RejectsFile(file, mapping.delimiter if mapping else ",") as rejects:
            for chunk in _chunks(rows, batch):
                for row, outcome, error in _submit(container, chunk):
                    tally[outcome] += 1
                    if error is not None:
                        rejects.add(row, error)
                progress.advance(task, len(chunk))
    if rejects.count:
        console.print(f"[yellow]{rejects.count} rejected orders written to {rejects.path}[/]")
    return tally


def _submit(container: Container, rows: list[OrderRow]
            ) -> Iterator[tuple[OrderRow, str, str | None]]:
    """Each row, its outcome, and the reason when it was rejected."""
    valid = [r for r in rows if r.order is not None]
    for row in rows:
        if row.order is None:
            yield row, "rejected", str(row.error)
    commands = [intake.SubmitOrder(r.order.to_domain(), r.idempotency_key)
                for r in valid if r.order is not None]
    for row, result in zip(valid, intake.submit_orders(container.deps, commands), strict=True):
        if isinstance(result, Conflict):
            yield row, "rejected", str(result)
        elif result.status == "rejected":
            yield row, "rejected", str(result.body.get("detail"))
        else:
            yield row, outcome_of(result), None


def _chunks(rows: Iterable[OrderRow], size: int) -> Iterator[list[OrderRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def summary_table(tally: Counter[str]) -> Table:
    table = Table(title="Ingest summary")
    table.add_column("outcome")
    table.add_column("orders", justify="right")
    for outcome in ORDER_OUTCOMES:
        table.add_row(outcome, str(tally[outcome]))
    table.add_row("[bold]total[/]", f"[bold]{sum(tally[o] for o in ORDER_OUTCOMES)}[/]")
    if tally[DUPLICATE_INTERCHANGE]:
        table.add_row(f"[yellow]{DUPLICATE_INTERCHANGE}s refused[/]",
                      str(tally[DUPLICATE_INTERCHANGE]))
    return table
