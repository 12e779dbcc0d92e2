"""The worlds several integration test modules stand in, as fixtures (built by `tests.worlds`).

A module whose world differs defines a fixture of the same name, which takes the place of the
one here for that module (`app`, `store` and `url` are such names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shipshape.bootstrap import Container
from tests.cli_support import opened
from tests.worlds.picking import World, world_maker
from tests.worlds.relay import TRANSPORTS, Wired, wired
from tests.worlds.waves import App, wave_app


@pytest.fixture
def url(tmp_path: Path) -> str:
    """An SQLite file for the `shipshape` command to work on; nothing in it yet."""
    return f"sqlite:///{tmp_path / 'x.db'}"


@pytest.fixture
def store(url: str) -> Iterator[Container]:
    """The database the commands write to, migrated and empty."""
    with opened(url) as container:
        yield container


@pytest.fixture
def make_world(database_url: str) -> Iterator[Callable[..., World]]:
    """`make_world(stock, **customer)`: the picking world (`tests.worlds.picking`)."""
    with world_maker(database_url) as make:
        yield make


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    """The waves world (`tests.worlds.waves`)."""
    with wave_app(database_url) as built:
        yield built


@pytest.fixture(params=TRANSPORTS)
def w(request: pytest.FixtureRequest, database_url: str) -> Iterator[Wired]:
    """A store wired to each kind of transport in turn (`tests.worlds.relay`)."""
    with wired(database_url, request.param) as built:
        yield built
