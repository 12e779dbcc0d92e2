"""Where a text label sends a case: the owner team and the exception code, from a team map.

A team map is YAML:

    default_team: customer_service      # optional; the team of a label not listed
    labels:
      DELIVERY: {team: transport, code: DELIVERY_FAILED}
      REFUND: {team: finance}           # code derived from the label: REFUND
      ORDER: warehouse                  # shorthand: the team alone

A label the map does not list goes to `default_team` (customer_service unless set) with a code
derived from the label: upper snake case (`cancel_order` -> `CANCEL_ORDER`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shipshape.domain.findings import Team
from shipshape.ml.errors import MappingError

MAX_CODE = 60
"""As long as the exception_cases.code column."""
CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
TEAMS = frozenset(team.value for team in Team)
TOP_KEYS = frozenset({"labels", "default_team"})
ENTRY_KEYS = frozenset({"team", "code"})


@dataclass(frozen=True, slots=True)
class Route:
    team: str
    code: str


@dataclass(frozen=True, slots=True)
class TeamMap:
    labels: Mapping[str, Route] = field(default_factory=dict)
    default_team: str = Team.CUSTOMER_SERVICE.value

    def route(self, label: str) -> Route:
        return self.labels.get(label) or Route(self.default_team, code_of_label(label))

    def resolved(self, labels: Iterable[str]) -> dict[str, dict[str, str]]:
        """Each of `labels` with its team and code, as model.json keeps them."""
        return {label: {"team": (r := self.route(label)).team, "code": r.code}
                for label in labels}


def code_of_label(label: str) -> str:
    """`cancel_order`, `Cancel order`, `cancelOrder` -> `CANCEL_ORDER`; a label with no letter
    or digit -> `TEXT_LABEL`."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", label.strip())
    code = re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").upper()
    if not code:
        return "TEXT_LABEL"
    if not code[0].isalpha():
        code = f"TEXT_{code}"
    return code[:MAX_CODE].rstrip("_")


def load_team_map(path: Path | None) -> TeamMap:
    """The map in `path` (None: the empty map); MappingError naming what is wrong."""
    if path is None:
        return TeamMap()
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MappingError(f"{path.name}: not YAML: {error}") from None
    return team_map_of(raw or {}, path.name)


def team_map_of(raw: object, where: str = "team map") -> TeamMap:
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: a mapping with `labels` (and `default_team`) is expected")
    unknown = sorted(set(map(str, raw)) - TOP_KEYS)
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(TOP_KEYS))}")
    default = _team(raw.get("default_team", Team.CUSTOMER_SERVICE.value), f"{where}: default_team")
    labels = raw.get("labels") or {}
    if not isinstance(labels, dict):
        raise MappingError(f"{where}: `labels` must map each label to a team or "
                           "{team, code}")
    return TeamMap({str(label): _route(str(label), entry, f"{where}: labels.{label}", default)
                    for label, entry in labels.items()}, default)


def _route(label: str, entry: object, where: str, default_team: str) -> Route:
    if isinstance(entry, str):
        return Route(_team(entry, where), code_of_label(label))
    if not isinstance(entry, dict):
        raise MappingError(f"{where}: a team name or {{team, code}} is expected")
    unknown = sorted(set(map(str, entry)) - ENTRY_KEYS)
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(unknown)}; known: team, code")
    code = entry.get("code")
    if code is None:
        code = code_of_label(label)
    elif not isinstance(code, str) or not CODE.match(code) or len(code) > MAX_CODE:
        raise MappingError(f"{where}.code: {code!r} is not an exception code (upper snake "
                           f"case, at most {MAX_CODE} characters)")
    return Route(_team(entry.get("team", default_team), f"{where}.team"), code)


def _team(value: object, where: str) -> str:
    if not isinstance(value, str) or value not in TEAMS:
        raise MappingError(f"{where}: {value!r} is not a team; teams: {', '.join(sorted(TEAMS))}")
    return value
