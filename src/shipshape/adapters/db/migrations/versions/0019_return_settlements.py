"""return settlements

the units of a disputed return the desk credited when it settled the dispute, and their credit
note, beside what the receipt credited

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settled', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('settlement_note_id', sa.String(length=40),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_column('settlement_note_id')
        batch_op.drop_column('settled')
