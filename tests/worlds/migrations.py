"""Moving a store down to an older schema revision, for the migration tests."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine

from shipshape.adapters.db import migrate
from shipshape.adapters.db.engine import WRITE


def downgrade(engine: Engine, revision: str) -> None:
    config = migrate._config()
    with engine.connect().execution_options(**{WRITE: True}) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()
