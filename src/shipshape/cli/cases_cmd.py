"""`shipshape cases list|show|assign|act`: the exception desk from the command line, as the
operator (every permission; the actor is `cli:<login>` unless `--actor` names another)."""

from __future__ import annotations

import getpass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console

from shipshape.adapters.db import desk_queries
from shipshape.adapters.db.desk_queries import CaseFilter
from shipshape.api import desk_view
from shipshape.bootstrap import Container
from shipshape.cli.output import (
    LimitOption,
    OffsetOption,
    OutputFormat,
    OutputOption,
    emit,
    emit_record,
    page_listing,
)
from shipshape.cli.reading import found, read
from shipshape.domain.access import Permission
from shipshape.domain.cases import CaseCost
from shipshape.domain.desk import Action
from shipshape.services import desk
from shipshape.services.desk import CaseAction

console = Console()
app = typer.Typer(help="Exception cases: the queue, one case, assignment and actions.",
                  no_args_is_help=True)
LIST_COLUMNS = ("case_id", "code", "status", "order_id", "queue", "assignee", "sla_state",
                "sla_due_at")
ActorOption = Annotated[str | None, typer.Option(help="who acts (default: cli:<login>)")]


def _everything(_: Permission) -> bool:
    return True


@app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option(help="open, assigned, resolved...")] = None,
    code: Annotated[str | None, typer.Option(help="the exception code")] = None,
    team: Annotated[str | None, typer.Option(help="the owner team")] = None,
    queue: Annotated[str | None, typer.Option(help="the work queue")] = None,
    assignee: Annotated[str | None, typer.Option(help="who works the case")] = None,
    customer: Annotated[str | None, typer.Option(help="a customer's id")] = None,
    order: Annotated[str | None, typer.Option(help="an order's id")] = None,
    sla_state: Annotated[desk_view.SlaState | None, typer.Option(
        help="the SLA clock's state now")] = None,
    sort: Annotated[str, typer.Option(help="a sort key, - for descending")] = "sla_due_at",
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The cases, most urgent first, with their SLA state."""
    where = CaseFilter(status=status, code=code, owner_team=team, queue=queue,
                       assignee=assignee, customer_id=customer, order_id=order,
                       sla_state=sla_state and sla_state.value)
    page = read(lambda c: desk_queries.list_cases(
        c.engine, where, desk_view.sla_of(c), sort=sort, limit=limit, offset=offset,
        currency=c.settings.invoice_currency))
    for row in page.rows:
        row["sla_state"] = row["sla"]["state"]
    emit(page_listing("cases", page, LIST_COLUMNS, ids=("case_id", "order_id")), output)


@app.command("show")
def show_cmd(case_id: Annotated[str, typer.Argument(help="the case's id")],
             output: OutputOption = OutputFormat.table) -> None:
    """One case: its clock, history, order, stock per site and the actions that apply."""
    emit_record("case", read(lambda c: _detail(c, case_id)), output)


@app.command("assign")
def assign_cmd(
    case_id: Annotated[str, typer.Argument(help="the case's id")],
    assignee: Annotated[str | None, typer.Argument(help="who works it (none: its queue)")] = None,
    queue: Annotated[str | None, typer.Option(help="move it to this queue")] = None,
    team: Annotated[str | None, typer.Option(help="move it to this owner team")] = None,
    reason: Annotated[str, typer.Option(help="why")] = "",
    actor: ActorOption = None,
) -> None:
    """Give CASE_ID to ASSIGNEE, or back to its queue."""
    read(lambda c: desk.assign_case(c.deps, case_id, assignee, _actor(actor), queue=queue,
                                    owner_team=team, reason=reason))
    console.print(f"case {case_id} " + (f"assigned to {assignee}" if assignee
                                        else "given back to its queue"))


@app.command("act")
def act_cmd(
    case_id: Annotated[str, typer.Argument(help="the case's id")],
    action: Annotated[Action, typer.Argument(help="the governed action")],
    reason_code: Annotated[str, typer.Option(help="why, as a code")],
    root_cause: Annotated[str | None, typer.Option(help="needed to resolve or reject")] = None,
    line: Annotated[int | None, typer.Option(help="substitute, cancel_line: the line")] = None,
    substitute: Annotated[str | None, typer.Option(help="substitute: the SKU")] = None,
    release_on: Annotated[str | None, typer.Option(help="delay_release: YYYY-MM-DD")] = None,
    site: Annotated[str | None, typer.Option(help="resource: the site")] = None,
    waiting_on: Annotated[str | None, typer.Option(help="pause: customer or system:X")] = None,
    carrier_service: Annotated[str | None, typer.Option(
        help="retender: CARRIER:SERVICE")] = None,
    rework_minutes: Annotated[int, typer.Option(min=0)] = 0,
    expedited_freight: Annotated[str, typer.Option(help="an amount")] = "0",
    invoice_correction: Annotated[str, typer.Option(help="an amount")] = "0",
    actor: ActorOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Take ACTION on CASE_ID through the same control points as the API."""
    request = CaseAction(
        action=action, reason_code=reason_code, actor=_actor(actor), root_cause=root_cause,
        cost=CaseCost(rework_minutes, _amount(expedited_freight), _amount(invoice_correction)),
        line_no=line, substitute_sku=substitute,
        release_on=date.fromisoformat(release_on) if release_on else None, site_id=site,
        waiting_on=waiting_on, carrier_service=carrier_service)

    def run(c: Container) -> dict[str, Any]:
        done = desk.act(c.deps, case_id, request, _everything, desk_view.retrier(c))
        return {"case_id": case_id, "action": done.action, "closed": done.closed,
                **done.outcome}
    emit_record("outcome", read(run), output)


def _detail(c: Container, case_id: str) -> dict[str, Any]:
    row = found(desk_queries.case_row(c.engine, case_id), f"case {case_id}")
    detail = desk_queries.case_detail(c.engine, row, desk_view.sla_of(c),
                                      c.settings.invoice_currency)
    return {**detail, "actions": desk.available_actions(c.deps, case_id, _everything)}


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError:
        raise typer.BadParameter(f"{text!r} is not an amount") from None

