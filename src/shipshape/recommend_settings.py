"""Settings of the desk's recommendations (`recommend:` in the YAML file,
`SHIPSHAPE_RECOMMEND__MAX_SPLITS=2`...): the house's policy knobs, by default and per customer
(`recommend.customers.<id>`: only what differs). Whether a customer takes split shipments and
substitutes stays in master data (`allow_split`, `allow_substitutes`).

`replenishment_days` is the one assumption about supply Shipshape makes (it records no inbound
supply): the recommendations wait that long, and the 855 / ORDRSP dates a backordered line by it
(`replenishment()`)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from shipshape.domain.masterdata import Customer
from shipshape.domain.recommend import Policy
from shipshape.domain.replenishment import Replenishment


class RecommendOverride(BaseModel):
    """One customer's knobs: the fields given replace the default's."""

    model_config = {"extra": "forbid"}

    max_splits: int | None = Field(default=None, ge=0, le=20)
    margin_floor_pct: Decimal | None = Field(default=None, ge=0, le=1)
    replenishment_days: int | None = Field(default=None, ge=0, le=365)


class RecommendSettings(BaseModel):
    model_config = {"extra": "forbid"}

    max_splits: int = Field(default=1, ge=0, le=20)
    """Sites beyond the first an order may be split to (0: never recommend a split)."""
    margin_floor_pct: Decimal = Field(default=Decimal("0"), ge=0, le=1)
    """The least margin (price-based proxy: revenue at contract prices less the extra
    shipments' cost) a recommendation keeps, as a share of the order's value."""
    extra_shipment_cost: Decimal = Field(default=Decimal("0"), ge=0, le=1_000_000)
    """What each shipment beyond the first costs, in the invoice currency."""
    replenishment_days: int = Field(default=7, ge=0, le=365)
    """Days assumed until stock is replenished (no inbound supply is recorded); 0: not known,
    so no delay is recommended and a backordered line of an 855 / ORDRSP carries no date."""
    customers: dict[str, RecommendOverride] = Field(default_factory=dict)

    def replenishment(self) -> Replenishment:
        """The replenishment assumption, the default's and each customer's own."""
        return Replenishment(self.replenishment_days, {
            customer: override.replenishment_days
            for customer, override in self.customers.items()
            if override.replenishment_days is not None})

    def policy(self, customer: Customer | None) -> Policy:
        """The policy for `customer`: master data's standing policy and these knobs."""
        override = self.customers.get(customer.id) if customer else None
        max_splits = override.max_splits if override and override.max_splits is not None \
            else self.max_splits
        floor = override.margin_floor_pct if override and override.margin_floor_pct \
            is not None else self.margin_floor_pct
        return Policy(allow_split=bool(customer and customer.allow_split),
                      allow_substitutes=bool(customer and customer.allow_substitutes),
                      max_splits=max_splits, margin_floor_pct=floor,
                      extra_shipment_cost=self.extra_shipment_cost,
                      replenishment_days=self.replenishment().days_for(
                          customer.id if customer else None))
