"""`shipshape export ocel OUT.sqlite|OUT.json [--from --to] [--force]`: Shipshape's own history
as an OCEL 2.0 log: every stored event with its links to the objects it touches (orders,
lines, reservations, waves, picks, shipments, tenders, invoices, cases, interchanges, dead
letters...), the objects' attributes and their changes, and object-to-object relations."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from shipshape.adapters.db.ocel_queries import event_batches, link_batches, scalar_payload_keys
from shipshape.cli.reading import FromOption, ToOption, period, read
from shipshape.domain.errors import InvalidInput

if TYPE_CHECKING:  # mining (and Polars) is imported when a command needs it, not at start-up
    from shipshape.mining.log import EventLog

console = Console(stderr=True)
app = typer.Typer(help="Export Shipshape's own history.", no_args_is_help=True)


@app.command("ocel")
def ocel_cmd(
    out: Annotated[Path, typer.Argument(help="the file to write: OUT.sqlite or OUT.json",
                                        dir_okay=False)],
    start: FromOption = None,
    end: ToOption = None,
    force: Annotated[bool, typer.Option("--force", help="replace OUT if it exists")] = False,
) -> None:
    """Write the events stored from --from to --to (default: all) as OCEL 2.0 (SQLite with
    primary and foreign keys, or JSON), with their objects, links, attributes and relations."""
    from shipshape.mining import ocel
    from shipshape.mining.errors import LogError

    first, last = period(start, end)
    try:
        ocel.kind_of(out, ocel.WRITABLE)
    except LogError as error:
        raise InvalidInput(str(error)) from None
    if out.exists() and not force:
        raise InvalidInput(f"{out} exists; pass --force to replace it")
    began = time.perf_counter()
    log = read(lambda c: history(c.engine, first, last, _step))
    _step(f"writing {out.name}")
    try:
        ocel.write(log, out)
    except LogError as error:
        raise InvalidInput(str(error)) from None
    counts = log.counts()
    console.print(f"wrote {out}: {counts['events']} events, {counts['objects']} objects of "
                  f"{len(log.object_types())} types, {counts['links']} event-object links, "
                  f"{counts['relations']} object-object relations, "
                  f"{counts['event_attributes'] + counts['object_attributes']} attribute values "
                  f"in {time.perf_counter() - began:.1f} s", highlight=False)


def history(engine: Engine, start: datetime | None = None, end: datetime | None = None,
            step: object = None) -> EventLog:
    """Shipshape's events from `start` to `end` as an EventLog (the payload keys are read in
    a second connection while the events and links are read). `step(text)` hears each step."""
    from shipshape.mining.store_log import store_log

    say = step if callable(step) else (lambda text: None)
    with ThreadPoolExecutor(max_workers=1) as pool:
        keys = pool.submit(scalar_payload_keys, engine, start, end)
        say("reading events")
        events = list(event_batches(engine, start, end))
        say(f"reading the links of {sum(map(len, events))} events")
        links = list(link_batches(engine, start, end))
        say("building the log")
        return store_log(events, links, keys.result())


def _step(text: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)
