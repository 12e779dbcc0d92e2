"""Case routing: which team, queue, priority and SLA (business hours) a new case gets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Route:
    owner_team: str
    queue: str
    priority: str
    sla_hours: float
    """Business hours the case may take (on its owner team's calendar)."""


class CaseRouting(Protocol):
    """The routing table; `version` names it (`file@sha256-prefix`)."""

    @property
    def version(self) -> str: ...
    def route(self, facts: Mapping[str, object]) -> Route:
        """The route of a case with these facts: `code`, `kind`, `stage`, `site_id`,
        `customer_segment`, `customer_priority`, `order_value` and the finding's
        `owner_team` (what the table leaves open stays the finding's)."""
        ...
