"""event objects

Every event is linked to each object it touches (`event_objects`: order, line, reservation,
wave, pick, shipment, tender, invoice, case, interchange, dead letter, ...), as OCEL 2.0 relates
events and objects. Events already stored get the links the event catalogue reads from their
payloads. `order_events.order_id` now holds an order's id only: an event about a wave or a
reconciliation run keeps its key in the new `stream` column (and the outbox's key column is
named `stream` too).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shipshape.adapters.db.event_rows import object_rows, order_of
from shipshape.domain.catalogue import objects_of_stored

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 2000
EVENTS = sa.table('order_events', sa.column('id', sa.BigInteger), sa.column('event_id', sa.String),
                  sa.column('order_id', sa.String), sa.column('stream', sa.String),
                  sa.column('type', sa.String), sa.column('payload', sa.JSON))
OBJECTS = sa.table('event_objects', sa.column('event_id', sa.String),
                   sa.column('object_type', sa.String), sa.column('object_id', sa.String),
                   sa.column('qualifier', sa.String))


def upgrade() -> None:
    op.create_table(
        'event_objects',
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('object_type', sa.String(length=30), nullable=False),
        sa.Column('object_id', sa.String(length=200), nullable=False),
        sa.Column('qualifier', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('event_id', 'object_type', 'object_id',
                                name=op.f('pk_event_objects')))
    op.create_index('ix_event_objects_object', 'event_objects', ['object_type', 'object_id'])
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stream', sa.String(length=60), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.String(length=40), nullable=True)
    op.execute(EVENTS.update().values(stream=EVENTS.c.order_id))
    _link_stored_events()
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.alter_column('stream', existing_type=sa.String(length=60), nullable=False)
        batch_op.create_index('ix_order_events_stream', ['stream', 'id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('order_id', new_column_name='stream',
                              existing_type=sa.String(length=40), type_=sa.String(length=60),
                              existing_nullable=False)


def _link_stored_events() -> None:
    """The links of every stored event, in batches; an event not of an order loses its
    `order_id` (it stays in `stream`)."""
    conn, last = op.get_bind(), 0
    while True:
        rows = conn.execute(sa.select(EVENTS.c.id, EVENTS.c.event_id, EVENTS.c.stream,
                                      EVENTS.c.type, EVENTS.c.payload)
                            .where(EVENTS.c.id > last).order_by(EVENTS.c.id).limit(BATCH)).all()
        if not rows:
            return
        links, not_orders = [], []
        for row in rows:
            objects = objects_of_stored(row.type, row.stream, row.payload or {})
            links += object_rows(row.event_id, objects)
            if order_of(row.stream, objects) is None:
                not_orders.append(row.id)
        if links:
            conn.execute(OBJECTS.insert(), links)
        if not_orders:
            conn.execute(EVENTS.update().where(EVENTS.c.id.in_(not_orders)).values(order_id=None))
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('stream', new_column_name='order_id',
                              existing_type=sa.String(length=60), type_=sa.String(length=40),
                              existing_nullable=False)
    op.execute(EVENTS.update().where(EVENTS.c.order_id.is_(None))
               .values(order_id=EVENTS.c.stream))
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_order_events_stream')
        batch_op.alter_column('order_id', existing_type=sa.String(length=40), nullable=False)
        batch_op.drop_column('stream')
    op.drop_index('ix_event_objects_object', table_name='event_objects')
    op.drop_table('event_objects')
