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
