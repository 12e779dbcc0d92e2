"""Carrier selection as a GoRules JDM decision table (collect policy), evaluated by zen-engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipshape.adapters.rules.jdm import load_decision
from shipshape.domain.carriers import Candidate

TABLE = "carrier_selection"


class ZenCarrierRules:
    """Each row the table answers (`service`, `rank`) is a candidate carrier service."""

    def __init__(self, path: Path) -> None:
        self._engine, self._version = load_decision(path)

    @property
    def version(self) -> str:
        return self._version

    def candidates(self, facts: Mapping[str, object]) -> list[Candidate]:
        answer = self._engine.evaluate(TABLE, dict(facts))
        result = answer["result"]
        rows = result if isinstance(result, list) else [result]
        return [Candidate(str(row["service"]), _rank(row.get("rank"))) for row in rows
                if isinstance(row, dict) and row.get("service")]


def _rank(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 1_000_000
