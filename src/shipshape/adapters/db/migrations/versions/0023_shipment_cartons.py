"""shipment cartons, site addresses

how each shipment was packed, as the WMS confirmed it: cartons (with their SSCC when the WMS
labelled them), the lines, lots and expiry dates in each (the 856's pack and item levels);
the sites' street address (the 856's ship-from)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shipshape.adapters.db.types

revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shipment_cartons',
        sa.Column('shipment_id', sa.String(length=60), nullable=False),
        sa.Column('carton_no', sa.Integer(), nullable=False),
        sa.Column('entry_no', sa.Integer(), nullable=False),
        sa.Column('carton_ref', sa.String(length=60), nullable=True),
        sa.Column('sscc', sa.String(length=18), nullable=True),
        sa.Column('weight_kg', shipshape.adapters.db.types.ExactDecimal(), nullable=True),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.BigInteger(), nullable=False),
        sa.Column('lot', sa.String(length=60), nullable=True),
        sa.Column('expiry', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('shipment_id', 'carton_no', 'entry_no'),
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line1', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('region', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('region')
        batch_op.drop_column('city')
        batch_op.drop_column('line1')
    op.drop_table('shipment_cartons')
