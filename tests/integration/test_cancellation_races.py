"""A cancel racing a wave release: the order row's lock puts one after the other, so no order is
both released to the WMS and cancelled without the WMS being asked to stop it. On PostgreSQL
the wave passes over an order being cancelled (`SKIP LOCKED`) and a cancel waits for the wave
holding its order; on SQLite writers take turns."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from shipshape.domain.orders import OrderStatus
from shipshape.services.cancellation import CancelResult, cancel_in
from shipshape.services.release import release_in, release_wave
from tests.conftest import BACKENDS
from tests.worlds.cancellation import cancel, of_order, reserved
from tests.worlds.waves import App, place, status_of
from tests.worlds.worker import events

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_a_cancel_waits_for_the_wave_holding_its_order_then_stops_the_warehouse(
    app: App,
) -> None:
    container, _ = app
    order_id = place(app, 1)
    outcome: list[CancelResult] = []
    with container.deps.uow() as uow:
        assert uow.waves.lock_due("DAL", 10) == [order_id]
        late_cancel = threading.Thread(target=lambda: outcome.append(cancel(container,
                                                                            order_id)))
        late_cancel.start()
        late_cancel.join(0.5)
        assert late_cancel.is_alive(), "the cancel should wait for the wave's lock"
        assert release_in(container.deps, uow, "DAL", 10, "demand").released == (order_id,)
        uow.commit()
    late_cancel.join(10)
    [result] = outcome
    assert result.from_status is OrderStatus.RELEASED
    assert [e.payload["sites"] for e in of_order(container, "TaskCancelRequested",
                                                 order_id)] == [["DAL"]]


def test_a_wave_passes_over_an_order_being_cancelled(app: App) -> None:
    container, _ = app
    order_id = place(app, 1)
    waves: list[Any] = []
    deps = container.deps
    with deps.uow() as uow:
        cancel_in(deps, uow, order_id, "changed mind", "agent-1")
        wave = threading.Thread(target=lambda: waves.append(release_wave(container.deps,
                                                                         "DAL")))
        wave.start()
        wave.join(0.3)
        uow.commit()
    wave.join(10)
    assert waves[0].released == ()
    assert status_of(container, order_id) == "cancelled"
    assert not events(container, "WaveReleased")
    assert not of_order(container, "TaskCancelRequested", order_id)


def test_cancels_racing_waves_never_leave_a_released_order_unstopped(app: App) -> None:
    """Whatever the interleaving, an order the WMS got in a wave and then cancelled is
    stopped there, and the stock ledger counts exactly the live orders' reservations."""
    container, _ = app
    placed = [place(app, n) for n in range(12)]

    def waves() -> None:
        while release_wave(container.deps, "DAL", limit=2).wave_id is not None:
            pass

    def cancels() -> None:
        for order_id in placed[::2]:
            cancel(container, order_id)

    run_together(waves, cancels)
    in_waves = {o["order_id"] for e in events(container, "WaveReleased")
                for o in e.payload["orders"]}
    for order_id in placed[::2]:
        assert status_of(container, order_id) == "cancelled"
        stops = of_order(container, "TaskCancelRequested", order_id)
        assert len(stops) == (1 if order_id in in_waves else 0), order_id
    assert in_waves >= set(placed[1::2])
    assert reserved(container) == 2 * len(placed[1::2])


def run_together(*works: Any) -> None:
    """Run each in its own thread at once; raise the first error any of them raised."""
    errors: list[BaseException] = []

    def guarded(work: Any) -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
