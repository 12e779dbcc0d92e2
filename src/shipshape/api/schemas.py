"""What the API answers with and the wave request: shapes that belong to HTTP, not to a channel.
The canonical records every channel parses (orders, master data, partners) live in
`adapters.channels.canonical`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shipshape.adapters.channels.canonical import JSON_INTEGER, Code, Edge
from shipshape.services import release


class IntakeOut(BaseModel):
    order_id: str | None
    status: Literal["accepted", "held", "duplicate"]
    findings: list[dict[str, object]]
    reservations: list[dict[str, object]]
    cases: list[str] = []
    duplicate_of: str | None = None
    rule_version: str | None = None
    promised_date: str | None = None
    """An accepted order's promised delivery date."""


class WaveIn(Edge):
    """`POST /waves`: release a wave at `site_id` now, of at most `limit` orders."""

    site_id: Code
    limit: Annotated[int, Field(ge=1, le=release.MAX_LIMIT), JSON_INTEGER] = release.DEFAULT_LIMIT


class PulledOut(BaseModel):
    order_id: str
    codes: list[str]
    cases: list[str]


class WaveOut(BaseModel):
    """`wave_id` is null when no order was due at the site (nothing was written)."""

    wave_id: str | None
    site_id: str
    trigger: str
    released: list[str]
    released_count: int
    pulled: list[PulledOut]
    pulled_count: int
    check_ms: float
