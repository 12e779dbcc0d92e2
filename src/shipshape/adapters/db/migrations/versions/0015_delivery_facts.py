"""delivery facts

shipments' delivery state (in transit, out for delivery, delivered with its proof, failed),
damaged or short quantities per line, and each order's perfect-order facts

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 17:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.types import UtcDateTime

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shipment_deliveries',
        sa.Column('shipment_id', sa.String(length=60), nullable=False),
        sa.Column('order_id', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('delivered_at', UtcDateTime(timezone=True), nullable=True),
        sa.Column('pod_reference', sa.String(length=200), nullable=True),
        sa.Column('signee', sa.String(length=200), nullable=True),
        sa.Column('failure_reason', sa.String(length=500), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('source_event', sa.String(length=200), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('shipment_id'))
    with op.batch_alter_table('shipment_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_shipment_deliveries_order_id', ['order_id'], unique=False)
    op.create_table(
        'delivery_discrepancies',
        sa.Column('shipment_id', sa.String(length=60), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('damaged', sa.BigInteger(), nullable=False),
        sa.Column('short', sa.BigInteger(), nullable=False),
        sa.Column('source_event', sa.String(length=200), nullable=False),
        sa.Column('recorded_at', UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('shipment_id', 'line_no'))
    op.create_table(
        'perfect_orders',
        sa.Column('order_id', sa.String(length=40), nullable=False),
        sa.Column('customer_id', sa.String(length=60), nullable=False),
        sa.Column('promised_by', sa.Date(), nullable=False),
        sa.Column('delivered', sa.Boolean(), nullable=False),
        sa.Column('delivered_at', UtcDateTime(timezone=True), nullable=True),
        sa.Column('on_time', sa.Boolean(), nullable=True),
        sa.Column('in_full', sa.Boolean(), nullable=False),
        sa.Column('damage_free', sa.Boolean(), nullable=False),
        sa.Column('invoiced_accurately', sa.Boolean(), nullable=False),
        sa.Column('perfect', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('order_id'))
    with op.batch_alter_table('perfect_orders', schema=None) as batch_op:
        batch_op.create_index('ix_perfect_orders_customer_id', ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('perfect_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_perfect_orders_customer_id')
    op.drop_table('perfect_orders')
    op.drop_table('delivery_discrepancies')
    with op.batch_alter_table('shipment_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_shipment_deliveries_order_id')
    op.drop_table('shipment_deliveries')
