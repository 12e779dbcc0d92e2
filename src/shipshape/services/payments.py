"""Payments the ERP received (`payment_received`, the ERP owns the payment state): the last step
from release to cash.

`{"invoice_id": "inv_…", "order_id": "ord_…", "amount": "120.00"}` adds to what was paid of a
posted invoice (partial payments add up). When every invoice of an invoiced order is paid in
full, the order is `closed` and its value leaves the customer's credit exposure (it counted
there from acceptance: open orders and unpaid invoices alike).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from shipshape.domain import invoicing as iv
from shipshape.domain.catalogue import DomainEvent, PaymentReceived
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.integration import SystemEvent
from shipshape.domain.orders import OrderStatus
from shipshape.services.billing import active_invoices, invoice_of
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.status import move_order


def payment_received(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    invoice = invoice_of(uow, event)
    amount = _amount(event.data.get("amount"))
    if invoice.kind is not iv.InvoiceKind.INVOICE or invoice.status is not iv.InvoiceStatus.POSTED:
        raise Conflict(f"invoice {invoice.id} is {invoice.status.value}; only a posted invoice "
                       "is paid")
    now = deps.clock.now()
    paid = uow.invoices.record_payment(invoice.id, amount, now)
    events: list[DomainEvent] = [PaymentReceived(
        occurred_at=now, order_id=invoice.order_id, invoice_id=invoice.id, amount=amount,
        paid=paid, total=invoice.total, webhook_id=event.webhook_id)]
    events += _closed(uow, invoice.order_id, event, now)
    uow.events.append(events)


def _amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise InvalidInput("payment_received: amount must be a decimal number") from error
    if not (amount.is_finite() and amount > 0):
        raise InvalidInput("payment_received: amount must be positive")
    return amount


def _closed(uow: UnitOfWork, order_id: str, event: SystemEvent,
            now: datetime) -> list[DomainEvent]:
    """An invoiced order whose invoices are all paid is closed; its value leaves exposure."""
    order = uow.picks.order(order_id, lock=True)
    if order is None or order.status is not OrderStatus.INVOICED:
        return []
    if not all(i.settled for i in active_invoices(uow, order_id)):
        return []
    uow.credit.add_exposure(order.customer_id, -order.value)
    return [move_order(uow, order, OrderStatus.CLOSED, now, reason="every invoice paid",
                       credit_released=order.value, webhook_id=event.webhook_id)]
