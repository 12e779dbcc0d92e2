"""How a simulated system behaves: latency, failures, outages, event faults and injected faults.

The production settings keep these knobs as an opaque section, `Settings.simulation` (YAML
`simulation.<system>`, environment `SHIPSHAPE_SIMULATION__<SYSTEM>__<KNOB>`); this model checks
them when the simulated systems are built. Knobs given in the environment arrive as text, so a
list or mapping may be written as JSON (`SHIPSHAPE_SIMULATION__WMS__SHORT_PICK_NTH=[2]`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from shipshape.domain.integration import OPERATIONS

SystemName = TypeVar("SystemName", bound=str)
STRUCTURED_KNOBS = frozenset({"outages", "reject_when", "negative_ack_nth", "short_pick_nth",
                              "delivery_nth", "pick_lots"})
"""Knobs that hold a list or a mapping: as text (from the environment) they are read as JSON."""
DELIVERY_OUTCOMES = ("late", "failed", "damaged", "short")


class SimulationSettings(BaseModel):
    """One simulated system (`simulation.<system>`); every fault is off by default."""

    model_config = {"extra": "forbid", "frozen": True}

    latency_ms: float = Field(default=0.0, ge=0)
    """Mean latency of a call (drawn between half and one and a half times it)."""
    failure_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of calls that fail as unavailable (retryable)."""
    reject_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of calls rejected as a business error (final)."""
    outages: list[tuple[float, float]] = Field(default_factory=list)
    """Windows [start, end) in seconds after start-up when the system is down."""
    duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of the system's own events sent twice."""
    reorder_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of the system's own events sent after the one that followed them."""
    seed: int = 0
    reject_when: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    """Operation -> {payload field -> values}: a call whose field (top level, compared as text)
    has one of the values is rejected (422), e.g. `{tender: {carrier_service: [UPS:GND]}}` for a
    carrier that refuses every tender."""
    negative_ack_nth: dict[str, list[int]] = Field(default_factory=dict)
    """Operation -> ordinals (1-based, over the applied calls of that operation) whose
    acknowledgement is the negative one, e.g. erp `{invoice_posting: [2]}`: the second posting
    is answered `invoice_rejected`."""
    short_pick_nth: list[int] = Field(default_factory=list)
    """wms: ordinals (1-based, over the orders of every wave released, in payload order) of the
    orders picked short: one less of their first line."""
    pick_lots: dict[str, list[str]] = Field(default_factory=dict)
    """wms: SKU -> [lot] or [lot, expiry (ISO date)]: the lot it picks a line of that SKU from
    when the wave names none, e.g. `{SKU1: [L-0425, "2031-01-31"]}`."""
    pays_invoices: bool = False
    """erp: each invoice it books is paid at once (`payment_received`)."""
    transit_days: float = Field(default=1.0, ge=0, le=60)
    """tms: a shipment is delivered this long after it shipped (plus the noise)."""
    transit_noise_days: float = Field(default=0.25, ge=0, le=30)
    """tms: the delivery time varies by up to this much either way."""
    delivery_late_rate: float = Field(default=0.0, ge=0, le=1)
    """tms: the share of shipments delivered `late_days` after the transit time."""
    late_days: float = Field(default=7.0, ge=0, le=365)
    delivery_failure_rate: float = Field(default=0.0, ge=0, le=1)
    """tms: the share of deliveries (and re-deliveries) that fail (`delivery_failed`)."""
    delivery_damage_rate: float = Field(default=0.0, ge=0, le=1)
    """tms: the share of delivered shipments with one unit of their first line damaged."""
    delivery_short_rate: float = Field(default=0.0, ge=0, le=1)
    """tms: the share of delivered shipments with one unit of their first line short."""
    delivery_nth: dict[str, list[int]] = Field(default_factory=dict)
    """tms: outcome (`late`, `failed`, `damaged`, `short`) -> ordinals (1-based, over the
    shipments handed over for tracking) that meet it whatever the rates draw, e.g.
    `{failed: [2], damaged: [3]}`; a re-delivery is drawn by the rates."""
    return_damaged_rate: float = Field(default=0.0, ge=0, le=1)
    """wms: the share of each returned line's units it receives damaged (rounded; 0: all
    good)."""

    @model_validator(mode="before")
    @classmethod
    def _structured_text_is_json(cls, values: object) -> object:
        if not isinstance(values, Mapping):
            return values
        return {name: _json_or_text(value) if name in STRUCTURED_KNOBS else value
                for name, value in values.items()}

    @field_validator("reject_when")
    @classmethod
    def _rules_are_complete(
            cls, rules: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        for operation, fields in rules.items():
            _known_operation("reject_when", operation)
            if not fields:
                raise ValueError(f"reject_when.{operation}: name a payload field and its values")
            for name, values in fields.items():
                if not name or not values:
                    raise ValueError(f"reject_when.{operation}: each payload field needs a name "
                                     f"and at least one value, got {name!r}: {values!r}")
        return rules

    @field_validator("negative_ack_nth")
    @classmethod
    def _acks_are_ordinals(cls, acks: dict[str, list[int]]) -> dict[str, list[int]]:
        for operation, ordinals in acks.items():
            _known_operation("negative_ack_nth", operation)
            _ordinals(f"negative_ack_nth.{operation}", ordinals)
        return acks

    @field_validator("delivery_nth")
    @classmethod
    def _delivery_outcomes_are_known(cls, outcomes: dict[str, list[int]]
                                     ) -> dict[str, list[int]]:
        for outcome, ordinals in outcomes.items():
            if outcome not in DELIVERY_OUTCOMES:
                raise ValueError(f"delivery_nth: unknown outcome {outcome!r}; outcomes: "
                                 + ", ".join(DELIVERY_OUTCOMES))
            _ordinals(f"delivery_nth.{outcome}", ordinals)
        return outcomes

    @field_validator("short_pick_nth")
    @classmethod
    def _short_picks_are_ordinals(cls, ordinals: list[int]) -> list[int]:
        _ordinals("short_pick_nth", ordinals)
        return ordinals


def simulation_settings(section: Mapping[SystemName, Mapping[str, object]]
                        ) -> dict[str, SimulationSettings]:
    """The `simulation` section of the settings, checked: system -> its settings. ValueError
    names `simulation.<system>` and what is wrong with it."""
    checked: dict[str, SimulationSettings] = {}
    for system, knobs in section.items():
        try:
            checked[str(system)] = SimulationSettings.model_validate(knobs)
        except ValidationError as error:
            raise ValueError(f"simulation.{system}: {_problems(error)}") from None
    return checked


def _json_or_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _problems(error: ValidationError) -> str:
    """Each problem once, led by the knob it is about (our own messages already name it)."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(message if not where or message.startswith(where.split(".")[0])
                     else f"{where}: {message}")
    return "; ".join(lines)


def _known_operation(setting: str, operation: str) -> None:
    known = sorted({name for names in OPERATIONS.values() for name in names})
    if operation not in known:
        raise ValueError(f"{setting}: unknown operation {operation!r}; operations: "
                         + ", ".join(known))


def _ordinals(setting: str, ordinals: list[int]) -> None:
    if any(ordinal < 1 for ordinal in ordinals):
        raise ValueError(f"{setting}: ordinals count from 1 (the first call or order is 1), "
                         f"got {ordinals}")
