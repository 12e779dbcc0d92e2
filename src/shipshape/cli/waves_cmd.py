"""`shipshape waves release`: a wave at one site now, with its pre-wave check."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shipshape.bootstrap import build
from shipshape.services import release
from shipshape.services.release import WaveResult

console = Console()
app = typer.Typer(help="Waves: orders released to the warehouse per site.",
                  no_args_is_help=True)


@app.command("release")
def release_cmd(
    site: Annotated[str, typer.Option(help="the site whose due orders are released")],
    limit: Annotated[int, typer.Option(min=1, max=release.MAX_LIMIT,
                                       help="most orders in the wave")] = release.DEFAULT_LIMIT,
) -> None:
    """Check the orders due at SITE and release those that pass; the others are held with
    their exception cases. The WMS gets the wave when the outbox is next relayed."""
    container = build(migrate="embedded")
    try:
        result = release.release_wave(container.deps, site, limit)
    finally:
        container.close()
    print_wave(result)


def print_wave(result: WaveResult) -> None:
    if result.wave_id is None:
        console.print(f"no order is due at {result.site}: no wave")
        return
    summary = Table(title=f"wave {result.wave_id}", title_justify="left")
    for column in ("site", "released", "pulled", "check ms"):
        summary.add_column(column, justify="left" if column == "site" else "right")
    summary.add_row(result.site, str(len(result.released)), str(len(result.pulled)),
                    f"{result.check_ms:.1f}")
    console.print(summary)
    if result.pulled:
        pulled = Table(title="pulled from the wave (held)", title_justify="left")
        for column in ("order", "codes", "cases"):
            pulled.add_column(column)
        for p in result.pulled:
            pulled.add_row(p.order_id, ", ".join(p.codes), ", ".join(p.case_ids))
        console.print(pulled)
