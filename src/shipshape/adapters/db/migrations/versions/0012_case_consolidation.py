"""case consolidation

An exception seen again while its case is open counts an occurrence of that case instead of
opening another: cases keep the subject they are about (order, site, lines and the shipment,
invoice or document named), how often it was seen and when last. Cases opened before keep no
subject and are never counted into.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.types import UtcDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exception_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('occurrences', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.add_column(sa.Column('last_seen_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_exception_cases_code_subject', ['code', 'subject'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exception_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_exception_cases_code_subject')
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('occurrences')
        batch_op.drop_column('subject')
