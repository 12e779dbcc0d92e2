"""What Shipshape does when another system's event is applied, by event type.

Each effect runs in the transaction that records the event (after the ownership and ordering
checks of `services/inbound.py`); an error rolls all of it back and the sender is told why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal

from shipshape.domain.errors import InvalidInput
from shipshape.domain.integration import SystemEvent
from shipshape.services import delivery_facts, desk_conditions
from shipshape.services.billing import invoice_posted, invoice_rejected
from shipshape.services.deps import Deps
from shipshape.services.masterdata import change_customer
from shipshape.services.payments import payment_received
from shipshape.services.picking import pick_confirmed
from shipshape.services.ports import UnitOfWork
from shipshape.services.release import credit_hold_after_release
from shipshape.services.returns import return_received
from shipshape.services.shipping import shipment_confirmed

Effect = Callable[[Deps, UnitOfWork, SystemEvent], None]


def credit_status_changed(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """The ERP put a customer on credit hold or lifted it (`on_hold`, a checked boolean), and
    may set its credit limit; the change is audited as the ERP's (`system:erp`)."""
    customer_id = str(event.data.get("customer_id", ""))
    customer = uow.masterdata.customer(customer_id)
    if customer is None:
        raise InvalidInput(f"credit_status_changed for unknown customer {customer_id}")
    limit = event.data.get("credit_limit")
    after = replace(customer, credit_hold=event.data.get("on_hold") is True,
                    credit_limit=customer.credit_limit if limit is None else Decimal(str(limit)))
    change_customer(deps, uow, customer, after, f"system:{event.system}")
    if customer.credit_hold and not after.credit_hold:
        desk_conditions.credit_released(deps, uow, customer_id)


def credit_status_and_released_orders(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """The hold itself, then the orders it reaches after release (CREDIT_HOLD_AFTER_RELEASE)."""
    credit_status_changed(deps, uow, event)
    credit_hold_after_release(deps, uow, event)


EFFECTS: Mapping[str, Effect] = {
    "credit_status_changed": credit_status_and_released_orders,
    "pick_confirmed": pick_confirmed,
    "shipment_confirmed": shipment_confirmed,
    "invoice_posted": invoice_posted,
    "invoice_rejected": invoice_rejected,
    "payment_received": payment_received,
    "return_received": return_received,
    "shipment_in_transit": delivery_facts.milestone,
    "shipment_out_for_delivery": delivery_facts.milestone,
    "shipment_delivered": delivery_facts.milestone,
    "delivery_failed": delivery_facts.milestone,
    "delivery_discrepancy": delivery_facts.discrepancy,
}
"""Event types without an effect are recorded (`system_states`, the order's timeline) only."""
