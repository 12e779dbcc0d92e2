"""Concurrent waves on PostgreSQL: a wave skips the orders another wave has locked
(`FOR UPDATE SKIP LOCKED`). SQLite has one writer, so its waves run one after the other."""

from __future__ import annotations

import pytest

from shipshape.services.release import release_wave
from tests.worlds.waves import App, place

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def test_a_wave_skips_the_orders_another_wave_holds_without_waiting(app: App) -> None:
    container, _ = app
    placed = {place(app, n) for n in range(6)}
    with container.deps.uow() as uow:
        held = set(uow.waves.lock_due("DAL", 4))
        other = release_wave(container.deps, "DAL")
        uow.rollback()
    assert len(held) == 4 and set(other.released) == placed - held
    assert set(release_wave(container.deps, "DAL").released) == held
