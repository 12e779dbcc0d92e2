"""The `shipshape` command."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from shipshape import __version__
from shipshape.adapters import logs
from shipshape.adapters.channels.bulk_files import read_masterdata
from shipshape.adapters.db.masterdata_queries import get_customer
from shipshape.bootstrap import Container, build, settle_heap, start_relay_thread
from shipshape.cli import (
    audit_cmd,
    cases_cmd,
    contact_cmd,  # noqa: F401  (registers `customers contact`)
    errors,
    events_cmd,
    exit_codes,
    export_cmd,
    intake_cmd,
    integration_cmd,
    invoices_cmd,
    kpis_cmd,
    masterdata_cmd,
    mine_cmd,
    ml_cmd,
    orders_cmd,
    partners_cmd,
    purge_cmd,
    reconcile_cmd,
    relay_cmd,
    returns_cmd,
    sample_cmd,
    simulate_cmd,
    watch_cmd,
    waves_cmd,
)
from shipshape.cli.output import Listing, OutputFormat, OutputOption, emit
from shipshape.cli.reading import read
from shipshape.config import Settings
from shipshape.domain.errors import NotFound
from shipshape.engine import start_engine_process
from shipshape.services import masterdata as md
from shipshape.worker import start_worker_threads

app = typer.Typer(help="Shipshape: exception-resistant fulfillment orchestration.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")
app.add_typer(partners_cmd.app, name="partners")
app.add_typer(integration_cmd.dlq_app, name="dlq")
app.add_typer(waves_cmd.app, name="waves")
app.add_typer(invoices_cmd.app, name="invoices")
app.add_typer(returns_cmd.app, name="returns")
app.add_typer(events_cmd.app, name="events")
app.add_typer(export_cmd.app, name="export")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(cases_cmd.app, name="cases")
app.add_typer(orders_cmd.app, name="orders")
app.add_typer(masterdata_cmd.customers_app, name="customers")
app.add_typer(masterdata_cmd.items_app, name="items")
app.add_typer(ml_cmd.app, name="ml")
console = Console()


def _print_version(asked: bool) -> None:
    if asked:
        print(f"shipshape {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="print the version and exit")] = False,
) -> None:
    """Options of `shipshape` itself, before the command."""


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to the configured database."""
    container = build(migrate=True)
    console.print(f"database at [bold]{container.settings.database_location}[/] is up to date")


@app.command()
def serve(
    host: str = "127.0.0.1", port: int = 8000,
    relay: Annotated[bool, typer.Option(
        help="run the outbox relay beside the API (default: when no broker URL is set)")
    ] | None = None,
    engine_process: Annotated[bool, typer.Option(
        "--engine-process/--engine-threads",
        help="embedded: run the relay and workers in a process of their own (the default: "
             "delivering events never takes the API's interpreter from the requests; their "
             "counters still reach /metrics) or as threads of the API's process")] = True,
    web_console: Annotated[bool | None, typer.Option(
        "--console/--no-console",
        help="serve the web console at /console (default: with one API process)")] = None,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="API processes; with more than one the engine always runs in a "
                            "process of its own and there is no web console (its sessions live "
                            "in one process)")] = 1,
) -> None:
    """Serve the HTTP API (and, embedded, relay the outbox and apply its events); an embedded
    SQLite database is migrated first, any other must be at this version's schema
    (`shipshape db upgrade`)."""
    if workers > 1 and web_console:
        raise typer.BadParameter("the web console keeps its sessions in one process: serve it "
                                 "with --workers 1, or add --no-console", param_hint="--console")
    container = build(migrate="embedded")
    embedded = not container.settings.broker_url
    in_process = relay if relay is not None else embedded
    own_process = (engine_process or workers > 1) and in_process and embedded
    stops = _start_engine(container, in_process, embedded, own_process)
    console.print(serve_banner(container.settings, f"http://{host}:{port}",
                               relay=in_process, worker=embedded, own_process=own_process,
                               workers=workers))
    try:
        if workers > 1:
            _serve_processes(container, host, port, workers)
        else:
            _serve_here(container, host, port, web_console is not False)
    finally:
        for stop in stops:
            stop()
        container.close()


def _serve_processes(container: Container, host: str, port: int, workers: int) -> None:
    """`workers` API processes, each building the app itself (`api.workers.app`)."""
    import uvicorn

    from shipshape.api.workers import ENGINE_METRICS

    engine_metrics = container.metrics.added_from
    if engine_metrics is not None:
        os.environ[ENGINE_METRICS] = str(engine_metrics)
    uvicorn.run("shipshape.api.workers:app", factory=True, workers=workers, host=host,
                port=port, log_level="warning", log_config=None, access_log=False)


def _serve_here(container: Container, host: str, port: int, web_console: bool) -> None:
    import uvicorn

    from shipshape.api.app import create_app

    api = create_app(container, console=web_console)
    settle_heap()
    # Our access log (one JSON line per request) replaces uvicorn's; its other lines go
    # through the process's logging, with times and levels.
    uvicorn.run(api, host=host, port=port, log_level="warning", log_config=None,
                access_log=False)


