"""What a control point says about an order."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"


class Kind(StrEnum):
    BUSINESS = "business"
    DATA_QUALITY = "data_quality"
    INTEGRATION = "integration"
    OPERATIONAL = "operational"


class Team(StrEnum):
    CUSTOMER_SERVICE = "customer_service"
    CREDIT = "credit"
    MASTER_DATA = "master_data"
    TRANSPORT = "transport"
    WAREHOUSE = "warehouse"
    INTEGRATION = "integration"
    FINANCE = "finance"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    kind: Kind
    message: str
    owner_team: str
    line_nos: tuple[int, ...] = ()
    details: dict[str, object] = field(default_factory=dict)
    rule: str = "builtin"

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCK


def block(code: str, kind: Kind, team: Team, message: str, **extra: object) -> Finding:
    return _finding(code, Severity.BLOCK, kind, team, message, extra)


def warn(code: str, kind: Kind, team: Team, message: str, **extra: object) -> Finding:
    return _finding(code, Severity.WARN, kind, team, message, extra)


def _finding(
    code: str, severity: Severity, kind: Kind, team: Team, message: str, extra: dict[str, object]
) -> Finding:
    raw_lines = extra.pop("line_nos", ())
    line_nos = tuple(int(n) for n in raw_lines) if isinstance(raw_lines, (tuple, list)) else ()
    return Finding(code, severity, kind, message, team.value, line_nos, extra)
