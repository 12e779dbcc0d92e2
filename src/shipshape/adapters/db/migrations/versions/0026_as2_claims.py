"""as2 claims

One transmission per outbound document: a sender claims a document by its row before it sends,
so two senders (two workers, a worker and `shipshape partners send-as2`) never send it twice

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('uq_as2_messages_document', 'as2_messages', ['direction', 'document_id'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('uq_as2_messages_document', table_name='as2_messages')