def _start_engine(container: Container, relay: bool, embedded: bool,
                  own_process: bool) -> list[Callable[[], object]]:
    """What relays and applies events beside the API; the functions that stop it."""
    if relay and embedded and own_process:
        return [start_engine_process(container)]
    stops: list[Callable[[], object]] = []
    if relay:
        stops.append(start_relay_thread(container))
    if embedded:
        stops.append(start_worker_threads(container))
    return stops


def serve_banner(settings: Settings, address: str, *, relay: bool, worker: bool,
                 own_process: bool = False, workers: int = 1) -> str:
    """What `serve` says it serves (the database password masked)."""
    where = f"serving {settings.database_location} on {address}" + (
        f" from {workers} API processes" if workers > 1 else "")
    if own_process:
        return f"{where} with the outbox relay and the worker in a process of their own"
    return (where + (" with the outbox relay" if relay else "")
            + (" and the in-process worker" if worker else ""))


@app.command()
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    kind: Annotated[str | None, typer.Option(help="record kind of a CSV file")] = None,
) -> None:
    """Load master data and stock receipts from a JSON or CSV file (idempotent upserts)."""
    data = read_masterdata(file, kind)
    container = build(migrate="embedded")
    md.load(container.deps, data.records, data.receipts)
    console.print(f"loaded {len(data.records)} master data records and {len(data.receipts)} "
                  "stock receipts (receipts add to stock each time they are loaded)")


@tokens_app.command("create")
def tokens_create(
    role: Annotated[str, typer.Option(help="admin, integration, supervisor, agent or viewer")],
    name: Annotated[str, typer.Option(help="who or what will use the token")],
    customer: Annotated[str | None, typer.Option(
        help="a customer id of the master data: the token sees that customer's orders, "
             "cases, invoices, shipments and audit entries only")] = None,
    team: Annotated[str | None, typer.Option(help="the team its holder works in")] = None,
) -> None:
    """Create an API token; the token is the last line printed and is not shown again."""
    def create(container: Container) -> str:
        if customer is not None and get_customer(container.engine, customer) is None:
            raise NotFound(f"customer {customer} does not exist in the master data; load it "
                           "first (shipshape load, or PUT /api/v1/customers/{customer_id})")
        return container.tokens.create(name, role, datetime.now(UTC), customer, team)

    token = read(create)
    scope = "".join([f", customer {customer}" if customer else "",
                     f", team {team}" if team else ""])
    console.print(f"token for {name} ({role}{scope}); keep it, it is not shown again:",
                  highlight=False, markup=False)
    print(token)


TOKEN_FIELDS = ("name", "role", "customer_id", "team", "created_at", "revoked_at")


@tokens_app.command("list")
def tokens_list(output: OutputOption = OutputFormat.table) -> None:
    """Every token, live and revoked, by name: role, customer, team, when it was created and
    revoked. A token's secret and hash are never shown."""
    records = read(lambda c: c.tokens.records())
    rows = [{"name": r.name, "role": r.role.value, "customer_id": r.customer_id,
             "team": r.team, "created_at": r.created_at.isoformat(),
             "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None}
            for r in records]
    emit(Listing("tokens", rows, TOKEN_FIELDS, ids=("name",), total=len(rows)), output)


@tokens_app.command("revoke")
def tokens_revoke(name: Annotated[str, typer.Argument(help="the tokens' name")]) -> None:
    """Revoke every live token of that name. A running `shipshape serve` refuses them within
    5 seconds (401); this process's own at once."""
    count = read(lambda c: c.tokens.revoke(name, datetime.now(UTC)))
    if not count:
        raise NotFound(f"no live token is named {name!r} (see shipshape tokens list)")
    console.print(f"revoked {count} token{'s' if count != 1 else ''} named {name}",
                  highlight=False, markup=False)


app.command("ingest")(intake_cmd.ingest)
app.command("seed")(sample_cmd.seed)
app.command("demo")(sample_cmd.demo)
app.command("simulate")(simulate_cmd.simulate)
app.command("watch")(watch_cmd.watch)
app.command("relay")(relay_cmd.relay)
app.command("worker")(integration_cmd.worker)
app.command("reconcile")(reconcile_cmd.reconcile_cmd)
app.command("check")(reconcile_cmd.check_cmd)
app.command("purge")(purge_cmd.purge_cmd)
app.command("kpis")(kpis_cmd.kpis)
app.command("mine")(mine_cmd.mine)


def main() -> None:
    """The console script: configuration first, then the command; an error a user can act on
    is one line and an exit status of `exit_codes`, never a traceback."""
    try:
        settings = Settings()
    except ValidationError as error:
        for line in setting_errors(error):
            errors.stderr.print(f"[red]configuration error:[/] {line}")
        sys.exit(exit_codes.USAGE)
    except ValueError as error:
        errors.stderr.print(f"[red]configuration error:[/] {error}")
        sys.exit(exit_codes.USAGE)
    logs.configure(settings.log_level, settings.log_format)
    try:
        app()
    except Exception as error:
        code = errors.report(error, settings.database_url)
        if code is None:
            raise
        sys.exit(code)


def setting_errors(error: ValidationError) -> list[str]:
    """One line per setting that is wrong, without pydantic's boilerplate."""
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in problem["loc"])
        lines.append(message if not field else f"SHIPSHAPE_{field.upper()}: {message}")
    return lines
