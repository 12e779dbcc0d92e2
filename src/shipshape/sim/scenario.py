"""A scenario of the digital twin: the simulated distributor (demand, sites, customers, channels,
warehouse, carriers, integration, customer service, costs) and the workflow design run on it
(`process`). Written as YAML; `load_scenario` checks every field and names the one at fault.

The built-in scenarios (`legacy`, `redesigned`) share one world and differ in `process` only,
so a comparison between them shows what the workflow design does.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from shipshape.domain.cases import Stage
from shipshape.domain.errors import InvalidInput

BUILT_IN = ("legacy", "redesigned")
STAGES = tuple(stage.value for stage in Stage)
"""The stages an exception case is found at (`execute` is picking and packing)."""


class ScenarioError(InvalidInput):
    """A scenario that cannot be read or does not fit: the message names the file and field."""


class _Strict(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}


class Window(_Strict):
    """Hours after the start of the simulation, [start_hour, end_hour)."""

    start_hour: float = Field(ge=0)
    end_hour: float = Field(gt=0)

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Window:
        if self.end_hour <= self.start_hour:
            raise ValueError(f"end_hour ({self.end_hour:g}) must come after start_hour "
                             f"({self.start_hour:g})")
        return self

    def covers(self, hour: float) -> bool:
        return self.start_hour <= hour < self.end_hour


class Spike(Window):
    multiplier: float = Field(gt=0, le=50)
    """Orders arrive this many times as fast inside the window."""


class Demand(_Strict):
    orders_per_day: int = Field(default=2000, ge=1, le=100_000)
    open_hour: float = Field(default=6.0, ge=0, lt=24)
    """Orders arrive between open_hour and close_hour of each day."""
    close_hour: float = Field(default=20.0, gt=0, le=24)
    lines_min: int = Field(default=1, ge=1, le=50)
    lines_max: int = Field(default=4, ge=1, le=50)
    quantity_max: int = Field(default=6, ge=1, le=1000)
    """Each line asks for 1 to quantity_max units."""
    skus: int = Field(default=100, ge=10, le=5000)
    popularity_skew: float = Field(default=1.0, ge=0, le=3)
    """Zipf exponent of SKU popularity: 0 every SKU alike, 1 a long tail."""
    spikes: list[Spike] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ranges(self) -> Demand:
        if self.close_hour <= self.open_hour:
            raise ValueError("close_hour must come after open_hour")
        if self.lines_max < self.lines_min:
            raise ValueError("lines_max must be at least lines_min")
        return self


class Site(_Strict):
    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,11}$")
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    demand_share: float = Field(gt=0, le=1)
    """Share of the customers that prefer this site (and of the stock it holds)."""
    stock_days: float = Field(default=1.2, gt=0, le=60)
    """Stock at the start, and the level replenishment orders up to, in days of the expected
    demand of each SKU at this site, plus one largest line (`demand.quantity_max`)."""
    replenish_every_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    lead_time_hours: float = Field(default=24.0, ge=0, le=24 * 60)
    """Hours from a replenishment order to its receipt."""


class Segment(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,30}$")
    share: float = Field(gt=0, le=1)
    priority: Literal["strategic", "standard", "low"] = "standard"
    ship_within_days: int = Field(default=2, ge=0, le=30)
    """The contractual service level: the requested ship date is this many days after the
    order day."""
    allow_split: bool = False
    allow_substitutes: bool = False


class Customers(_Strict):
    count: int = Field(default=60, ge=3, le=5000)
    segments: list[Segment] = Field(min_length=1)

    @field_validator("segments")
    @classmethod
    def _shares_add_up(cls, segments: list[Segment]) -> list[Segment]:
        _shares_sum_to_one([s.share for s in segments])
        _unique([s.name for s in segments], "segment names")
        return segments


class Channel(_Strict):
    name: Literal["edi", "web", "field_sales", "api"]
    share: float = Field(gt=0, le=1)
    duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of its orders sent a second time (a repeat of the same PO)."""
    unknown_item_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of its orders with a line of a SKU not in master data."""
    price_error_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of its orders with a line priced off the contract."""


