"""exception desk

Cases get the queue routing gave them, a priority, an SLA budget in business seconds and a
clock that pauses (when it paused, what it waits on, the business seconds paused before).
Cases opened before keep their owner team as their queue and no budget (their due time stands).
Tokens may be scoped to one customer and one team, and revoked.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.types import UtcDateTime

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exception_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=60), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('priority', sa.String(length=20),
                                      server_default='standard', nullable=False))
        batch_op.add_column(sa.Column('sla_budget_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paused_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_s', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('waiting_on', sa.String(length=60), nullable=True))
        batch_op.create_index('ix_exception_cases_status_due', ['status', 'sla_due_at'],
                              unique=False)
    op.execute("UPDATE exception_cases SET queue = owner_team WHERE queue = ''")
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('team', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('team')
        batch_op.drop_column('customer_id')
    with op.batch_alter_table('exception_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_exception_cases_status_due')
        for column in ('waiting_on', 'paused_s', 'paused_at', 'sla_budget_s', 'priority',
                       'queue'):
            batch_op.drop_column(column)
