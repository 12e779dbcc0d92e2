"""Custom policies as GoRules JDM decision tables, evaluated by zen-engine."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zen

from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding
from shipshape.domain.policy import finding_from_row


@dataclass(frozen=True)
class _Table:
    name: str
    digest: str
    decision: Any


class ZenPolicyRules:
    """Every `*.json` in the rules folder; each row it returns becomes a finding."""

    def __init__(self, folder: Path) -> None:
        self._engine = zen.ZenEngine()
        self._tables = [self._load(path) for path in sorted(folder.glob("*.json"))]
        self._version = ",".join(f"{t.name}@{t.digest}" for t in self._tables) or "none"

    @property
    def version(self) -> str:
        return self._version

    def evaluate(self, facts: Mapping[str, object]) -> list[Finding]:
        found: list[Finding] = []
        for table in self._tables:
            rows = table.decision.evaluate(dict(facts))["result"]
            rows = rows if isinstance(rows, list) else [rows]
            rule = f"{table.name}@{table.digest}"
            found.extend(finding_from_row(row, rule) for row in rows if row.get("code"))
        return found

    def _load(self, path: Path) -> _Table:
        content = path.read_text(encoding="utf-8")
        try:
            decision = self._engine.create_decision(content)
        except Exception as error:  # zen raises its own untyped errors
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise InvalidInput(f"rule file {path} is not a valid JDM decision: {reason}") from error
        digest = hashlib.sha256(content.encode()).hexdigest()[:12]
        return _Table(path.stem, digest, decision)
