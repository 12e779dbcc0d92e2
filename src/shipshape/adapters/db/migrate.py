"""Apply Alembic migrations to the configured store."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, inspect

from shipshape.adapters.db.engine import WRITE, is_sqlite
from shipshape.adapters.db.tables import metadata
from shipshape.domain.errors import ShipshapeError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head", replay: bool = False) -> str:
    """Bring the schema to `revision`; returns the revision the store is at afterwards.

    An empty store brought to the head gets the schema of `tables.py` in one step and is
    stamped with the head revision: the same schema the migrations build (a test holds them
    equal), without replaying every one of them. `replay` runs the migrations all the same.
    A store already at the head is left as it is, without starting Alembic."""
    head = head_revision()
    if revision == "head" and not replay and head is not None and current_revision(engine) == head:
        return head
    config = _config()
    with engine.connect().execution_options(**{WRITE: True}) as conn:
        config.attributes["connection"] = conn
        if revision == "head" and not replay and not inspect(conn).get_table_names():
            metadata.create_all(conn)
            command.stamp(config, "head")
        else:
            command.upgrade(config, revision)
        conn.commit()
    return current_revision(engine) or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@cache
def head_revision() -> str | None:
    """The newest migration this shipshape ships (they do not change while it runs)."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def autogenerate(engine: Engine, message: str) -> None:
    """Developer aid: write a new migration from the difference to tables.py."""
    config = _config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)


class SchemaNotCurrent(ShipshapeError):
    """The store's schema is not the one this shipshape was built for."""


def check_current(engine: Engine) -> None:
    """Raise `SchemaNotCurrent` naming both revisions unless the store is at the head."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    known = current is None or _known_revision(current)
    upgrade_hint = ("run `shipshape db upgrade`" if known
                    else "a newer shipshape migrated it, use that one")
    raise SchemaNotCurrent(f"the database schema is at {current or 'nothing (empty)'}, this "
                           f"shipshape needs {head}: {upgrade_hint}")


def _known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:  # a newer shipshape's revision
        return False


def prepare(engine: Engine) -> None:
    """What a command does to the schema before it works. An embedded SQLite file migrates
    itself (zero setup); any other store is shared, and changing its schema is an operator's
    step (`shipshape db upgrade`), so it is only checked."""
    if is_sqlite(engine):
        upgrade(engine)
    else:
        check_current(engine)
