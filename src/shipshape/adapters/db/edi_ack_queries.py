"""The partner dashboard: documents in and out, acknowledgement rate and latency, rejections,
documents awaiting past their window, and open EDI cases (`GET /partners/{id}/dashboard`,
`shipshape partners dashboard PARTNER`)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Engine, func, select

from shipshape.adapters.db import tables as t
from shipshape.domain.edi_acks import AckStatus, percentile

d = t.edi_documents.c
x = t.exception_cases.c
ACKNOWLEDGED = (AckStatus.ACCEPTED.value, AckStatus.ACCEPTED_WITH_ERRORS.value,
                AckStatus.REJECTED.value)
OPEN = ("open", "assigned")


def partner_dashboard(engine: Engine, partner_id: str, now: datetime) -> dict[str, object]:
    with engine.connect() as conn:
        counts = conn.execute(select(d.direction, d.doc_type, func.count())
                              .where(d.partner_id == partner_id)
                              .group_by(d.direction, d.doc_type)).all()
        acks = conn.execute(select(d.ack_status, d.created_at, d.acknowledged_at, d.ack_due_at)
                            .where(d.partner_id == partner_id, d.direction == "out",
                                   d.ack_status.is_not(None))).all()
        cases = conn.execute(select(x.code, x.details)
                             .where(x.code.like("EDI\\_%", escape="\\"), x.status.in_(OPEN))).all()
    documents: dict[str, dict[str, int]] = {"in": {}, "out": {}}
    for direction, doc_type, count in counts:
        documents.setdefault(direction, {})[doc_type] = int(count)
    expecting = [a for a in acks if a.ack_status != AckStatus.NOT_EXPECTED.value]
    answered = [a for a in expecting if a.ack_status in ACKNOWLEDGED]
    latency = [(a.acknowledged_at - a.created_at).total_seconds() for a in answered
               if a.acknowledged_at is not None]
    overdue = sum(1 for a in expecting if a.ack_status == AckStatus.AWAITING.value
                  and a.ack_due_at is not None and a.ack_due_at < now)
    open_cases = Counter(code for code, details in cases
                         if isinstance(details, dict) and details.get("partner") == partner_id)
    return {
        "partner_id": partner_id, "at": now.isoformat(), "documents": documents,
        "expecting_acknowledgement": len(expecting), "acknowledged": len(answered),
        "acknowledgement_rate": round(len(answered) / len(expecting), 4) if expecting else None,
        "latency_p50_s": percentile(latency, 0.5), "latency_p90_s": percentile(latency, 0.9),
        "rejected": sum(1 for a in answered if a.ack_status == AckStatus.REJECTED.value),
        "awaiting_past_window": overdue, "open_cases": dict(sorted(open_cases.items())),
    }


def partner_exists(engine: Engine, partner_id: str) -> bool:
    p = t.trading_partners.c
    with engine.connect() as conn:
        return conn.execute(select(p.id).where(p.id == partner_id)).first() is not None
