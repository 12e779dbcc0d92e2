"""Named read queries over the EDI interchange log."""

from __future__ import annotations

from sqlalchemy import Engine, select

from shipshape.adapters.db import tables as t


def repeats_accepted_interchange(engine: Engine, interchange_id: int) -> bool:
    """Whether the entry logged just before this one for the same partner, standard and
    control number was accepted, with the same content: the same file taken a second time."""
    i = t.edi_interchanges.c
    with engine.connect() as conn:
        this = conn.execute(select(i.partner_id, i.standard, i.control_number, i.content_hash)
                            .where(i.id == interchange_id)).mappings().first()
        if this is None:
            return False
        before = conn.execute(
            select(i.status, i.content_hash)
            .where(i.partner_id == this["partner_id"], i.standard == this["standard"],
                   i.control_number == this["control_number"], i.id < interchange_id)
            .order_by(i.id.desc()).limit(1)).mappings().first()
    return (before is not None and before["status"] == "accepted"
            and before["content_hash"] == this["content_hash"])


def received_content(engine: Engine, interchange_id: int) -> str | None:
    """The stored bytes (as Latin-1 text) of a received interchange: its own copy, or for a
    resend of the very same bytes the copy kept when they first came, named by their hash."""
    i, d = t.edi_interchanges.c, t.edi_documents.c
    first = t.edi_interchanges.alias("first")
    query = (select(d.content).select_from(t.edi_interchanges)
             .join(first, (first.c.partner_id == i.partner_id)
                   & (first.c.standard == i.standard)
                   & (first.c.control_number == i.control_number)
                   & (first.c.content_hash == i.content_hash))
             .join(t.edi_documents, (d.interchange_id == first.c.id) & (d.direction == "in"))
             .where(i.id == interchange_id).order_by(first.c.id).limit(1))
    with engine.connect() as conn:
        return conn.execute(query).scalar()
