"""event request ids

Each event written while serving an API request keeps that request's id (`X-Request-Id`), so an
operator can go from an access-log line to what the request changed; events written by workers
and commands have none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_column('request_id')
