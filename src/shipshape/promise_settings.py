"""Settings of the promise (`promise:` in the YAML file, `SHIPSHAPE_PROMISE__...`): the transit
days an order's promised date counts on when its carrier service names none, when a promise is
at risk, and the worker's sweep."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from shipshape.domain.promise import MAX_TRANSIT_DAYS, PromisePolicy


class PromiseSettings(BaseModel):
    model_config = {"extra": "forbid"}

    default_transit_days: int = Field(default=3, ge=0, le=MAX_TRANSIT_DAYS)
    """Calendar days from shipping to delivery for a carrier service without its own
    `transit_days` (and an order without a carrier service)."""
    transit_days_by_country: dict[str, int] = Field(default_factory=dict)
    """Ship-to country (ISO 3166 alpha-2) -> transit days, before the default."""
    at_risk_slack_days: int = Field(default=0, ge=0, le=MAX_TRANSIT_DAYS)
    """A promise is at risk when its projected delivery leaves fewer days than this before the
    promised date (0: when the projection is after the promised date)."""
    hold_days: int = Field(default=1, ge=0, le=MAX_TRANSIT_DAYS)
    """Days a hold pushes the ship date out at the least (from today)."""
    retender_days: int = Field(default=1, ge=0, le=MAX_TRANSIT_DAYS)
    """Days a failed carrier tender pushes the ship date out at the least."""
    redelivery_days: int = Field(default=1, ge=0, le=MAX_TRANSIT_DAYS)
    """Days after a failed delivery before the next attempt."""
    sweep_interval_s: float = Field(default=300.0, ge=0)
    """Seconds between the promise sweeps of each worker (0: off)."""

    @field_validator("transit_days_by_country")
    @classmethod
    def _countries(cls, value: dict[str, int]) -> dict[str, int]:
        for country, days in value.items():
            if len(country) != 2 or not country.isalpha():
                raise ValueError(f"promise.transit_days_by_country: {country!r} is not a "
                                 "two-letter country code")
            if not 0 <= days <= MAX_TRANSIT_DAYS:
                raise ValueError(f"promise.transit_days_by_country.{country}: {days} is not "
                                 f"between 0 and {MAX_TRANSIT_DAYS}")
        return {country.upper(): days for country, days in value.items()}

    def policy(self) -> PromisePolicy:
        return PromisePolicy(
            default_transit_days=self.default_transit_days,
            transit_days_by_country=dict(self.transit_days_by_country),
            at_risk_slack_days=self.at_risk_slack_days, hold_days=self.hold_days,
            retender_days=self.retender_days, redelivery_days=self.redelivery_days)
