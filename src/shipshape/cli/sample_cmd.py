"""`shipshape seed --sample` and `shipshape demo`: the sample distributor and its day."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shipshape.adapters.channels.bulk_files import read_masterdata
from shipshape.adapters.db import queries
from shipshape.bootstrap import Container, build
from shipshape.cli.intake_cmd import ingest_file, summary_table
from shipshape.config import Settings, masked_url
from shipshape.domain.cases import Stage
from shipshape.services import masterdata as md
from shipshape.sim.sample import sample_day, sample_masterdata
from shipshape.sim.scenarios.integration import DEMO_ERP, mirror_to_erp
from shipshape.sim.scenarios.journey import DEMO_TMS, DEMO_WMS, STALL_S, release_to_cash
from shipshape.sim.scenarios.systems import with_scenario_systems

console = Console()
JOURNEY = [stage.value for stage in Stage]


def seed(
    sample: Annotated[bool, typer.Option("--sample", help="load the sample distributor")] = False,
) -> None:
    """Seed the database; `--sample` loads a realistic sample distributor."""
    if not sample:
        raise typer.BadParameter("only --sample is available today", param_hint="--sample")
    container = build(migrate="embedded")
    seed_sample(container, Path("sample-masterdata.json"))


def seed_sample(container: Container, path: Path) -> None:
    path.write_text(json.dumps(sample_masterdata()), encoding="utf-8")
    data = read_masterdata(path)
    md.load(container.deps, data.records, data.receipts)
    console.print(f"seeded {len(data.records)} master data records and {len(data.receipts)} "
                  f"stock receipts (also written to {path})")


def demo(
    orders: Annotated[int, typer.Option(min=1, max=100_000)] = 3000,
    workdir: Annotated[Path, typer.Option(help="where the sample files go")] = Path("demo"),
    stall_after: Annotated[float, typer.Option(
        min=0.1, help="seconds without progress after which the journey counts as stalled "
                      "(exit status 1)")] = STALL_S,
) -> None:
    """Seed the sample distributor, ingest a sample day with faults, report what was caught,
    mirror the orders to a simulated ERP that fails now and then, then release waves and carry
    the orders through picking, shipping and invoicing to reconciliation."""
    settings = with_scenario_systems(Settings(),
                                     {"erp": DEMO_ERP, "wms": DEMO_WMS, "tms": DEMO_TMS})
    container = build(settings, migrate="embedded")
    if queries.orders_by_status(container.engine):
        console.print("[yellow]the database already holds orders; the demo adds another day[/]")
    workdir.mkdir(parents=True, exist_ok=True)
    seed_sample(container, workdir / "sample-masterdata.json")
    day_file = workdir / "sample-day.jsonl"
    masterdata = json.loads((workdir / "sample-masterdata.json").read_text(encoding="utf-8"))
    with day_file.open("w", encoding="utf-8") as out:
        for order in sample_day(masterdata, orders=orders):
            out.write(json.dumps(order) + "\n")
    console.print(summary_table(ingest_file(container, day_file, batch=200)))
    report(container)
    mirror_to_erp(container, console)
    settled = release_to_cash(container, console, stall_after)
    next_steps(container)
    if not settled:
        raise typer.Exit(1)


def report(container: Container) -> None:
    table = Table(title="What the control points caught, by stage and code")
    for column in ("stage", "code", "kind", "severity", "findings"):
        table.add_column(column, justify="right" if column == "findings" else "left")
    rows = queries.findings_by_code_and_stage(container.engine)
    for row in sorted(rows, key=lambda r: JOURNEY.index(r["stage"])):
        style = "red" if row["severity"] == "block" else "yellow"
        table.add_row(row["stage"], f"[{style}]{row['code']}[/]", row["kind"], row["severity"],
                      str(row["findings"]))
    console.print(table)
    statuses = queries.orders_by_status(container.engine)
    console.print("orders by status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    stock = queries.stock_totals(container.engine)
    console.print(f"stock: {stock['on_hand']} on hand, {stock['reserved']} reserved "
                  f"across {stock['positions']} site/SKU positions")


def next_steps(container: Container) -> None:
    console.print(f"\nthe database is at [bold]{container.settings.database_location}[/]")
    env = f"SHIPSHAPE_DATABASE_URL={masked_url(container.settings.database_url)} "
    cli = f"{env}.venv/bin/shipshape"
    console.print(f"serve it:  [bold]{cli} serve[/]  (then open http://127.0.0.1:8000/console, "
                  "or the API's http://127.0.0.1:8000/docs)", soft_wrap=True)
    console.print(f"a token:   [bold]{cli} tokens create --role agent --name me[/]",
                  soft_wrap=True)
    console.print(f"the desk:  [bold]{cli} cases list --sla-state at_risk[/]", soft_wrap=True)
    console.print(f"dead letters: [bold]{cli} dlq list[/]", soft_wrap=True)
