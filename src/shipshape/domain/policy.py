"""Custom policies: the facts a decision table sees, and what its rows mean."""

from __future__ import annotations

from collections.abc import Mapping

from shipshape.domain.controls import OrderContext, order_weight
from shipshape.domain.findings import Finding, Kind, Severity


def policy_facts(ctx: OrderContext) -> dict[str, object]:
    """Plain JSON facts about one order, the input of every decision table."""
    draft, customer = ctx.draft, ctx.customer
    return {
        "order": {
            "channel": draft.channel,
            "customer_po": draft.customer_po or "",
            "value": float(draft.value),
            "line_count": len(draft.lines),
            "weight_kg": float(order_weight(ctx)),
            "country": draft.ship_to.country or "",
            "carrier_service": draft.carrier_service or "",
            "hazmat": any(ctx.items[ln.sku].hazmat for ln in draft.lines if ln.sku in ctx.items),
        },
        "customer": {
            "id": draft.customer_id,
            "known": customer is not None,
            "segment": customer.segment if customer else "",
            "priority": customer.priority if customer else "",
            "payment_terms": customer.payment_terms if customer else "",
        },
    }


def finding_from_row(row: Mapping[str, object], rule: str) -> Finding:
    """A decision table row names code, severity, kind, owner team and message."""
    code = str(row.get("code") or "POLICY")
    return Finding(
        code=code,
        severity=Severity(str(row.get("severity") or "warn")),
        kind=Kind(str(row.get("kind") or "business")),
        message=str(row.get("message") or code),
        owner_team=str(row.get("owner_team") or "customer_service"),
        rule=rule,
    )
