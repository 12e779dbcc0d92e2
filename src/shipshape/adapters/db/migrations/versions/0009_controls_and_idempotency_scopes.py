"""controls and idempotency scopes

Idempotency keys get a scope (whose key it is) in their primary key, and master-data changes
an audit table.

Keys stored before this revision keep answering where their scope can be told from the key:
`webhook:<system>:<id>` becomes scope `webhook:<system>`, key `<id>`; an order's own key
`<channel>:<external id>` (and the EDI intakes' `x12:`/`edifact:` keys) goes to its channel's
scope. A key a client chose through the API cannot be traced to its caller: it is kept under
scope `legacy`, where no new request looks, and goes with the retention purge.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shipshape.adapters.db.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SYSTEMS = ("erp", "wms", "tms", "finance")
CHANNEL_PREFIXES = {"web": "web", "edi": "edi", "field_sales": "field_sales", "api": "api",
                    "x12": "edi", "edifact": "edi"}
keys = sa.table('idempotency_keys', sa.column('scope', sa.String()),
                sa.column('key', sa.String()))


def upgrade() -> None:
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=120), nullable=False,
                                      server_default='legacy'))
        batch_op.drop_constraint('pk_idempotency_keys', type_='primary')
        batch_op.create_primary_key('pk_idempotency_keys', ['scope', 'key'])
        batch_op.create_index('ix_idempotency_keys_created_at', ['created_at'], unique=False)
    for system in SYSTEMS:
        prefix = f"webhook:{system}:"
        op.execute(keys.update().where(keys.c.key.startswith(prefix, autoescape=True))
                   .values(scope=f"webhook:{system}",
                           key=sa.func.substr(keys.c.key, len(prefix) + 1)))
    for prefix, channel in CHANNEL_PREFIXES.items():
        op.execute(keys.update().where(keys.c.scope == 'legacy',
                                       keys.c.key.startswith(f"{prefix}:", autoescape=True))
                   .values(scope=f"channel:{channel}"))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.alter_column('scope', existing_type=sa.String(length=120),
                              existing_nullable=False, server_default=None)

    op.create_table(
        'masterdata_changes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
                  nullable=False),
        sa.Column('entity_kind', sa.String(length=20), nullable=False),
        sa.Column('entity_id', sa.String(length=130), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.Column('at', shipshape.adapters.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_masterdata_changes')))
    with op.batch_alter_table('masterdata_changes', schema=None) as batch_op:
        batch_op.create_index('ix_masterdata_changes_entity', ['entity_kind', 'entity_id', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('masterdata_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_masterdata_changes_entity')
    op.drop_table('masterdata_changes')

    op.execute(keys.update().where(keys.c.scope.startswith("webhook:", autoescape=True))
               .values(key=keys.c.scope + ":" + keys.c.key))
    other = keys.alias("other")
    # Two callers' same key: the one of the first scope stays.
    op.execute(keys.delete().where(sa.exists().where(other.c.key == keys.c.key,
                                                     other.c.scope < keys.c.scope)))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_keys_created_at')
        batch_op.drop_constraint('pk_idempotency_keys', type_='primary')
        batch_op.create_primary_key('pk_idempotency_keys', ['key'])
        batch_op.drop_column('scope')