class Warehouse(_Strict):
    wave_every_minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    pick_minutes: float = Field(default=30.0, ge=0, le=24 * 60)
    """Minutes from a wave's release to the WMS's pick confirmations."""
    pick_accuracy: float = Field(default=0.998, ge=0.5, le=1)
    """Share of picked lines found complete at packing (the rest are one unit short)."""
    drift_rate: float = Field(default=0.08, ge=0, le=1)
    """Share of the stock positions (site x SKU) whose physical stock drifts from the record,
    per day: units lost or found, known only when counted or discovered at pick."""
    drift_units: int = Field(default=6, ge=1, le=10_000)
    found_share: float = Field(default=0.2, ge=0, le=1)
    """Share of the drifts that are stock found rather than lost."""


class CarrierOutage(Window):
    carrier: str = Field(min_length=1, max_length=12)
    """A carrier code of the master data: UPS, FDX, XPO or USPS."""


class Carriers(_Strict):
    tender_failure_rate: float = Field(default=0.03, ge=0, le=1)
    """Share of tenders a carrier refuses (the next carrier is tried)."""
    transit_days: float = Field(default=1.5, ge=0, le=30)
    late_rate: float = Field(default=0.03, ge=0, le=1)
    """Share of shipments delivered two days after their transit time."""
    damage_rate: float = Field(default=0.01, ge=0, le=1)
    """Share of delivered shipments with a unit damaged (customer service credits it)."""
    outages: list[CarrierOutage] = Field(default_factory=list)


class SystemOutage(Window):
    system: Literal["erp", "wms", "tms", "finance"]


class Integration(_Strict):
    failure_rate: float = Field(default=0.01, ge=0, le=0.9)
    """Share of calls to the ERP, WMS and TMS that fail as unavailable (retried)."""
    outages: list[SystemOutage] = Field(default_factory=list)


class CustomerService(_Strict):
    agents: int = Field(default=3, ge=0, le=500)
    handling_minutes: float = Field(default=8.0, gt=0, le=8 * 60)
    """Mean minutes an agent spends on one case (exponentially distributed)."""
    start_hour: float = Field(default=7.0, ge=0, lt=24)
    end_hour: float = Field(default=19.0, gt=0, le=24)

    @model_validator(mode="after")
    def _shift(self) -> CustomerService:
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must come after start_hour")
        return self


class Process(_Strict):
    reservation: Literal["batch", "event"] = "event"
    """`batch`: orders wait in the ERP and are reserved every reservation_every_minutes;
    `event`: each order is reserved as it arrives."""
    reservation_every_minutes: float = Field(default=30.0, gt=0, le=24 * 60)
    counts_before_wave: bool = True
    """Before each wave the WMS's counts of the positions whose stock drifted reach the record
    (orders not yet released give their stock way to a count below what is reserved), so
    intake and the pre-wave check see the shelf; otherwise a drift is found at pick."""
    priority: bool = True
    """Strategic accounts first: in a reservation batch and in customer service's queue."""
    shortages: Literal["desk", "ship_available"] = "desk"
    """`desk`: customer service resolves a partial availability before release (split,
    substitute or delayed release); `ship_available`: the short lines are dropped and the rest
    ships (the shortage is found by the customer)."""


class Costs(_Strict):
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    expedited_per_shipment: float = Field(default=55.0, ge=0)
    """Extra freight of a shipment sent expedited over the ground rate."""
    rework_minutes: dict[str, float] = Field(default_factory=lambda: {
        "capture": 6.0, "validate": 6.0, "allocate": 10.0, "release": 12.0, "execute": 35.0,
        "ship": 25.0, "invoice": 20.0, "reconcile": 30.0})
    """Labour per exception case by the stage it was found at."""

    @field_validator("rework_minutes")
    @classmethod
    def _known_stages(cls, minutes: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(minutes) - set(STAGES))
        if unknown:
            raise ValueError(f"unknown stage(s) {', '.join(unknown)}; stages: "
                             + ", ".join(STAGES))
        if any(value < 0 for value in minutes.values()):
            raise ValueError("minutes cannot be negative")
        return minutes


