"""`shipshape mine LOG`: mine an event log (a flat CSV with its mapping, an OCEL file, or
`store`: Shipshape's own history) into a JSON and an HTML report, and export the proposed
controls as a JDM decision table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shipshape.cli.reading import FromOption, ToOption


def mine(
    log: Annotated[str, typer.Argument(
        help="a flat CSV log (.csv or .csv.gz; needs --mapping), an OCEL file (.sqlite, "
             ".json, .jsonocel, .xml, .xmlocel) or `store` (Shipshape's own history)")],
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="YAML: for a CSV its columns (case, activity, timestamp, ...); for "
                          "any log the outcome, cost and wording")] = None,
    object_types: Annotated[list[str] | None, typer.Option(
        "--type", help="object type to mine (repeatable; default: every type; a CSV: case)")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="write the HTML report here")
                    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the JSON report here")
                         ] = None,
    export_rules: Annotated[Path | None, typer.Option(
        "--export-rules", help="write the proposed controls as a JDM decision table "
                               "(mined_controls.json) into this folder")] = None,
    start: FromOption = None,
    end: ToOption = None,
) -> None:
    """Mine an event log: activities, variants, the directly-follows graph with waiting times,
    rework, patterns with their lift on the outcome, the Pareto of exceptions and proposed
    controls backtested on the history. Exit 2 when the log or the mapping is wrong."""
    from shipshape.cli.mine_run import mine_log

    mine_log(log, mapping, object_types, html, json_path, export_rules, start, end)
