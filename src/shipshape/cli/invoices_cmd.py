"""`shipshape invoices list` and `shipshape invoices credit`: finance's view and correction."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console

from shipshape.adapters.db import queries
from shipshape.bootstrap import build
from shipshape.cli.output import (
    LimitOption,
    OffsetOption,
    OutputFormat,
    OutputOption,
    emit,
    page_listing,
)
from shipshape.cli.reading import read
from shipshape.domain.invoicing import InvoiceStatus
from shipshape.services.crediting import credit_invoice

console = Console()
app = typer.Typer(help="Invoices: list or credit.", no_args_is_help=True)


LIST_COLUMNS = ("invoice_id", "kind", "order_id", "status", "total", "erp_ref", "reason")


@app.command("list")
def list_cmd(
    status: Annotated[InvoiceStatus | None, typer.Option(help="the invoice's status")] = None,
    order: Annotated[str | None, typer.Option(help="an order's id")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The invoices and credit notes, newest first."""
    page = read(lambda c: queries.list_invoices(
        c.engine, status=status and status.value, order_id=order, limit=limit, offset=offset))
    emit(page_listing("invoices", page, LIST_COLUMNS, ids=("invoice_id", "order_id")), output)


@app.command("credit")
def credit_cmd(
    invoice_id: Annotated[str, typer.Argument(help="the invoice's id")],
    reason: Annotated[str, typer.Option(help="why it is credited")],
    actor: Annotated[str | None, typer.Option(help="who asks (default: cli:<login>)")] = None,
) -> None:
    """Credit INVOICE_ID with a credit note and invoice its shipment again at today's
    contract prices."""
    container = build(migrate="embedded")
    try:
        result = credit_invoice(container.deps, invoice_id, reason,
                                actor or f"cli:{getpass.getuser()}")
    finally:
        container.close()
    console.print(f"invoice {result.invoice_id} credited by {result.credit_note_id}"
                  + (f"; its shipment invoiced again as {result.reissued_invoice_id}"
                     if result.reissued_invoice_id else ""))
