"""Custom policies as GoRules JDM decision tables, evaluated by zen-engine."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import zen

from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding
from shipshape.domain.policy import finding_from_row


@dataclass(frozen=True)
class _Table:
    name: str
    digest: str

    @property
    def rule(self) -> str:
        return f"{self.name}@{self.digest}"


class ZenPolicyRules:
    """Every `*.json` in the rules folder; each row it returns becomes a finding."""

    def __init__(self, folder: Path) -> None:
        self._contents: dict[str, str] = {}
        self._engine = zen.ZenEngine({"loader": self._contents.__getitem__})
        self._tables = [self._load(path) for path in sorted(folder.glob("*.json"))]
        self._version = ",".join(t.rule for t in self._tables) or "none"

    @property
    def version(self) -> str:
        return self._version

    def evaluate(self, facts: Mapping[str, object]) -> list[Finding]:
        found: list[Finding] = []
        for table in self._tables:
            # evaluating by key is about three times cheaper here than ZenDecision.evaluate
            answer = self._engine.evaluate(table.name, dict(facts))
            found.extend(_findings(answer["result"], table.rule))
        return found

    def _load(self, path: Path) -> _Table:
        content = path.read_text(encoding="utf-8")
        try:
            self._engine.create_decision(content)
        except Exception as error:  # zen raises its own untyped errors
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise InvalidInput(f"rule file {path} is not a valid JDM decision: {reason}") from error
        digest = hashlib.sha256(content.encode()).hexdigest()[:12]
        self._contents[path.stem] = content
        return _Table(path.stem, digest)


def _findings(result: object, rule: str) -> list[Finding]:
    """A collect table answers a list of rows, a first-hit table one row."""
    rows = result if isinstance(result, list) else [result]
    return [finding_from_row(row, rule) for row in rows
            if isinstance(row, dict) and row.get("code")]
