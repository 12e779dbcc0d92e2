"""A relay is woken by another process's commits: two containers on one store stand for the
API's process and the engine's (`shipshape serve` runs them apart). Without the wake, a wait
for events runs out its whole timeout and says False."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.services.intake import SubmitOrder, submit_order
from tests.builders import order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
PATIENCE_S = 20.0
"""Far beyond a wake-up; only a missing one waits this long."""


@pytest.fixture
def engine_side(database_url: str) -> Iterator[Container]:
    built = build(Settings(database_url=database_url, env="test"))
    yield built
    built.close()


def test_a_commit_of_another_process_wakes_the_relay(container: Container,
                                                     engine_side: Container) -> None:
    seed_distributor(container)
    engine_side.deps.uow.listen_for_commits()
    while engine_side.deps.uow.await_events(0):
        pass  # the seeding's own wake-ups, if any arrived
    draft = OrderIn.model_validate(order(external_id="WAKE-1")).to_domain()
    assert submit_order(container.deps, SubmitOrder(draft)).status == "accepted"
    assert engine_side.deps.uow.await_events(PATIENCE_S) is True

