"""outbox notify

On PostgreSQL, a trigger of the outbox notifies the channel `shipshape_outbox` once per
statement that writes events, delivered when the transaction commits: a relay in another
process LISTENs and is woken at once instead of at its next poll (adapters/db/commit_wake.py).
Nothing on SQLite.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from alembic import op

from shipshape.adapters.db.outbox_notify import (
    CREATE_FUNCTION,
    CREATE_TRIGGER,
    DROP_FUNCTION,
    DROP_TRIGGER,
)

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_FUNCTION)
        op.execute(CREATE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_TRIGGER)
        op.execute(DROP_FUNCTION)
