"""The partner dashboard: documents in and out, acknowledgement rate and latency, rejections,
documents awaiting past their window, and open EDI cases (`GET /partners/{id}/dashboard`,
`shipshape partners dashboard PARTNER`); the same figures for every partner at once
(`GET /partners`, `partner_queries.list_partners`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from shipshape.adapters.db import tables as t
from shipshape.domain.edi_acks import AckStatus, percentile

d = t.edi_documents.c
x = t.exception_cases.c
p = t.trading_partners.c
ACKNOWLEDGED = (AckStatus.ACCEPTED.value, AckStatus.ACCEPTED_WITH_ERRORS.value,
                AckStatus.REJECTED.value)
OPEN = ("open", "assigned")


@dataclass(frozen=True, slots=True)
class FigureRows:
    """What the figures of some partners are made of, read in three queries."""

    counts: Sequence[Any]
    """Rows of (partner_id, direction, doc_type, count)."""
    acks: Sequence[Any]
    """Rows of the outbound documents with an acknowledgement state."""
    cases: Sequence[Any]
    """Rows of every open EDI case; the partner is in its details."""


def read_figure_rows(conn: Connection, partner_ids: Sequence[str]) -> FigureRows:
    counts = conn.execute(select(d.partner_id, d.direction, d.doc_type, func.count())
                          .where(d.partner_id.in_(partner_ids))
                          .group_by(d.partner_id, d.direction, d.doc_type)).all()
    acks = conn.execute(select(d.partner_id, d.ack_status, d.created_at, d.acknowledged_at,
                               d.ack_due_at)
                        .where(d.partner_id.in_(partner_ids), d.direction == "out",
                               d.ack_status.is_not(None))).all()
    cases = conn.execute(select(x.id, x.code, x.status, x.opened_at, x.message, x.details)
                         .where(x.code.like("EDI\\_%", escape="\\"), x.status.in_(OPEN))
                         .order_by(x.opened_at, x.id)).all()
    return FigureRows(counts, acks, cases)


def partner_figures(partner_id: str, rows: FigureRows, now: datetime) -> dict[str, Any]:
    """One partner's figures from rows read for it (and perhaps others)."""
    documents: dict[str, dict[str, int]] = {"in": {}, "out": {}}
    for partner, direction, doc_type, count in rows.counts:
        if partner == partner_id:
            documents.setdefault(direction, {})[doc_type] = int(count)
    expecting = [a for a in rows.acks if a.partner_id == partner_id
                 and a.ack_status != AckStatus.NOT_EXPECTED.value]
    answered = [a for a in expecting if a.ack_status in ACKNOWLEDGED]
    latency = [(a.acknowledged_at - a.created_at).total_seconds() for a in answered
               if a.acknowledged_at is not None]
    overdue = sum(1 for a in expecting if a.ack_status == AckStatus.AWAITING.value
                  and a.ack_due_at is not None and a.ack_due_at < now)
    open_cases = Counter(case.code for case in cases_of(partner_id, rows))
    return {
        "partner_id": partner_id, "documents": documents,
        "expecting_acknowledgement": len(expecting), "acknowledged": len(answered),
        "acknowledgement_rate": round(len(answered) / len(expecting), 4) if expecting else None,
        "latency_p50_s": percentile(latency, 0.5), "latency_p90_s": percentile(latency, 0.9),
        "rejected": sum(1 for a in answered if a.ack_status == AckStatus.REJECTED.value),
        "awaiting_past_window": overdue, "open_cases": dict(sorted(open_cases.items())),
    }


def cases_of(partner_id: str, rows: FigureRows) -> list[Any]:
    return [case for case in rows.cases
            if isinstance(case.details, dict) and case.details.get("partner") == partner_id]


def partner_dashboard(engine: Engine, partner_id: str, now: datetime) -> dict[str, object]:
    """The partner's figures and its open EDI cases, oldest first."""
    with engine.connect() as conn:
        rows = read_figure_rows(conn, [partner_id])
        customer_id = conn.execute(select(p.customer_id).where(p.id == partner_id)).scalar()
    return {**partner_figures(partner_id, rows, now), "customer_id": customer_id,
            "at": now.isoformat(), "cases": [_case(case) for case in cases_of(partner_id, rows)]}


def _case(case: Any) -> dict[str, object]:
    details = case.details
    return {"case_id": case.id, "code": case.code, "status": case.status,
            "opened_at": case.opened_at.isoformat(), "document": details.get("document"),
            "control_number": details.get("control_number"), "message": case.message}


def partner_exists(engine: Engine, partner_id: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(p.id).where(p.id == partner_id)).first() is not None
