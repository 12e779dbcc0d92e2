"""The mapping of a flat CSV event log (which column is the case, the activity, the time, ...)
and the mining options any log may carry (its outcome, its cost, words for the report).

A mapping is YAML, for example::

    case: Key
    activity: Activity
    timestamp: Date
    timestamp_format: "%Y-%m-%d %H:%M:%S"   # optional: inferred from the values otherwise
    day_month_swaps: keep                   # keep (default: as written, noted) | swap | error
    resource: User
    attributes: [OrderType, Customer]       # or {column: control-point fact}
    outcome: {column: Delayed, positive: [DELAYED], label: delayed}
    cost: {column: NetValue, per_case: max, label: net value}
    subject: order lines
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from shipshape.mining.errors import LogError

PATTERN_KINDS = ("block", "date_changed", "line_rejected", "stock_out", "failed_delivery")
CHOICES = {"day_month_swaps": ("keep", "swap", "error"), "bad_rows": ("error", "skip"),
           "duplicates": ("keep", "drop"), "per_case": ("sum", "max", "first")}
POSITIVE_KEYS = ("positive", "positive_values", "outcome_positive", "outcome_values")
"""Where a flat mapping that names its outcome column alone (`outcome: Delayed`) may list the
values that mean the outcome happened."""
FLAT_KEYS = ("case", "activity", "timestamp", "timestamp_format", "timezone", "day_month_swaps",
             "resource", "system", "attributes", "separator", "bad_rows", "duplicates",
             *POSITIVE_KEYS)
OPTION_KEYS = ("outcome", "cost", "subject", "facts", "patterns", "owner_team", "min_cases")


@dataclass(frozen=True)
class Outcome:
    """What makes a case's outcome positive (late, failed, ...): a value of a column (flat), of
    an object attribute (OCEL), or an activity that happened in the case."""

    column: str | None = None
    attribute: str | None = None
    activities: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    label: str = ""

    @property
    def wording(self) -> str:
        if self.label:
            return self.label
        named = self.positive or self.activities
        return " or ".join(value.lower() for value in named) or "positive"


@dataclass(frozen=True)
class Cost:
    column: str | None = None
    attribute: str | None = None
    per_case: str = "sum"
    label: str = "cost"


@dataclass(frozen=True)
class Options:
    """What mining needs beyond the events: outcome, cost, wording, the facts exported rules
    test, activity names per pattern kind (instead of recognising them by name)."""

    outcome: Outcome | None = None
    cost: Cost | None = None
    subject: str = "cases"
    facts: Mapping[str, str] = field(default_factory=dict)
    patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    owner_team: str = "customer_service"
    min_cases: int = 0

    def fact_of(self, attribute: str) -> str:
        """The control-point fact an attribute is (`order.<attribute>` unless mapped)."""
        return self.facts.get(attribute) or "order." + re.sub(r"\W+", "_", attribute).strip("_")


@dataclass(frozen=True)
class FlatMapping:
    case: str
    activity: str
    timestamp: str
    timestamp_format: str | None = None
    timezone: str = "UTC"
    day_month_swaps: str = "keep"
    resource: str | None = None
    system: str | None = None
    attributes: tuple[str, ...] = ()
    separator: str = ","
    bad_rows: str = "error"
    duplicates: str = "keep"
    options: Options = field(default_factory=Options)

    def columns(self) -> list[str]:
        """Every column of the file this mapping reads, each once."""
        named = [self.case, self.activity, self.timestamp, self.resource, self.system,
                 *self.attributes, self.options.outcome and self.options.outcome.column,
                 self.options.cost and self.options.cost.column]
        return list(dict.fromkeys(name for name in named if name))


class _Loader(yaml.SafeLoader):
    """YAML 1.2's booleans: `yes`, `no`, `on` and `off` stay text (a column's values)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false"
                                                                   r"|False|FALSE)$"),
                              list("tTfF"))


def load(source: Path | str | Mapping[str, Any]) -> FlatMapping:
    """A flat-log mapping from a YAML file or a dict; LogError naming what is wrong."""
    raw = _raw(source)
    unknown = sorted(set(raw) - set(FLAT_KEYS) - set(OPTION_KEYS))
    if unknown:
        raise LogError(f"mapping: unknown key(s) {', '.join(unknown)} (known: "
                       f"{', '.join(FLAT_KEYS + OPTION_KEYS)})")
    missing = [key for key in ("case", "activity", "timestamp") if not raw.get(key)]
    if missing:
        raise LogError(f"mapping: {', '.join(missing)} missing: name the column of each")
    attributes, facts = _attributes(raw.get("attributes"))
    options = load_options({**{k: v for k, v in raw.items() if k in OPTION_KEYS},
                            "outcome": _outcome_of_flat(raw),
                            "facts": {**facts, **_dict(raw, "facts")}}, flat=True)
    text = {key: _text(raw, key) for key in FLAT_KEYS
            if key not in ("attributes", *POSITIVE_KEYS) and raw.get(key) is not None}
    if "timezone" in text:
        _check_zone(text["timezone"])
    for key, allowed in CHOICES.items():
        if key in text and text[key] not in allowed:
            raise LogError(f"mapping: {key} must be one of {', '.join(allowed)}, "
                           f"not {text[key]!r}")
    return FlatMapping(**text, attributes=attributes, options=options)


