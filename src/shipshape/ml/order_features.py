"""The order-risk features known at capture, from Shipshape's own store: the order itself (lines,
quantity, value, hazmat and lot control from master data, slack to the requested ship date,
channel, stock coverage of its SKUs), its customer (segment, priority, amendment, exception and
late-delivery history) and its carrier service (tender failures, late deliveries).

`order_features` turns what capture already loaded (`OrderContext`) and the few aggregates of
`RiskFacts` into one feature row; `STORE_MAPPING` is the mapping the `store` history
(`adapters/db/risk_queries.order_history`) is trained with. Nothing here imports a heavy library.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from shipshape.domain.controls import OrderContext
from shipshape.domain.risk import RISK_FEATURES, OrderShape, feature_row, stock_coverage
from shipshape.services.ports.risk import RiskFacts

ORDER_FEATURES: dict[str, str] = dict(RISK_FEATURES)
"""Feature name -> numeric or categorical."""

STORE_MAPPING: dict[str, object] = {
    "id": "order_id",
    "time": "created_at",
    "label": "label",
    "positive": [1],
    "features": dict(ORDER_FEATURES),
}
"""The column mapping of the `store` history (a mapping file's content, as a dict)."""


def order_shape(ctx: OrderContext, available: dict[str, int] | None = None) -> OrderShape:
    """The order as capture sees it; `available`: stock per SKU for its coverage."""
    draft, customer = ctx.draft, ctx.customer
    wanted = Counter[str]()
    for line in draft.lines:
        wanted[line.sku] += line.quantity or 0
    known = [ctx.items[sku] for sku in wanted if sku in ctx.items]
    return OrderShape(
        channel=draft.channel, customer_segment=customer.segment if customer else "",
        customer_priority=str(customer.priority) if customer else "",
        carrier_service=draft.carrier_service or "",
        line_count=len(draft.lines), total_quantity=sum(wanted.values()),
        order_value=float(draft.value), hazmat=any(item.hazmat for item in known),
        lot_controlled=any(item.lot_controlled for item in known),
        slack_days=_slack(draft.requested_ship_date, ctx.today),
        stock_coverage=stock_coverage(wanted, available) if available is not None else None)


def order_features(ctx: OrderContext, facts: RiskFacts) -> dict[str, object]:
    """The feature row of one order (names of `ORDER_FEATURES`)."""
    return feature_row(order_shape(ctx, dict(facts.available)), facts.customer, facts.carrier)


def _slack(requested: date | None, today: date) -> int | None:
    return (requested - today).days if requested is not None else None
