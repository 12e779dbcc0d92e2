"""edi interchange storage: a purchase order's identity includes its release number

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 04:40:00

Each interchange now stores its own bytes once (no schema change: a resend is found by its
content hash in `edi_interchanges`). Orders gain `release_number` ("" when the PO is not a
release against a blanket order), and duplicate detection is unique over the customer, the PO
and the release, so releases against one blanket are orders of their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_number', sa.String(length=35), nullable=False,
                                      server_default=''))
        batch_op.drop_constraint('uq_orders_customer_po', type_='unique')
        batch_op.create_unique_constraint('uq_orders_customer_po_release',
                                          ['customer_id', 'customer_po', 'release_number'])


def downgrade() -> None:
    # Fails while releases share a customer PO: the old constraint cannot hold them.
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_orders_customer_po_release', type_='unique')
        batch_op.create_unique_constraint('uq_orders_customer_po',
                                          ['customer_id', 'customer_po'])
        batch_op.drop_column('release_number')
