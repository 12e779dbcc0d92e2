"""The consistency check (`shipshape check`): the conditions of `domain/consistency.py` over the
whole store, read in one transaction so that they see one state."""

from __future__ import annotations

from shipshape.domain import consistency as cs
from shipshape.services.deps import Deps


def check_consistency(deps: Deps) -> list[cs.Violation]:
    """Every violated condition, by check number; empty when the store is consistent."""
    with deps.uow.reading() as uow:
        q = uow.consistency
        return [*cs.order_violations(q.order_tallies()),
                *cs.line_violations(q.line_tallies()),
                *cs.invoice_violations(q.shipment_invoices()),
                *cs.stock_violations(q.stock_tallies()),
                *cs.shipment_violations(q.order_sites()),
                *cs.held_violations(q.held_tallies()),
                *cs.exposure_violations(q.exposure_tallies()),
                *cs.return_violations(q.return_tallies(), q.return_credits())]
