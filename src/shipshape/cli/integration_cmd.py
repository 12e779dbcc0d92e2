"""`shipshape worker` and `shipshape dlq`: running the consumers, and the events they gave up on."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from shipshape.bootstrap import Container, build, handlers_of, settle_heap
from shipshape.cli.output import Listing, OutputFormat, OutputOption, emit
from shipshape.cli.reading import read
from shipshape.cli.relay_cmd import needs_broker
from shipshape.cli.watch_cmd import Stop, stopping_on_signals
from shipshape.domain.errors import InvalidInput
from shipshape.services.delivery import replay as dead
from shipshape.worker import Worker

console = Console()
LETTER_FIELDS = ("id", "created_at", "consumer", "system", "operation", "key", "event_id",
                 "subject", "attempts", "case_id", "status", "error")
dlq_app = typer.Typer(help="Dead letters: events a consumer could not apply.",
                      no_args_is_help=True)


class _Flag:
    """The worker's stop flag, raised by SIGTERM or SIGINT."""

    def __init__(self, stop: Stop) -> None:
        self._stop = stop

    def is_set(self) -> bool:
        return self._stop.requested


def worker(
    consumer: Annotated[list[str] | None, typer.Option(
        help="run only this consumer (repeatable); default: all")] = None,
) -> None:
    """Consume the broker's events and run the handlers until SIGTERM or Ctrl-C, which lets
    the events in hand finish first."""
    container = build(migrate="embedded")
    try:
        needs_broker(container, "worker", "runs the worker")
        chosen = _worker(container, consumer)
        settle_heap()
        with stopping_on_signals() as stop:
            tally = chosen.run(_Flag(stop), lambda n: console.print(
                f"worker: {n} consumer threads on {', '.join(chosen.handlers)}; "
                "stop with Ctrl-C or SIGTERM"))
    finally:
        container.close()
    r = tally.result
    console.print(f"worker stopped: {r.applied} applied, {r.duplicates} duplicates, "
                  f"{r.skipped} not for these consumers, {r.retried} retried, "
                  f"{r.dead_lettered} dead-lettered")


def _worker(container: Container, consumers: list[str] | None) -> Worker:
    try:
        return Worker(container, consumers)
    except ValueError as error:  # an unknown consumer named
        raise InvalidInput(str(error)) from error


@dlq_app.command("list")
def dlq_list(
    limit: Annotated[int, typer.Option(min=1)] = 100,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The open dead letters, oldest first."""
    letters = read(lambda c: dead.open_letters(c.deps, limit))
    if output is not OutputFormat.table:
        rows = [{name: getattr(d, name) for name in LETTER_FIELDS} for d in letters]
        emit(Listing("dead_letters", rows, LETTER_FIELDS, limit=limit), output)
        return
    if not letters:
        console.print("no open dead letters")
        return
    for d in letters:
        call = f"{d.system} {d.operation}" if d.system else "the handler"
        console.print(f"[bold]#{d.id}[/] {d.created_at:%Y-%m-%d %H:%M:%S} {d.consumer}: {call} "
                      f"for {d.key or '-'} failed after {d.attempts} attempt(s); case "
                      f"{d.case_id or '-'}", soft_wrap=True)
        console.print(f"    {d.error}", soft_wrap=True, markup=False)
    console.print(f"{len(letters)} open; replay with `shipshape dlq replay ID` or `--all`")


@dlq_app.command("replay")
def dlq_replay(
    letter_id: Annotated[int | None, typer.Argument(help="the dead letter's id")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="every open dead letter")] = False,
) -> None:
    """Apply dead letters again, each once; the exit status is 1 if any still fails."""
    if (letter_id is None) == (not replay_all):
        raise typer.BadParameter("give a dead letter id or --all, not both")
    container = build(migrate="embedded")
    try:
        handlers = handlers_of(container)
        results = (dead.replay_all(container.deps, handlers) if letter_id is None
                   else [dead.replay(container.deps, handlers, letter_id)])
    finally:
        container.close()
    for result in results:
        colour = "green" if result.outcome == "replayed" else "yellow"
        console.print(f"dead letter {result.letter_id}: [{colour}]{result.outcome}[/] "
                      f"{result.detail}")
    if not results:
        console.print("no open dead letters")
    if any(result.outcome in ("failed", "unknown", "no-handler") for result in results):
        raise typer.Exit(1)
