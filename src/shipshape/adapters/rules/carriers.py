"""Carrier selection as a GoRules JDM decision table (collect policy), evaluated by zen-engine."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import zen

from shipshape.domain.carriers import Candidate
from shipshape.domain.errors import InvalidInput

TABLE = "carrier_selection"


class ZenCarrierRules:
    """Each row the table answers (`service`, `rank`) is a candidate carrier service."""

    def __init__(self, path: Path) -> None:
        content = path.read_text(encoding="utf-8")
        self._engine = zen.ZenEngine({"loader": lambda _key: content})
        try:
            self._engine.create_decision(content)
        except Exception as error:  # zen raises its own untyped errors
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise InvalidInput(f"rule file {path} is not a valid JDM decision: {reason}") from error
        self._version = f"{path.stem}@{hashlib.sha256(content.encode()).hexdigest()[:12]}"

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
