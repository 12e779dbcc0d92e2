"""edi acknowledgements

the acknowledgement state of each outbound EDI document: the key a 997/999/CONTRL finds it by,
its status, due time, acknowledged time and errors, its open case, and the document it resends

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.types import UtcDateTime

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('edi_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ack_key', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('ack_status', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('ack_due_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('ack_detail', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('ack_case_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('resend_of', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_edi_documents_ack_key', ['partner_id', 'ack_key'],
                              unique=False)
        batch_op.create_index('ix_edi_documents_ack_due', ['ack_status', 'ack_due_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('edi_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_edi_documents_ack_due')
        batch_op.drop_index('ix_edi_documents_ack_key')
        for column in ('resend_of', 'ack_case_id', 'ack_detail', 'acknowledged_at',
                       'ack_due_at', 'ack_status', 'ack_key'):
            batch_op.drop_column(column)
