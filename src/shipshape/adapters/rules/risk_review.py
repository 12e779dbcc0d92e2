"""The release-time risk review as a GoRules JDM decision table (`rules/release/risk_review.json`),
evaluated by zen-engine: each row it answers (code, severity, kind, owner team, message) is a
finding on an order about to be released; a blocking one pulls the order from the wave."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipshape.adapters.rules.jdm import load_decision
from shipshape.domain.findings import Finding
from shipshape.domain.policy import finding_from_row

TABLE = "risk_review"


class ZenReleaseRiskRules:
    """Implements `PolicyRules` for one table: its facts are an order's policy facts with
    `risk` (score, model_version, available) and `release` (site)."""

    def __init__(self, path: Path) -> None:
        self._engine, self._version = load_decision(path)

    @property
    def version(self) -> str:
        return self._version

    def evaluate(self, facts: Mapping[str, object]) -> list[Finding]:
        result = self._engine.evaluate(TABLE, dict(facts))["result"]
        rows = result if isinstance(result, list) else [result]
        return [finding_from_row(row, self._version) for row in rows
                if isinstance(row, dict) and row.get("code")]
