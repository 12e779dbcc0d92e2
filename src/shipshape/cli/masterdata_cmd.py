"""`shipshape customers list|show` and `shipshape items list|show`: the master data as the
API reads it (`shipshape load` writes it)."""

from __future__ import annotations

from typing import Annotated

import typer

from shipshape.adapters.db import masterdata_queries as mdq
from shipshape.cli.output import (
    LimitOption,
    OffsetOption,
    OutputFormat,
    OutputOption,
    ShowOutputOption,
    emit,
    emit_record,
    page_listing,
)
from shipshape.cli.reading import found, read

customers_app = typer.Typer(help="Customers: list or show, and their contact for notices.",
                            no_args_is_help=True)
items_app = typer.Typer(help="Items: list or show.", no_args_is_help=True)
Active = Annotated[bool | None, typer.Option(
    "--active/--inactive", help="only active, or only inactive ones (default: all)",
    show_default=False)]
CUSTOMER_COLUMNS = ("customer_id", "name", "priority", "credit_limit", "credit_hold", "active")
ITEM_COLUMNS = ("sku", "description", "uom", "active", "hazmat")


@customers_app.command("list")
def customers_list(
    active: Active = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The customers, by id."""
    page = read(lambda c: mdq.list_customers(c.engine, active=active, limit=limit,
                                             offset=offset,
                                             currency=c.settings.invoice_currency))
    emit(page_listing("customers", page, CUSTOMER_COLUMNS, ids=("customer_id",)), output)


@customers_app.command("show")
def customers_show(
    customer_id: Annotated[str, typer.Argument(help="the customer's id")],
    output: ShowOutputOption = OutputFormat.table,
) -> None:
    """CUSTOMER_ID with every field."""
    customer = read(lambda c: mdq.get_customer(c.engine, customer_id,
                                               c.settings.invoice_currency))
    emit_record(f"customer {customer_id}", found(customer, f"customer {customer_id}"), output)


@items_app.command("list")
def items_list(
    active: Active = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The items, by SKU."""
    page = read(lambda c: mdq.list_items(c.engine, active=active, limit=limit, offset=offset))
    emit(page_listing("items", page, ITEM_COLUMNS, ids=("sku",)), output)


@items_app.command("show")
def items_show(
    sku: Annotated[str, typer.Argument(help="the item's SKU")],
    output: ShowOutputOption = OutputFormat.table,
) -> None:
    """SKU with every field."""
    item = read(lambda c: mdq.get_item(c.engine, sku))
    emit_record(f"item {sku}", found(item, f"item {sku}"), output)
