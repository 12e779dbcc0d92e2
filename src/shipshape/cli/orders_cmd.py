"""`shipshape orders list|show`: the orders as the API reads them; `shipshape orders cancel`
and `shipshape orders amend`: customer service changes to an order."""

from __future__ import annotations

import getpass
from enum import StrEnum
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
    ShowOutputOption,
    emit,
    emit_record,
    page_listing,
)
from shipshape.cli.reading import FromOption, ToOption, found, period, read
from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import OrderStatus
from shipshape.services.amendment import amend_order
from shipshape.services.cancellation import cancel_order

console = Console()
app = typer.Typer(help="Orders: list, show, cancel or amend.", no_args_is_help=True)
Actor = Annotated[str | None, typer.Option(help="who asks (default: cli:<login name>)")]


LIST_COLUMNS = ("order_id", "status", "customer_id", "value", "promised_date", "created_at")


class PromiseFilter(StrEnum):
    at_risk = "at-risk"
    on_track = "on-track"
    none = "none"


@app.command("list")
def list_cmd(
    customer_id: Annotated[str | None, typer.Option(help="the customer's id")] = None,
    status: Annotated[OrderStatus | None, typer.Option(help="the order's status")] = None,
    promise: Annotated[PromiseFilter | None, typer.Option(
        help="the order's promise: at-risk, on-track or none")] = None,
    start: FromOption = None,
    end: ToOption = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The orders, newest first."""
    created_from, created_to = period(start, end)
    page = read(lambda c: queries.list_orders(
        c.engine, customer_id=customer_id, status=status and status.value,
        created_from=created_from, created_to=created_to, limit=limit, offset=offset,
        currency=c.settings.invoice_currency,
        promise=promise.value.replace("-", "_") if promise else None))
    emit(page_listing("orders", page, LIST_COLUMNS, ids=("order_id", "customer_id")), output)


@app.command("show")
def show_cmd(
    order_id: Annotated[str, typer.Argument(help="the order's id")],
    output: ShowOutputOption = OutputFormat.table,
) -> None:
    """ORDER_ID with its lines, reservations, cases, shipments and invoices."""
    order = read(lambda c: queries.order_detail(c.engine, order_id,
                                                c.settings.invoice_currency, c.deps.promise,
                                                c.deps.clock.now().date()))
    emit_record(f"order {order_id}", found(order, f"order {order_id}"), output)


@app.command("cancel")
def cancel_cmd(
    order_id: Annotated[str, typer.Argument(help="the order's id")],
    reason: Annotated[str, typer.Option(help="why the order is cancelled")],
    actor: Actor = None,
) -> None:
    """Cancel ORDER_ID: its stock and credit are given back, and the warehouse and the carrier
    are told to stop when they have it. A shipped order cannot be cancelled."""
    container = build(migrate="embedded")
    try:
        result = cancel_order(container.deps, order_id, reason,
                              actor or _login())
    finally:
        container.close()
    done = ", ".join(result.compensations) or "nothing to give back"
    console.print(f"order {result.order_id} cancelled (was {result.from_status.value}): {done}"
                  + (f"; cases closed: {', '.join(result.cases_closed)}"
                     if result.cases_closed else ""))


@app.command("amend")
def amend_cmd(
    order_id: Annotated[str, typer.Argument(help="the order's id")],
    line: Annotated[list[str], typer.Option(help="LINE=QUANTITY, e.g. 1=5; 0 removes the line")],
    actor: Actor = None,
) -> None:
    """Change line quantities of ORDER_ID before it is released."""
    changes = [parse_line(text) for text in line]
    container = build(migrate="embedded")
    try:
        result = amend_order(container.deps, order_id, changes,
                             actor or _login())
    finally:
        container.close()
    if not result.changes:
        console.print(f"order {result.order_id}: no quantity changed")
        return
    for change in result.changes:
        console.print(f"line {change.line_no} ({change.sku}): {change.before} -> {change.after}")
    console.print(f"order {result.order_id} amended; value now {result.value}")


def parse_line(text: str) -> tuple[int, int]:
    number, sep, quantity = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return int(number), int(quantity)
    except ValueError:
        raise InvalidInput(f"--line {text!r}: write LINE=QUANTITY, e.g. --line 1=5") from None


def _login() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
