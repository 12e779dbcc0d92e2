"""`shipshape relay`: publish the outbox to the broker in commit order, and mark what went out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from shipshape.adapters.db.outbox_store import outbox_lag
from shipshape.bootstrap import Container, build, settle_deliveries, settle_heap
from shipshape.cli.watch_cmd import Stop, stopping_on_signals
from shipshape.services.delivery.relay import relay_forever, relay_pending

console = Console()


USAGE_ERROR = 2


def needs_broker(container: Container, command: str, embedded: str) -> None:
    """Stop with exit status 2 when no broker is set: in embedded mode `serve` does `embedded`."""
    if not container.settings.broker_url:
        console.print(f"[red]error:[/] `shipshape {command}` needs SHIPSHAPE_BROKER_URL: in "
                      f"embedded mode `shipshape serve` {embedded} itself")
        raise typer.Exit(USAGE_ERROR)


class SignalStop:
    """The `StopSignal` of a `Stop` set by SIGINT or SIGTERM."""

    def __init__(self, stop: Stop) -> None:
        self._stop = stop

    def is_set(self) -> bool:
        return self._stop.requested

    def wait(self, timeout: float | None = None) -> bool:
        return self._stop.wait(3600.0 if timeout is None else timeout)


def relay(
    once: Annotated[bool, typer.Option(
        "--once", help="publish what is unsent, then exit")] = False,
    interval: Annotated[float | None, typer.Option(
        min=0.01, help="seconds between two looks at an empty outbox "
                       "(default SHIPSHAPE_RELAY_INTERVAL_S, 0.5)")] = None,
    batch: Annotated[int | None, typer.Option(
        min=1, help="rows per batch (default SHIPSHAPE_RELAY_BATCH, 500)")] = None,
) -> None:
    """Publish the events in the outbox to the broker, in commit order, and settle what the
    consumers applied; stop with Ctrl-C."""
    container = build(migrate="embedded")
    try:
        settings = container.settings
        needs_broker(container, "relay", "relays the outbox")
        size = batch or settings.relay_batch
        _announce(container)
        transport = container.transport
        settle = settle_deliveries(container)
        settle_heap()
        if once:
            total = relay_pending(container.deps, transport, size, _progress)
            settle()
        else:
            with stopping_on_signals() as stop:
                total = relay_forever(container.deps, transport, SignalStop(stop),
                                      interval or settings.relay_interval_s, size, _progress,
                                      settle)
        left = outbox_lag(container.engine).unsent
    finally:
        container.close()
    console.print(f"relay stopped: {total} published, {left} unsent")


def _announce(container: Container) -> None:
    settings = container.settings
    lag = outbox_lag(container.engine)
    oldest = (f", the oldest since {lag.oldest_created_at:%Y-%m-%d %H:%M:%S}"
              if lag.oldest_created_at else "")
    target = f"NATS stream {settings.broker_stream} at {settings.broker_url}"
    console.print(f"relay: {lag.unsent} unsent in the outbox{oldest}; publishing to {target}")


def _progress(count: int, total: int) -> None:
    console.print(f"[dim]{datetime.now():%H:%M:%S}[/] published {count} ({total} in all)")
