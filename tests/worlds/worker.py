"""A worker run in this process: orders placed through the API, the outbox relayed and a worker
running until what a test waits for is done; the events the store holds afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.services.delivery.relay import relay_pending
from shipshape.worker import Worker
from tests.builders import order, post_order


def place_orders(container: Container, client: TestClient, count: int = 1,
                 **overrides: Any) -> list[str]:
    token = container.tokens.create("t", "integration", container.deps.clock.now())
    ids = []
    for n in range(count):
        body = order(**{"external_id": f"W-{n}", "customer_po": f"PO-{n}", **overrides})
        ids.append(post_order(client, token, body).json()["order_id"])
    return ids


def work_until(container: Container, done: Callable[[], bool], within_s: float = 15) -> None:
    """Relay the outbox and run a worker in this process until `done()`."""
    relay_pending(container.deps, container.transport)
    stop = threading.Event()
    worker = threading.Thread(target=Worker(container).run, args=(stop,), daemon=True)
    worker.start()
    deadline = time.monotonic() + within_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(10)
    assert done(), "the worker did not finish in time"


def events(container: Container, kind: str) -> list[Any]:
    with container.engine.connect() as conn:
        return list(conn.execute(select(t.order_events).where(t.order_events.c.type == kind)
                                 .order_by(t.order_events.c.id)).all())
