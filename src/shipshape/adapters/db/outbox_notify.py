"""On PostgreSQL, the outbox notifies the channel `CHANNEL` once per statement that
writes events, delivered when the transaction commits (migration 0027; a schema built from
`tables.py` in one step gets it from the DDL hook below). `OR REPLACE`: a migration that creates
the outbox from `tables.py` has run the hook already (PostgreSQL 14 or later)."""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

CHANNEL = "shipshape_outbox"
CREATE_FUNCTION = ("CREATE OR REPLACE FUNCTION shipshape_outbox_notify() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('" + CHANNEL + "', ''); "
                   "RETURN NULL; END $$")
CREATE_TRIGGER = ("CREATE OR REPLACE TRIGGER outbox_notify AFTER INSERT ON outbox "
                  "FOR EACH STATEMENT EXECUTE FUNCTION shipshape_outbox_notify()")
DROP_TRIGGER = "DROP TRIGGER outbox_notify ON outbox"
DROP_FUNCTION = "DROP FUNCTION shipshape_outbox_notify()"


def notifying(outbox: Table) -> Table:
    """The outbox table, with its trigger created after it on PostgreSQL."""
    for statement in (CREATE_FUNCTION, CREATE_TRIGGER):
        hook = DDL(statement).execute_if(dialect="postgresql")  # type: ignore[no-untyped-call]
        event.listen(outbox, "after_create", hook)
    return outbox
