"""as2 messages

AS2 messages in (idempotent by partner and Message-ID, with the MDN answered) and the
transmissions of outbound documents (attempts, MIC, MDN outcome)

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.types import UtcDateTime

revision = '0025'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'as2_messages',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True,
                  autoincrement=True),
        sa.Column('direction', sa.String(3), nullable=False),
        sa.Column('partner_id', sa.String(60), nullable=False),
        sa.Column('message_id', sa.String(255), nullable=False),
        sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite')),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('mic', sa.String(200)),
        sa.Column('disposition', sa.Text()),
        sa.Column('detail', sa.Text()),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('mdn_type', sa.Text()),
        sa.Column('mdn', sa.Text()),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('direction', 'partner_id', 'message_id',
                            name='uq_as2_messages_message'),
    )
    op.create_index('ix_as2_messages_document', 'as2_messages', ['document_id'])


def downgrade() -> None:
    op.drop_index('ix_as2_messages_document', table_name='as2_messages')
    op.drop_table('as2_messages')
