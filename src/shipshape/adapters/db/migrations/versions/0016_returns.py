"""returns

return authorisations (RMA) per order and line, their receipt with the condition per line, and
the stock held back from sale (quarantined, scrapped)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.types import UtcDateTime

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'returns',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('order_id', sa.String(length=40), nullable=False),
        sa.Column('customer_id', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason_code', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('source_event', sa.String(length=200), nullable=True),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_returns')))
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.create_index('ix_returns_order_id', ['order_id'], unique=False)
    op.create_table(
        'return_lines',
        sa.Column('return_id', sa.String(length=40), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('shipment_id', sa.String(length=60), nullable=False),
        sa.Column('site', sa.String(length=60), nullable=False),
        sa.Column('sku', sa.String(length=60), nullable=False),
        sa.Column('authorised', sa.BigInteger(), nullable=False),
        sa.Column('good', sa.BigInteger(), nullable=False),
        sa.Column('damaged', sa.BigInteger(), nullable=False),
        sa.Column('scrapped', sa.BigInteger(), nullable=False),
        sa.Column('accepted', sa.BigInteger(), nullable=False),
        sa.Column('credited', sa.BigInteger(), nullable=False),
        sa.Column('credit_note_id', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('return_id', 'line_no', 'shipment_id',
                                name=op.f('pk_return_lines')))
    op.create_table(
        'held_stock',
        sa.Column('site', sa.String(length=60), nullable=False),
        sa.Column('sku', sa.String(length=60), nullable=False),
        sa.Column('quarantined', sa.BigInteger(), nullable=False),
        sa.Column('scrapped', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('site', 'sku', name=op.f('pk_held_stock')))


def downgrade() -> None:
    op.drop_table('held_stock')
    op.drop_table('return_lines')
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.drop_index('ix_returns_order_id')
    op.drop_table('returns')
