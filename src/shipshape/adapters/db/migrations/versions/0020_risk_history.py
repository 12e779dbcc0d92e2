"""risk history

an index on the tenders by carrier service and time: the order-risk model reads a carrier
service's tender history at every capture

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.create_index('ix_tenders_carrier_service', ['carrier_service', 'at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_index('ix_tenders_carrier_service')