def load_options(source: Path | str | Mapping[str, Any] | None, *, flat: bool = False
                 ) -> Options:
    """Mining options alone (for an OCEL log: outcome and cost by attribute or activity)."""
    if source is None:
        return Options()
    raw = _raw(source)
    if not flat:
        unknown = sorted(set(raw) - set(OPTION_KEYS))
        if unknown:
            raise LogError(f"mapping: key(s) {', '.join(unknown)} apply to flat CSV logs only "
                           f"(an OCEL log takes {', '.join(OPTION_KEYS)})")
    patterns = {kind: _names(raw["patterns"][kind], f"patterns.{kind}")
                for kind in _dict(raw, "patterns")}
    bad = sorted(set(patterns) - set(PATTERN_KINDS))
    if bad:
        raise LogError(f"mapping: patterns.{bad[0]} is no pattern kind (known: "
                       f"{', '.join(PATTERN_KINDS)})")
    min_cases = raw.get("min_cases", 0)
    if not isinstance(min_cases, int) or min_cases < 0:
        raise LogError("mapping: min_cases must be a whole number, 0 or more")
    return Options(outcome=_outcome(raw.get("outcome")), cost=_cost(raw.get("cost")),
                   subject=str(raw.get("subject") or "cases"),
                   facts={str(k): str(v) for k, v in _dict(raw, "facts").items()},
                   patterns=patterns, owner_team=str(raw.get("owner_team") or "customer_service"),
                   min_cases=min_cases)


def _raw(source: Path | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except FileNotFoundError:
        raise LogError(f"mapping {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LogError(f"mapping {path}: cannot be read ({error})") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise LogError(f"mapping {path}: not valid YAML{at}") from None
    if not isinstance(loaded, dict):
        raise LogError(f"mapping {path}: expected keys such as case, activity, timestamp")
    return loaded


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LogError(f"mapping: timezone {name!r} is no IANA time zone (e.g. UTC, "
                       f"Europe/Berlin, America/Chicago)") from None


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if isinstance(value, (dict, list)):
        raise LogError(f"mapping: {key} must be one name, not a list or mapping")
    return str(value)


def _dict(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise LogError(f"mapping: {key} must be a mapping of names")
    return value


def _names(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int, float, bool)):
        return (str(value),)
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return tuple(str(v) for v in value)
    raise LogError(f"mapping: {key} must be a name or a list of names")


def _attributes(value: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    if isinstance(value, dict):
        return tuple(str(k) for k in value), {str(k): str(v) for k, v in value.items() if v}
    if isinstance(value, str):
        return tuple(name.strip() for name in value.split(",") if name.strip()), {}
    return _names(value, "attributes"), {}


def _outcome_of_flat(raw: Mapping[str, Any]) -> Any:
    """The outcome as `_outcome` reads it: `outcome: COLUMN` with its values under one of
    `POSITIVE_KEYS` is the same as `outcome: {column: COLUMN, positive: [...]}`."""
    value = raw.get("outcome")
    given = [key for key in POSITIVE_KEYS if raw.get(key) is not None]
    if not isinstance(value, str):
        if given:
            raise LogError(f"mapping: {given[0]} goes with `outcome: COLUMN`; inside an outcome "
                           "mapping write positive: [...]")
        return value
    if len(given) != 1:
        raise LogError(f"mapping: outcome {value!r} needs the values that mean it happened, "
                       f"under one of {', '.join(POSITIVE_KEYS)} (or write outcome: "
                       "{column: ..., positive: [...]})")
    return {"column": value, "positive": raw[given[0]]}


def _outcome(value: Any) -> Outcome | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise LogError("mapping: outcome must be a mapping, e.g. "
                       "{column: Delayed, positive: [DELAYED]}")
    value = dict(value)
    if len(value) == 1 and not {"column", "attribute", "activity", "activities"} & set(value):
        (column, positive), = value.items()  # the short form {Delayed: [DELAYED]}
        value = {"column": column, "positive": positive}
    positive = _names(value.get("positive", value.get("values")), "outcome.positive")
    activities = _names(value.get("activities", value.get("activity")), "outcome.activity")
    sources = [key for key in ("column", "attribute") if value.get(key)]
    if len(sources) + bool(activities) != 1:
        raise LogError("mapping: outcome names one of column, attribute or activity")
    if sources and not positive:
        raise LogError(f"mapping: outcome.positive missing: which values of "
                       f"{value[sources[0]]} mean the outcome happened?")
    return Outcome(column=_opt(value, "column"), attribute=_opt(value, "attribute"),
                   activities=activities, positive=positive, label=str(value.get("label", "")))


def _cost(value: Any) -> Cost | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"column": value}
    if not isinstance(value, dict) or not (value.get("column") or value.get("attribute")):
        raise LogError("mapping: cost names a column (flat) or attribute (OCEL) with numbers")
    per_case = str(value.get("per_case", "sum"))
    if per_case not in CHOICES["per_case"]:
        raise LogError(f"mapping: cost.per_case must be one of sum, max, first, not {per_case!r}")
    return Cost(column=_opt(value, "column"), attribute=_opt(value, "attribute"),
                per_case=per_case, label=str(value.get("label") or "cost"))


def _opt(value: Mapping[str, Any], key: str) -> str | None:
    return str(value[key]) if value.get(key) is not None else None
