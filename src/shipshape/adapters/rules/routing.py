"""Case routing as a GoRules JDM decision graph (`rules/desk/case_routing.json`), evaluated by
zen-engine: owner team and queue by kind, priority and SLA (business hours) by customer
priority, order value and kind. What the table leaves out stays as the finding says (owner
team, queue = owner team) or takes the defaults (`standard`, 24 business hours)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipshape.adapters.rules.jdm import load_decision
from shipshape.services.ports.routing import Route

TABLE = "case_routing"
DEFAULT_PRIORITY = "standard"
DEFAULT_SLA_HOURS = 24.0


class ZenCaseRouting:
    def __init__(self, path: Path) -> None:
        self._engine, self._version = load_decision(path)

    @property
    def version(self) -> str:
        return self._version

    def route(self, facts: Mapping[str, object]) -> Route:
        result = self._engine.evaluate(TABLE, dict(facts))["result"]
        row = result if isinstance(result, dict) else {}
        team = _text(row.get("owner_team")) or _text(facts.get("owner_team"))
        hours = row.get("sla_hours")
        return Route(owner_team=team, queue=_text(row.get("queue")) or team,
                     priority=_text(row.get("priority")) or DEFAULT_PRIORITY,
                     sla_hours=float(hours) if isinstance(hours, int | float) and hours > 0
                     else DEFAULT_SLA_HOURS)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
