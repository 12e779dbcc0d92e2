"""The `shipshape` command."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from shipshape.bootstrap import build, start_relay_thread
from shipshape.cli import (
    intake_cmd,
    integration_cmd,
    invoices_cmd,
    orders_cmd,
    partners_cmd,
    purge_cmd,
    reconcile_cmd,
    relay_cmd,
    sample_cmd,
    watch_cmd,
    waves_cmd,
)
from shipshape.cli.files import read_masterdata
from shipshape.config import Settings
from shipshape.domain.errors import ShipshapeError
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
app.add_typer(orders_cmd.app, name="orders")
console = Console()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to the configured database."""
    container = build(migrate=True)
    console.print(f"database at [bold]{container.settings.database_location}[/] is up to date")


@app.command()
def serve(
    host: str = "127.0.0.1", port: int = 8000,
    relay: Annotated[bool, typer.Option(
        help="run the outbox relay in this process (default: when no broker URL is set)")
    ] | None = None,
) -> None:
    """Migrate, then serve the HTTP API (and, embedded, relay the outbox)."""
    import uvicorn

    from shipshape.api.app import create_app

    container = build(migrate=True)
    in_process = relay if relay is not None else not container.settings.broker_url
    stop_relay = start_relay_thread(container) if in_process else None
    embedded = not container.settings.broker_url
    stop_worker = start_worker_threads(container) if embedded else None
    console.print(f"serving {container.settings.database_location} on http://{host}:{port}"
                  + (" with the outbox relay" if stop_relay else "")
                  + (" and the in-process worker" if stop_worker else ""))
    api = create_app(container)
    # Start-up objects never die: keep them out of the collector's full passes (long pauses).
    gc.collect()
    gc.freeze()
    try:
        uvicorn.run(api, host=host, port=port, log_level="warning")
    finally:
        if stop_relay:
            stop_relay()
        if stop_worker:
            stop_worker()
        container.close()


@app.command()
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    kind: Annotated[str | None, typer.Option(help="record kind of a CSV file")] = None,
) -> None:
    """Load master data and stock receipts from a JSON or CSV file (idempotent upserts)."""
    data = read_masterdata(file, kind)
    container = build(migrate=True)
    md.load(container.deps, data.records, data.receipts)
    console.print(f"loaded {len(data.records)} master data records and {len(data.receipts)} "
                  "stock receipts (receipts add to stock each time they are loaded)")


@tokens_app.command("create")
def tokens_create(
    role: Annotated[str, typer.Option(help="admin, integration, agent or viewer")],
    name: Annotated[str, typer.Option(help="who or what will use the token")],
) -> None:
    """Create an API token; the token is the last line printed and is not shown again."""
    from datetime import UTC, datetime

    container = build(migrate=True)
    token = container.tokens.create(name, role, datetime.now(UTC))
    console.print(f"token for {name} ({role}); keep it, it is not shown again:")
    print(token)


app.command("ingest")(intake_cmd.ingest)
app.command("seed")(sample_cmd.seed)
app.command("demo")(sample_cmd.demo)
app.command("watch")(watch_cmd.watch)
app.command("relay")(relay_cmd.relay)
app.command("worker")(integration_cmd.worker)
app.command("reconcile")(reconcile_cmd.reconcile_cmd)
app.command("check")(reconcile_cmd.check_cmd)
app.command("purge")(purge_cmd.purge_cmd)


def main() -> None:
    try:
        Settings()
        app()
    except ShipshapeError as error:
        console.print(f"[red]error:[/] {error}")
        sys.exit(2)
    except ValidationError as error:
        for line in setting_errors(error):
            console.print(f"[red]configuration error:[/] {line}", markup=True, soft_wrap=True)
        sys.exit(2)
    except ValueError as error:
        console.print(f"[red]configuration error:[/] {error}")
        sys.exit(2)


def setting_errors(error: ValidationError) -> list[str]:
    """One line per setting that is wrong, without pydantic's boilerplate."""
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in problem["loc"])
        lines.append(message if not field else f"SHIPSHAPE_{field.upper()}: {message}")
    return lines
