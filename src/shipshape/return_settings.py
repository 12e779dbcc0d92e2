"""Settings of returns (`returns:` in the YAML file): the return window, the restocking fee and
the reasons accepted, by default and per customer (`returns.customers.<id>`: only what differs
from the default)."""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import BaseModel, Field, field_validator

from shipshape.domain.returns import DEFAULT_REASONS, ReturnPolicies, ReturnPolicy

REASON_PATTERN = "^[A-Z][A-Z0-9_]{0,39}$"


def _codes(reasons: list[str]) -> list[str]:
    codes = [reason.strip().upper() for reason in reasons]
    bad = [code for code in codes if not re.match(REASON_PATTERN, code)]
    if bad:
        raise ValueError(f"reason codes are letters, digits and _ (up to 40): {bad}")
    return codes


class ReturnOverride(BaseModel):
    """One customer's policy: the fields given replace the default's."""

    model_config = {"extra": "forbid"}

    window_days: int | None = Field(default=None, ge=0, le=3650)
    restocking_fee_pct: Decimal | None = Field(default=None, ge=0, lt=1)
    accepted_reasons: list[str] | None = Field(default=None, min_length=1)

    @field_validator("accepted_reasons")
    @classmethod
    def _reasons(cls, reasons: list[str] | None) -> list[str] | None:
        return None if reasons is None else _codes(reasons)


class ReturnSettings(BaseModel):
    model_config = {"extra": "forbid"}

    window_days: int = Field(default=30, ge=0, le=3650)
    """Days after a shipment's ship date its units may be returned."""
    restocking_fee_pct: Decimal = Field(default=Decimal("0"), ge=0, lt=1)
    """Share of the credited goods kept as a restocking fee (0.15 = 15 %); waived for the
    reasons that say the fault is ours (DAMAGED, DEFECTIVE, WRONG_ITEM)."""
    accepted_reasons: list[str] = Field(default_factory=lambda: list(DEFAULT_REASONS),
                                        min_length=1)
    customers: dict[str, ReturnOverride] = Field(default_factory=dict)
    """Per customer id, what differs from the default."""

    @field_validator("accepted_reasons")
    @classmethod
    def _reasons(cls, reasons: list[str]) -> list[str]:
        return _codes(reasons)

    def policies(self) -> ReturnPolicies:
        default = ReturnPolicy(self.window_days, self.restocking_fee_pct,
                               frozenset(self.accepted_reasons))
        return ReturnPolicies(default, {
            customer: ReturnPolicy(
                default.window_days if o.window_days is None else o.window_days,
                default.restocking_fee_pct if o.restocking_fee_pct is None
                else o.restocking_fee_pct,
                default.accepted_reasons if o.accepted_reasons is None
                else frozenset(o.accepted_reasons))
            for customer, o in self.customers.items()})
