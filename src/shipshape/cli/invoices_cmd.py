"""`shipshape invoices list` and `shipshape invoices credit`: finance's view and correction."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shipshape.adapters.db import queries
from shipshape.bootstrap import build
from shipshape.services.crediting import credit_invoice

console = Console()
app = typer.Typer(help="Invoices: list or credit.", no_args_is_help=True)


@app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option(
        help="issued, posted, rejected or credited")] = None,
    order: Annotated[str | None, typer.Option(help="an order's id")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The newest invoices and credit notes."""
    container = build(migrate=True)
    try:
        found = queries.find_invoices(container.engine, status, order, limit)
    finally:
        container.close()
    table = Table(title=f"{len(found)} invoice(s)")
    for column in ("id", "kind", "order_id", "shipment_id", "status", "total", "erp_ref",
                   "reason"):
        table.add_column(column, justify="right" if column == "total" else "left")
    for row in found:
        table.add_row(*(str(row[c] or "") for c in ("id", "kind", "order_id", "shipment_id",
                                                    "status", "total", "erp_ref", "reason")))
    console.print(table)


@app.command("credit")
def credit_cmd(
    invoice_id: Annotated[str, typer.Argument(help="the invoice's id")],
    reason: Annotated[str, typer.Option(help="why it is credited")],
    actor: Annotated[str | None, typer.Option(help="who asks (default: cli:<login>)")] = None,
) -> None:
    """Credit INVOICE_ID with a credit note and invoice its shipment again at today's
    contract prices."""
    container = build(migrate=True)
    try:
        result = credit_invoice(container.deps, invoice_id, reason,
                                actor or f"cli:{getpass.getuser()}")
    finally:
        container.close()
    console.print(f"invoice {result.invoice_id} credited by {result.credit_note_id}"
                  + (f"; its shipment invoiced again as {result.reissued_invoice_id}"
                     if result.reissued_invoice_id else ""))
