"""What every log read from a file must hold before mining trusts it: each event and object id
once, and every link and relation naming an event and objects that exist (the foreign keys
of OCEL 2.0). A violation is a LogError that says how many rows and shows the first few."""

from __future__ import annotations

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import EventLog

SHOWN = 5


def checked(log: EventLog, source: str) -> EventLog:
    """`log` with exact duplicate links and relations dropped; LogError naming `source` when
    an id repeats or a link or relation names what does not exist."""
    _unique_ids(log.events, "event_id", "event", source)
    _unique_ids(log.objects, "object_id", "object", source)
    links = log.links.unique(maintain_order=True)
    relations = log.relations.unique(maintain_order=True)
    events, objects = log.events.select("event_id"), log.objects.select("object_id")
    _known(links, "event_id", events, "event_id", "event-to-object links name an event", source)
    _known(links, "object_id", objects, "object_id", "event-to-object links name an object",
           source)
    _known(relations, "source_id", objects, "object_id",
           "object-to-object relations name a source object", source)
    _known(relations, "target_id", objects, "object_id",
           "object-to-object relations name a target object", source)
    _known(log.event_attributes, "event_id", events, "event_id",
           "event attribute values name an event", source)
    _known(log.object_attributes, "object_id", objects, "object_id",
           "object attribute values name an object", source)
    return EventLog(log.events, log.objects, links, relations, log.event_attributes,
                    log.object_attributes)


def _unique_ids(frame: pl.DataFrame, column: str, what: str, source: str) -> None:
    repeated = (frame.group_by(column).len().filter(pl.col("len") > 1)
                .sort(column))
    if repeated.height:
        shown = ", ".join(f"{key} ({count}x)" for key, count in
                          repeated.head(SHOWN).iter_rows())
        more = f" and {repeated.height - SHOWN} more" if repeated.height > SHOWN else ""
        raise LogError(f"{source}: {repeated.height} {what} id"
                       f"{'s are' if repeated.height != 1 else ' is'} used more than once "
                       f"(duplicate {what}s): {shown}{more}")


def _known(frame: pl.DataFrame, column: str, ids: pl.DataFrame, id_column: str, what: str,
           source: str) -> None:
    missing = frame.join(ids, left_on=column, right_on=id_column, how="anti")
    if missing.height:
        names = missing.get_column(column).unique(maintain_order=True)
        shown = ", ".join(map(str, names.head(SHOWN).to_list()))
        more = f" and {names.len() - SHOWN} more" if names.len() > SHOWN else ""
        raise LogError(f"{source}: {missing.height} {what} that does not exist (the file "
                       f"violates its own foreign keys): {shown}{more}")
