"""the promise

each accepted order's promised delivery date and whether it is at risk

Orders accepted before keep no promise (`promised_date` NULL): the sweep looks only at orders
with one.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.types import UtcDateTime

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promised_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('promise_transit_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('promise_at_risk_since', UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_orders_promise_at_risk', ['promise_at_risk_since'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_promise_at_risk')
        batch_op.drop_column('promise_at_risk_since')
        batch_op.drop_column('promise_transit_days')
        batch_op.drop_column('promised_date')
