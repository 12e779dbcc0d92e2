"""Liveness and the state of the store, the broker and each connector; needs no token."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from shipshape.adapters.db.as2_store import SqlAs2
from shipshape.adapters.db.engine import write_problem
from shipshape.adapters.db.errors import first_line
from shipshape.adapters.db.migrate import current_revision, head_revision
from shipshape.api.deps import container
from shipshape.bootstrap import Container
from shipshape.services.ports.connectors import Connectors

router = APIRouter()
Section = dict[str, Any]


class SectionOut(BaseModel):
    """One part's state; `detail` says what is wrong (or, for a broker, what it is)."""

    model_config = ConfigDict(extra="allow")
    ok: bool
    detail: str | None = None


class StoreOut(SectionOut):
    revision: str | None = None
    backend: str | None = None
    writable: bool | None = None
    error: str | None = None


class PartOut(SectionOut):
    """The broker or one connector: `kind` names it (memory, nats, simulated, http, ...)."""

    kind: str


class DeliveryOut(SectionOut):
    unsent: int | None = None
    owed: int | None = None
    unapplied: dict[str, int] | None = None
    oldest_age_s: float | None = None
    max_lag_s: float | None = None


class RiskModelOut(SectionOut):
    """The order-risk model: ready, or why the rules run without its score (missing, stale,
    failing); not configured is ok."""

    status: str
    model_version: str | None = None
    trained_at: str | None = None
    scored: int = 0
    failures: int = 0


class As2Out(SectionOut):
    """AS2 outbound, when a partner has an AS2 endpoint: documents due and not sent (the
    oldest's age), transmissions awaiting an asynchronous MDN."""

    unsent: int = 0
    oldest_unsent_age_s: float | None = None
    awaiting_receipt: int = 0
    max_unsent_s: float | None = None


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    store: StoreOut
    broker: PartOut
    delivery: DeliveryOut
    connectors: dict[str, PartOut]
    risk_model: RiskModelOut | None = None
    as2: As2Out | None = None


@router.get("/health", response_model=HealthOut, responses={503: {
    "model": HealthOut, "description": "The store or the broker is not ok"}})
def health(c: Annotated[Container, Depends(container)]) -> Any:
    """`status` is "ok" when everything is, else "degraded".

    HTTP 503 only when the store or the broker is not ok: then this process cannot do its job.
    A connector that is down gives "degraded" with HTTP 200: the work for that system waits in
    the queues and is retried, and the rest carries on. So does a configured order-risk model
    that is missing, stale or failing: orders are taken and released without its score. And
    so do documents due to AS2 partners that have waited unsent past `as2.max_unsent_s`.
    """
    store, broker = store_health(c), broker_health(c)
    connectors = connectors_health(c.connectors)
    delivery = delivery_health(c) if store["ok"] else {"ok": False, "detail": "no store"}
    risk = risk_model_health(c)
    as2 = as2_health(c) if store["ok"] else None
    essential = store["ok"] and broker["ok"]
    everything = (essential and delivery["ok"] and risk["ok"] and (as2 is None or as2["ok"])
                  and all(entry["ok"] for entry in connectors.values()))
    body = {"status": "ok" if everything else "degraded", "store": store, "broker": broker,
            "delivery": delivery, "connectors": connectors, "risk_model": risk, "as2": as2}
    return JSONResponse(body, status_code=200 if essential else 503)


def delivery_health(c: Container) -> Section:
    """Whether every event written is published and applied within `delivery_max_lag_s`."""
    try:
        debt = c.delivery_debt()
    except Exception as error:  # health must report, not raise
        return {"ok": False, "detail": str(error)}
    age, limit = debt.age_s(datetime.now(UTC)), c.settings.delivery_max_lag_s
    section: Section = {"ok": age <= limit, "unsent": debt.unsent, "owed": debt.owed,
                        "unapplied": debt.by_consumer, "oldest_age_s": round(age, 1),
                        "max_lag_s": limit}
    if age > limit:
        section["detail"] = (f"an event has waited {age:.0f} s to be published and applied "
                             f"(more than {limit:.0f} s)")
    return section


def as2_health(c: Container) -> Section | None:
    """AS2 outbound when some partner has an AS2 endpoint (else None): not ok when a document
    due to one has waited longer than `as2.max_unsent_s` (the worker's sends are off, failing
    before they record anything, or AS2 is not set up here)."""
    settings, store = c.settings.as2, SqlAs2(c.engine)
    try:
        partners = store.as2_partners()
        if not partners:
            return None
        owed = store.backlog(partners, datetime.now(UTC) - settings.claim_lease)
    except Exception as error:  # health must report, not raise
        return {"ok": False, "detail": str(error)}
    age = (datetime.now(UTC) - owed.oldest_unsent).total_seconds() if owed.oldest_unsent else 0
    section: Section = {"ok": age <= settings.max_unsent_s, "unsent": owed.unsent,
                        "oldest_unsent_age_s": round(age, 1),
                        "awaiting_receipt": owed.awaiting_receipt,
                        "max_unsent_s": settings.max_unsent_s}
    if not section["ok"]:
        why = "" if settings.configured else (" (AS2 is not set up here: as2.id, key_file, "
                                              "cert_file)")
        section["detail"] = (f"{owed.unsent} document(s) due to AS2 partners not sent, the "
                             f"oldest for {age:.0f} s{why}")
    return section


def risk_model_health(c: Container) -> Section:
    """The order-risk model's state: a model missing, stale or failing degrades (the rules run
    without its score); none configured is ok."""
    try:
        return asdict(c.deps.risk.health())
    except Exception as error:  # health must report, not raise
        return {"ok": False, "status": "failing", "detail": str(error)}


def store_health(c: Container) -> Section:
    """Reachable, migrated to the head revision, and writable: a write rolled back at once
    succeeds and (SQLite) the file has room to grow; `detail` says which is not so."""
    try:
        revision = current_revision(c.engine)
    except Exception as error:  # health must report, not raise
        return {"ok": False, "error": first_line(getattr(error, "orig", None) or error)}
    section: Section = {"ok": revision == head_revision(), "revision": revision,
                        "backend": c.engine.dialect.name, "writable": True}
    if not section["ok"]:
        section["detail"] = f"the schema is at {revision}, not at {head_revision()}"
    if (problem := write_problem(c.engine)) is not None:
        section.update(ok=False, writable=False, detail=f"the store cannot take writes: {problem}")
    return section


def broker_health(c: Container) -> Section:
    """The transport's own report. One not built yet is built now when a broker URL is set (the
    connect timeout bounds the wait); the in-process one is ok without being built."""
    transport = c.lazy_transport.built()
    if transport is None:
        if not c.settings.broker_url:
            return {"ok": True, "kind": "memory", "detail": "in-process; not started yet"}
        try:
            transport = c.transport
        except Exception as error:  # a broker that is down or refused: report it
            return {"ok": False, "kind": "nats", "detail": str(error)}
    return asdict(transport.health())


def connectors_health(connectors: Connectors | None) -> dict[str, Section]:
    out: dict[str, Section] = {}
    for system, connector in (connectors.all() if connectors is not None else {}).items():
        try:
            out[system] = asdict(connector.health())
        except Exception as error:  # a connector's health must not break the endpoint
            out[system] = {"ok": False, "kind": "unknown", "detail": str(error)}
    return out
