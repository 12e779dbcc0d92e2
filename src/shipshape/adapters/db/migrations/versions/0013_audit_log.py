"""audit log

The audit trail: one row per decision, chained by hash (each row holds the hash of the one
before it). Decisions made before this revision are not in it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False,
                  autoincrement=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.Text(), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('subject_type', sa.String(length=30), nullable=False),
        sa.Column('subject_id', sa.String(length=200), nullable=False),
        sa.Column('cause', sa.Text(), nullable=False),
        sa.Column('before', sa.Text(), nullable=False),
        sa.Column('after', sa.Text(), nullable=False),
        sa.Column('rule_version', sa.String(length=200), nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('previous', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_log_subject', 'audit_log', ['subject_id', 'subject_type', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_subject', table_name='audit_log')
    op.drop_table('audit_log')
