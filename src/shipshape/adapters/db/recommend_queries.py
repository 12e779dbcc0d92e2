"""Reads of the desk's recommendation outcomes (`RecommendationAccepted`,
`RecommendationRejected`): which recommendation of which case, accepted or rejected, why and
by whom. What the next training reads, and what the desk shows beside a case's
recommendations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from shipshape.adapters.db import tables as t
from shipshape.domain.catalogue import RecommendationAccepted, RecommendationRejected
from shipshape.domain.catalogue.base import CASE

Row = dict[str, Any]
TYPES = (RecommendationAccepted.TYPE, RecommendationRejected.TYPE)
FIELDS = ("case_id", "code", "rank", "recommendation", "action", "parameters", "reasons",
          "service", "margin", "outcome", "reason", "actor")


def recommendation_outcomes(engine: Engine, *, case_id: str | None = None,
                            code: str | None = None, since: datetime | None = None,
                            limit: int = 10_000) -> list[Row]:
    """The outcomes, oldest first: `event_id`, `occurred_at` (ISO 8601), `order_id` and the
    event's fields (`case_id`, `code`, `rank`, `recommendation`, `action`, `parameters`,
    `reasons`, `service`, `margin`, `outcome`: accepted or rejected, `reason`, `actor`)."""
    e, o = t.order_events.c, t.event_objects.c
    query = select(e.event_id, e.order_id, e.occurred_at, e.payload).where(e.type.in_(TYPES))
    if case_id is not None:
        query = query.join(t.event_objects, o.event_id == e.event_id).where(
            o.object_type == CASE, o.object_id == case_id)
    if since is not None:
        query = query.where(e.occurred_at >= since)
    if code is None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(e.id)).mappings().all()
    found = [_outcome(row) for row in rows]
    return [r for r in found if code is None or r["code"] == code][:limit]


def _outcome(row: Any) -> Row:
    payload = row["payload"] if isinstance(row["payload"], dict) else {}
    return {"event_id": row["event_id"], "order_id": row["order_id"],
            "occurred_at": row["occurred_at"].isoformat(),
            **{name: payload.get(name) for name in FIELDS}}