class Scenario(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
    description: str = Field(default="", max_length=2000)
    start: date = date(2026, 11, 2)
    """The first simulated day (its midnight, UTC)."""
    drain_days: float = Field(default=2.0, ge=0, le=30)
    """Simulated days after the last order arrives, for the journey to finish."""
    demand: Demand = Field(default_factory=Demand)
    sites: list[Site] = Field(min_length=1, max_length=20)
    customers: Customers
    channels: list[Channel] = Field(min_length=1)
    warehouse: Warehouse = Field(default_factory=Warehouse)
    carriers: Carriers = Field(default_factory=Carriers)
    integration: Integration = Field(default_factory=Integration)
    customer_service: CustomerService = Field(default_factory=CustomerService)
    process: Process = Field(default_factory=Process)
    costs: Costs = Field(default_factory=Costs)

    @field_validator("sites")
    @classmethod
    def _sites(cls, sites: list[Site]) -> list[Site]:
        _shares_sum_to_one([s.demand_share for s in sites])
        _unique([s.id for s in sites], "site ids")
        return sites

    @field_validator("channels")
    @classmethod
    def _channels(cls, channels: list[Channel]) -> list[Channel]:
        _shares_sum_to_one([c.share for c in channels])
        _unique([c.name for c in channels], "channel names")
        return channels

    def with_orders_per_day(self, orders: int | None) -> Scenario:
        if orders is None:
            return self
        demand = Demand.model_validate({**self.demand.model_dump(), "orders_per_day": orders})
        return self.model_copy(update={"demand": demand})


def _shares_sum_to_one(shares: list[float]) -> None:
    if abs(sum(shares) - 1) > 0.001:
        raise ValueError(f"the shares must add up to 1, they add up to {sum(shares):g}")


def _unique(names: list[str], what: str) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{what} must be unique: {', '.join(repeated)} repeated")


def built_in_text(name: str) -> str:
    if name not in BUILT_IN:
        raise ScenarioError(f"no built-in scenario {name!r}; built in: {', '.join(BUILT_IN)}")
    package = resources.files("shipshape.sim.scenarios")
    return (package / f"{name}.yaml").read_text(encoding="utf-8")


def load_scenario(ref: str) -> tuple[Scenario, str]:
    """A built-in scenario by name, or a scenario file; with where it came from."""
    if ref in BUILT_IN:
        return parse_scenario(built_in_text(ref), f"built-in scenario {ref}"), "built-in"
    path = Path(ref)
    if not path.is_file():
        raise ScenarioError(f"{ref} is neither a built-in scenario ({', '.join(BUILT_IN)}) nor "
                            "a readable file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{ref}: cannot be read ({error})") from None
    return parse_scenario(text, str(path)), str(path)


def parse_scenario(text: str, source: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}: not valid YAML ({_yaml_where(error)})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping of fields (name, demand, "
                            "sites, ...)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(f"{source}: {_problems(error)}") from None


def write_scenario(name: str, path: Path) -> None:
    """The built-in scenario's file, to edit; refuses to overwrite a file."""
    text = built_in_text(name)
    if path.exists():
        raise ScenarioError(f"{path} exists already; choose another file or remove it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot be written ({error})") from None


def _yaml_where(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "syntax error"
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def _problems(error: ValidationError) -> str:
    """Each problem led by its field's path, e.g. `demand.orders_per_day: ...`."""
    lines = []
    for problem in error.errors()[:5]:
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown field"
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)
