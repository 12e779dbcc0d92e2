"""`shipshape simulate`: the digital twin's comparison of workflow designs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shipshape.sim.scenario import BUILT_IN, load_scenario, write_scenario

if TYPE_CHECKING:
    from shipshape.sim.run import Plan

console = Console()


def simulate(
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", help=f"a built-in scenario ({', '.join(BUILT_IN)}) or a scenario file; "
                           "repeat to compare (default: both built-ins)")] = None,
    days: Annotated[int, typer.Option(min=1, max=60, help="simulated days of orders")] = 1,
    seed: Annotated[int, typer.Option(help="the same seed gives the same result")] = 7,
    replications: Annotated[int, typer.Option(
        min=1, max=100, help="runs of each scenario, for the 95 % intervals")] = 1,
    orders_per_day: Annotated[int | None, typer.Option(
        min=1, max=100_000, help="override every scenario's demand.orders_per_day")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the result as JSON")]
    = None,
    html_out: Annotated[Path | None, typer.Option(
        "--html", help="write a self-contained HTML report")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="runs at once, each in its own process (default: one per core, "
                            "at most 2)")] = None,
    store_dir: Annotated[Path, typer.Option(
        help="where each run's store (a Shipshape SQLite database) goes")] = Path("twin"),
    write: Annotated[tuple[str, Path] | None, typer.Option(
        "--write-scenario", help="write built-in scenario NAME to FILE, to edit, and stop")]
    = None,
) -> None:
    """Run scenarios of the simulated distributor through the real engine and compare them."""
    if write is not None:
        write_scenario(write[0], write[1])
        console.print(f"wrote the {write[0]} scenario to {write[1]}")
        return
    refs = scenario or list(BUILT_IN)
    loaded = [load_scenario(ref) for ref in refs]
    names = [s.name for s, _ in loaded]
    if len(set(names)) < len(names):
        raise typer.BadParameter(f"two scenarios share a name ({', '.join(names)}): give each "
                                 "file its own `name`", param_hint="--scenario")
    from shipshape.sim.run import Plan  # the engine, SimPy and scipy: only when a twin runs

    store_dir.mkdir(parents=True, exist_ok=True)
    plan = Plan(loaded, days, seed, replications, store_dir, orders_per_day)
    result = _run_with_progress(plan, workers or min(2, os.cpu_count() or 1))
    console.print(comparison_table(result))
    _write(result, json_out, html_out)
    _next_steps(result)


def _run_with_progress(plan: Plan, workers: int) -> dict[str, Any]:
    from shipshape.sim.run import compare

    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.percentage:>3.0f} %"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks = {(s.name, r): progress.add_task(f"{s.name} run {r}/{plan.replications}",
                                                total=1.0)
                 for s, _ in plan.scenarios for r in range(1, plan.replications + 1)}

        def advance(name: str, replication: int, share: float) -> None:
            progress.update(tasks[(name, replication)], completed=min(share, 1.0))

        result = compare(plan, advance, workers)
    return result


def comparison_table(result: dict[str, Any]) -> Table:
    from shipshape.sim.report import FIGURES

    scenarios = result["scenarios"]
    table = Table(title=f"{result['days']} simulated day(s), seed {result['seed']}, "
                        f"{result['replications']} replication(s): mean (95 % interval)")
    table.add_column("figure")
    for name in scenarios:
        table.add_column(name, justify="right")
    for name, compared in (result.get("differences") or {}).items():
        table.add_column(f"{name} - {compared['against']}", justify="right")
    for figure in FIGURES:
        cells = [_cell(scenarios[name][figure.key], figure.unit) for name in scenarios]
        cells += [_cell(compared[figure.key], figure.unit, difference=True)
                  for compared in (result.get("differences") or {}).values()]
        table.add_row(figure.label, *cells)
    orders = sum(sum(s["orders"]["values"]) for s in scenarios.values())
    runs = sum(len(s["orders"]["values"]) for s in scenarios.values())
    table.caption = (f"{orders:,.0f} orders in {runs} runs on {result['workers']} process(es): "
                     f"{result['orders_per_s']:.1f} simulated orders/s, "
                     f"{result['elapsed_s']:.0f} s")
    return table


def _cell(stat: dict[str, Any], unit: str, difference: bool = False) -> str:
    from shipshape.sim.report import format_difference, format_figure

    show = format_difference if difference else format_figure
    text = show(stat["mean"], unit)
    if stat.get("low") is None:
        return text
    return f"{text} ({show(stat['low'], unit)} to {show(stat['high'], unit)})"


def _write(result: dict[str, Any], json_out: Path | None, html_out: Path | None) -> None:
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")
        console.print(f"JSON: {json_out}")
    if html_out is not None:
        from shipshape.sim.report import html_report

        html_out.write_text(html_report(result), encoding="utf-8")
        console.print(f"report: {html_out} (self-contained: open it in any browser)")


def _next_steps(result: dict[str, Any]) -> None:
    name, scenario = list(result["scenarios"].items())[-1]
    env = f"SHIPSHAPE_DATABASE_URL=sqlite:///{scenario['stores'][-1]}"
    period = scenario["period"]
    console.print(f"each run's store is a Shipshape database; {name}'s last run, for example:",
                  soft_wrap=True)
    for command, what in (
            ("tokens create --role admin --name me", "a token for the console"),
            ("serve", f"then http://127.0.0.1:8000/console; {_dashboard(period)}"),
            (f"kpis --from {period['from']} --to {period['to']}",
             "the KPIs of the simulated days")):
        console.print(f"  [bold]{env} .venv/bin/shipshape {command}[/]  ({what})",
                      soft_wrap=True)


def _dashboard(period: dict[str, str]) -> str:
    """Where the console's dashboard shows the run's days."""
    return f"the KPI dashboard: /console/dashboard?from={period['from']}&to={period['to']}"
