"""What `shipshape mine` does (`cli/mine_cmd.py` holds its options): read the log, build the
report, write it. Imported when the command runs, so the CLI starts without Polars."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from shipshape.adapters.db.ocel_queries import event_batches, link_batches, scalar_payload_keys
from shipshape.cli import exit_codes
from shipshape.cli.reading import period, read
from shipshape.mining import flat, ocel, report, report_html, rules
from shipshape.mining import mapping as mappings
from shipshape.mining.charts import NONE
from shipshape.mining.errors import LogError
from shipshape.mining.log import EventLog
from shipshape.mining.mapping import Options
from shipshape.mining.store_log import store_log

console = Console()
stderr = Console(stderr=True, highlight=False, soft_wrap=True)
FLAT_SUFFIXES = (".csv", ".gz", ".tsv", ".txt")


def mine_log(log: str, mapping: Path | None, object_types: list[str] | None,
             html: Path | None, json_path: Path | None, export_rules: Path | None,
             start: str | None, end: str | None) -> None:
    """Read `log`, build its report, write what was asked; exit 2 (usage) on a bad log or
    mapping, said on stderr."""
    clock = _Clock()
    try:
        loaded, options, source = _load(log, mapping, start, end, clock)
        for note in source.notes:
            stderr.print(f"[yellow]note:[/] {escape(note['message'])}")
        built = report.build(loaded, options, object_types=object_types, source=source,
                             progress=clock.step)
        clock.step("writing")
        written = _write(built, html, json_path, export_rules)
    except LogError as error:
        stderr.print(f"[red]error:[/] {escape(str(error))}", markup=True)
        raise typer.Exit(exit_codes.USAGE) from None
    clock.done()
    _summary(built, written)


class _Clock:
    """Progress on stderr: each step as it starts, the time the last one took."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()

    def step(self, what: str) -> None:
        now = time.perf_counter()
        stderr.print(f"[dim]{now - self.started:6.1f} s  {escape(what)} …[/]")
        self.last = now

    def done(self) -> None:
        stderr.print(f"[dim]{time.perf_counter() - self.started:6.1f} s  done[/]")


def _load(log: str, mapping: Path | None, start: str | None, end: str | None, clock: _Clock
          ) -> tuple[EventLog, Options, report.Source]:
    if log == "store":
        clock.step("reading Shipshape's events from the store")
        first, last = period(start, end)
        loaded = read(lambda c: store_log(event_batches(c.engine, first, last),
                                          link_batches(c.engine, first, last),
                                          scalar_payload_keys(c.engine, first, last)))
        return loaded, mappings.load_options(mapping), report.Source("store", "store")
    if start or end:
        raise LogError("--from and --to apply to `store` only")
    path = Path(log)
    suffix = path.suffix.lower()
    if suffix in ocel.READABLE:
        clock.step(f"reading {path.name} (OCEL)")
        return ocel.read(path), mappings.load_options(mapping), report.Source(str(path), "ocel")
    if suffix in FLAT_SUFFIXES or mapping is not None:
        if mapping is None:
            raise LogError(f"{path.name}: a flat CSV log needs --mapping MAP.yaml (which "
                           f"column is the case, the activity, the timestamp)")
        clock.step(f"reading {path.name} (CSV)")
        chosen = mappings.load(mapping)
        imported = flat.load(path, chosen)
        details = {"rows": imported.rows, "timestamp_format": imported.timestamp_format}
        notes = [note.as_dict() for note in imported.notes]
        return imported.log, chosen.options, report.Source(str(path), "csv", details, notes)
    raise LogError(f"{path.name}: unknown kind of log {suffix or '(no suffix)'!r}; give a CSV "
                   f"(.csv, .csv.gz) with --mapping, an OCEL file "
                   f"({', '.join(ocel.READABLE)}) or `store`")


def _write(built: dict[str, Any], html: Path | None, json_path: Path | None,
           export_rules: Path | None) -> list[str]:
    written = []
    if json_path is not None:
        report.write_json(built, json_path)
        written.append(f"JSON report: {json_path}")
    if html is not None:
        report_html.write_html(built, html)
        written.append(f"HTML report: {html}")
    if export_rules is not None:
        path = rules.export(built["proposed_controls"], export_rules)
        written.append(f"rules: {path}" if path else
                       "rules: none written (no proposed control has a rule at capture)")
    return written


def _summary(built: dict[str, Any], written: list[str]) -> None:
    console.print(f"{built['events']:,} events, {built['cases']:,} cases "
                  f"({', '.join(built['mined_types'])}), {len(built['activities'])} activities, "
                  f"{sum(t['variant_count'] for t in built['types'].values()):,} variants")
    if built["outcome"]:
        for kind, outcome in built["outcome"]["by_type"].items():
            console.print(f"{built['outcome']['label']}: {outcome['cases']:,} of "
                          f"{built['types'][kind]['cases']:,} {kind} objects "
                          f"({outcome['rate']:.1%})")
    console.print(f"{len(built['patterns'])} patterns, "
                  f"{len(built['proposed_controls'])} proposed controls")
    for control in built["proposed_controls"][:5]:
        tested = control["backtest"]
        precision = NONE if tested["precision"] is None else f"{tested['precision']:.0%}"
        recall = NONE if tested["recall"] is None else f"{tested['recall']:.0%}"
        console.print(f"  • {escape(control['proposal'])} [dim](precision {precision}, recall "
                      f"{recall})[/]")
    for line in written:
        console.print(escape(line))
