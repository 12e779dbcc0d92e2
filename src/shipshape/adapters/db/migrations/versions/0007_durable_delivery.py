"""durable delivery: outbox rows remember when every consumer applied them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shipshape.adapters.db.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OWED = "published_at IS NOT NULL AND delivered_at IS NULL"


def upgrade() -> None:
    # Rows published before this revision start as owed: the first delivery sweep marks those
    # every consumer applied, and what is left is delivered again (it may have been lost).
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at',
                                      shipshape.adapters.db.types.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_outbox_owed', ['id'], unique=False,
                              postgresql_where=sa.text(OWED), sqlite_where=sa.text(OWED))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_owed', postgresql_where=sa.text(OWED),
                            sqlite_where=sa.text(OWED))
        batch_op.drop_column('delivered_at')
