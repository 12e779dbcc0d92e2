"""The choreography module is the map of order to cash: the real wiring must match it, so that a
newcomer who reads it reads what runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.domain.catalogue import CATALOGUE
from shipshape.services import choreography
from shipshape.services.delivery.inbound_effects import EFFECTS
from shipshape.services.ports.messaging import EVENT_TYPE_HEADER, Message
from shipshape.sim.systems.reactions import REACTIONS


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    path = Path(tmp_path_factory.mktemp("choreography")) / "shipshape.db"
    container = build(Settings(database_url=f"sqlite:///{path}", env="test"), migrate=True)
    yield container
    container.close()


def probe(event_type: str) -> Message:
    return Message("ev-1", f"shipshape.p0.{event_type}.ord-1", "ord-1", b"{}",
                   {EVENT_TYPE_HEADER: event_type})


def test_the_worker_runs_exactly_the_consumers_the_choreography_names(wired: Container) -> None:
    assert set(wired.consumers) == {c.name for c in choreography.CONSUMERS}


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_each_event_reaches_the_consumers_the_choreography_names(
    wired: Container, event_type: str
) -> None:
    wanted_by = {name for name, handler in wired.consumers.items()
                 if handler.wants(probe(event_type))}
    assert wanted_by == {c.name for c in choreography.consumers_of(event_type)}


def test_every_consumed_event_type_is_in_the_catalogue() -> None:
    taken = {event for consumer in choreography.CONSUMERS for event in consumer.takes}
    assert taken <= set(CATALOGUE)


def test_inbound_effects_and_simulated_answers_are_the_ones_declared() -> None:
    assert set(EFFECTS) == set(choreography.INBOUND_EFFECTS)
    assert set(REACTIONS) == set(choreography.SIMULATED_ANSWERS)
