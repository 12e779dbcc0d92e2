"""The mapping of a risk model's training data: which column is the order, its time, the label
and the features. YAML, for example (a table with one row per order)::

    id: order_id
    time: created_at
    time_format: "%Y-%m-%d %H:%M:%S"     # optional: inferred from the values otherwise
    label: {column: outcome, positive: [LATE, EXCEPTION]}
    features: {channel: categorical, lines: numeric, customer: categorical}
    # or: features: [channel, lines, customer]   (kinds inferred from the values)
    # or no features: every column but id, time, label and the excluded ones
    exclude: [shipped_at]

or an event log (one row per event; a case is an order or an order line)::

    case: Key
    activity: Activity
    timestamp: Date
    at_activity: Line Creation      # features as the case's events show them up to this one
    day_month_swaps: swap           # keep (default) | swap: see below
    label: {column: Delayed, positive: [DELAYED]}
    features: {Customer: categorical, NetValue: numeric}

`day_month_swaps: swap` reads every timestamp whose day is 12 or less with day and month
exchanged: for a column written day first but read month first in some rows (as the IBM O2C
log's `Date`). Errors name the field and the mapping file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shipshape.ml.errors import MappingError

Kind = Literal["numeric", "categorical"]
EVENT_LOG_KEYS = ("case", "activity", "timestamp", "at_activity")


class LabelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str = Field(min_length=1)
    positive: list[str] = Field(min_length=1)

    @field_validator("positive", mode="before")
    @classmethod
    def _as_texts(cls, value: Any) -> Any:
        values = value if isinstance(value, list | tuple) else [value]
        return [_text(v) for v in values]


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


class RiskMapping(BaseModel):
    """A risk-model mapping; `id`/`time` default to `case`/`timestamp` for an event log."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    time: str | None = None
    time_format: str | None = None
    day_month_swaps: Literal["keep", "swap"] = "keep"
    label: LabelSpec
    features: list[str] | dict[str, Kind] | None = None
    exclude: list[str] = Field(default_factory=list)
    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    at_activity: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _label_shorthand(cls, data: Any) -> Any:
        """`label: COLUMN` and a top-level `positive: [...]` read as one `label`."""
        if isinstance(data, dict) and isinstance(data.get("label"), str) and "positive" in data:
            data = dict(data)
            data["label"] = {"column": data["label"], "positive": data.pop("positive")}
        return data

    @model_validator(mode="after")
    def _complete(self) -> RiskMapping:
        given = [key for key in EVENT_LOG_KEYS if getattr(self, key)]
        if given and len(given) < len(EVENT_LOG_KEYS):
            missing = [key for key in EVENT_LOG_KEYS if not getattr(self, key)]
            raise ValueError(f"an event-log mapping needs {', '.join(EVENT_LOG_KEYS)}; "
                             f"{', '.join(missing)} missing")
        if self.is_event_log:
            self.id = self.id or self.case
            self.time = self.time or self.timestamp
        elif not self.id or not self.time:
            raise ValueError("a table mapping needs `id` (the order column) and `time` (when "
                             "the order is scored); an event log needs case, activity, "
                             "timestamp and at_activity instead")
        return self

    @property
    def is_event_log(self) -> bool:
        return bool(self.case)

    @property
    def id_column(self) -> str:
        return str(self.id)

    @property
    def time_column(self) -> str:
        return str(self.time)

    def declared_kinds(self) -> dict[str, str | None] | None:
        """The features named by the mapping with their kind (None: to be inferred), or None
        when it names none (every usable column is a candidate)."""
        if self.features is None:
            return None
        if isinstance(self.features, dict):
            return {name: kind for name, kind in self.features.items()
                    if name not in self.exclude}
        return {name: None for name in self.features if name not in self.exclude}

    def reserved(self) -> set[str]:
        """Columns that are never features: id, time, label, and an event log's columns."""
        names = {self.id, self.time, self.label.column, self.case, self.activity,
                 self.timestamp}
        return {name for name in names if name}


def load_mapping(path: Path) -> RiskMapping:
    """The mapping in the YAML file `path`; `MappingError` naming the file and the field."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingError(f"{path}: cannot read the mapping ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise MappingError(f"{path}: a mapping is a YAML dictionary (id, time, label, ...)")
    return mapping_from(data, str(path))


def mapping_from(data: dict[str, Any], source: str = "mapping") -> RiskMapping:
    try:
        return RiskMapping.model_validate(data)
    except ValidationError as error:
        raise MappingError(f"{source}: {_explain(error)}") from None


def _explain(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "mapping"
        if problem["type"] == "extra_forbidden":
            parts.append(f"field `{where}` is not a mapping field (known: "
                         f"{', '.join(RiskMapping.model_fields)})")
        elif problem["type"] == "missing":
            parts.append(f"field `{where}` is required")
        else:
            parts.append(f"field `{where}`: {problem['msg']}")
    return "; ".join(dict.fromkeys(parts))
