"""`shipshape orders cancel` and `shipshape orders amend`: customer service changes to an order."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console

from shipshape.bootstrap import build
from shipshape.domain.errors import InvalidInput
from shipshape.services.amendment import amend_order
from shipshape.services.cancellation import cancel_order

console = Console()
app = typer.Typer(help="Orders: cancel or amend.", no_args_is_help=True)
Actor = Annotated[str | None, typer.Option(help="who asks (default: cli:<login name>)")]


@app.command("cancel")
def cancel_cmd(
    order_id: Annotated[str, typer.Argument(help="the order's id")],
    reason: Annotated[str, typer.Option(help="why the order is cancelled")],
    actor: Actor = None,
) -> None:
    """Cancel ORDER_ID: its stock and credit are given back, and the warehouse and the carrier
    are told to stop when they have it. A shipped order cannot be cancelled."""
    container = build(migrate=True)
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
    container = build(migrate=True)
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
