"""Apply Alembic migrations to the configured store."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from shipshape.adapters.db.engine import WRITE
from shipshape.adapters.db.tables import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head", replay: bool = False) -> str:
    """Bring the schema to `revision`; returns the revision the store is at afterwards.

    An empty store brought to the head gets the schema of `tables.py` in one step and is
    stamped with the head revision: the same schema the migrations build (a test holds them
    equal), without replaying every one of them. `replay` runs the migrations all the same."""
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


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def autogenerate(engine: Engine, message: str) -> None:
    """Developer aid: write a new migration from the difference to tables.py."""
    config = _config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)
