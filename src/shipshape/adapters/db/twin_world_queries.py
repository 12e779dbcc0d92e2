"""What the digital twin reads of the store as it runs: customer service's queue, and the free
stock its ERP reserves against and replenishes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, select

from shipshape.adapters.db.integration_tables import exception_cases as c
from shipshape.adapters.db.tables import inventory

OPEN = ("open", "assigned")


@dataclass(frozen=True, slots=True)
class QueuedCase:
    id: str
    code: str
    order_id: str | None
    line_nos: tuple[int, ...]
    segment: str | None
    details: dict[str, Any]


_QUEUE = (select(c.c.id, c.c.code, c.c.order_id, c.c.line_nos, c.c.customer_segment,
                 c.c.details)
          .where(c.c.status.in_(OPEN), c.c.code.in_(bindparam("codes", expanding=True)))
          .order_by(c.c.opened_at, c.c.id))


def open_cases(engine: Engine, codes: Collection[str]) -> list[QueuedCase]:
    """The open cases of `codes`, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(_QUEUE, {"codes": sorted(codes)}).all()
    return [QueuedCase(r.id, r.code, r.order_id, tuple(r.line_nos or ()), r.customer_segment,
                       dict(r.details or {})) for r in rows]


_FREE = (select(inventory.c.sku, inventory.c.site,
                inventory.c.on_hand - inventory.c.reserved)
         .where(inventory.c.site == bindparam("site")))
_FREE_OF = (select(inventory.c.site, inventory.c.on_hand - inventory.c.reserved)
            .where(inventory.c.sku == bindparam("sku")))


def free_stock(engine: Engine, site: str) -> dict[str, int]:
    """SKU -> units on hand at `site` that no reservation holds."""
    with engine.connect() as conn:
        return {sku: int(free) for sku, _, free in conn.execute(_FREE, {"site": site})}


def free_by_site(engine: Engine, sku: str) -> dict[str, int] | None:
    """Site -> free units of `sku`; None when no site has a position of it."""
    with engine.connect() as conn:
        rows = conn.execute(_FREE_OF, {"sku": sku}).all()
    return {site: int(free) for site, free in rows} if rows else None
