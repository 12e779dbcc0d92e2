"""Order to cash, read top to bottom: which event reaches which consumer and which call to another
system, what each event another system sends in does, and what the simulated systems answer.

This module is the map; the composition root wires the consumers from `CONSUMERS`, and tests
hold the handlers (`wants`), the inbound effects (`delivery.inbound_effects.EFFECTS`) and the
simulated systems' reactions to what is declared here.

    customer order ──▶ OrderReceived, ControlsEvaluated, StockReserved, OrderAccepted | OrderHeld
    OrderAccepted | OrderHeld ──▶ erp-order-mirror: erp.order_mirror ──▶ order_acknowledged
    wave release ──▶ OrderReleased…, WaveReleased ──▶ wms-wave-release: wms.wave_release
                                                  ──▶ pick_confirmed (per order and site)
    pick_confirmed ──▶ PickConfirmed (short picks re-sourced, backordered; lots checked)
                    ──▶ CarrierTenderRequested ──▶ tms-tender: tms.tender, carrier by carrier
    CarrierTendered ──▶ wms-ship-release: wms.ship_release ──▶ shipment_confirmed
    shipment_confirmed ──▶ ShipmentConfirmed, InvoiceIssued
    InvoiceIssued ──▶ erp-invoice-posting: erp.invoice_posting ──▶ invoice_posted | rejected
                  ──▶ edi-documents: the 810 (with ShipmentConfirmed: the 856) to EDI customers
    OrderAccepted (from held) | OrderCancelled ──▶ edi-documents: the 855 / ORDRSP again to the
        partner whose 850 / ORDERS it was
    invoice_posted ──▶ InvoicePosted ──▶ payment_received ──▶ PaymentReceived (order paid)
    OrderCancelled / held after release ──▶ wms-task-cancel, tms-tender-cancel
    CreditNoteIssued ──▶ finance-credit-note: finance.credit_note
    ShipmentConfirmed ──▶ tms-delivery-tracking: tms.tracking ──▶ shipment_in_transit,
        shipment_out_for_delivery, shipment_delivered | delivery_failed, delivery_discrepancy
        ──▶ DeliveryMilestone, ShipmentDelivered, DeliveryFailed, DeliveryDiscrepancy (cases)
    RedeliveryRequested (desk: redeliver) ──▶ tms-redelivery: tms.redelivery
    ReturnAuthorised ──▶ wms-return-expected: wms.return_expected ──▶ return_received
    return_received ──▶ ReturnReceived (stock back, quarantined, scrapped), CreditNoteIssued
                     naming the return, ReturnDisputed with a RETURN_DISPUTED case
    ExceptionAssigned | ExceptionEscalated ──▶ desk-webhook, desk-mail (when configured)
    OrderAccepted | OrderHeld | PromiseAtRisk | ShipmentConfirmed | ShipmentDelivered |
    DeliveryFailed | ReturnAuthorised | CreditNoteIssued ──▶ customer-notices (when enabled):
        the customer's e-mail or signed webhook, then CustomerNotified on the order
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipshape.domain.integration import DEFAULT_OWNERSHIP, State, System


@dataclass(frozen=True, slots=True)
class Consumer:
    """A durable consumer of Shipshape's events: the types it takes and the call it makes."""

    name: str
    takes: frozenset[str]
    system: str
    operation: str


CONSUMERS: tuple[Consumer, ...] = (
    Consumer("erp-order-mirror", frozenset({"OrderAccepted", "OrderHeld"}), "erp",
             "order_mirror"),
    Consumer("wms-wave-release", frozenset({"WaveReleased"}), "wms", "wave_release"),
    Consumer("wms-task-cancel", frozenset({"TaskCancelRequested"}), "wms", "task_cancel"),
    Consumer("tms-tender", frozenset({"CarrierTenderRequested"}), "tms", "tender"),
    Consumer("wms-ship-release", frozenset({"CarrierTendered"}), "wms", "ship_release"),
    Consumer("erp-invoice-posting", frozenset({"InvoiceIssued", "InvoicePostRequested"}), "erp",
             "invoice_posting"),
    Consumer("tms-tender-cancel", frozenset({"TenderCancelRequested"}), "tms", "tender_cancel"),
    Consumer("finance-credit-note", frozenset({"CreditNoteIssued"}), "finance", "credit_note"),
    Consumer("tms-delivery-tracking", frozenset({"ShipmentConfirmed"}), "tms", "tracking"),
    Consumer("tms-redelivery", frozenset({"RedeliveryRequested"}), "tms", "redelivery"),
    Consumer("wms-return-expected", frozenset({"ReturnAuthorised"}), "wms", "return_expected"),
    Consumer("edi-documents", frozenset({"ShipmentConfirmed", "InvoiceIssued", "OrderAccepted",
                                         "OrderCancelled"}), "edi", "856/810/855"),
)
"""Each event type's consumers, in the order of the journey (the order a worker runs them in)."""

NOTIFIERS: tuple[Consumer, ...] = (
    Consumer("desk-webhook", frozenset({"ExceptionAssigned", "ExceptionEscalated"}),
             "desk-webhook", "case.assigned/escalated/breached"),
    Consumer("desk-mail", frozenset({"ExceptionAssigned", "ExceptionEscalated"}), "smtp",
             "mail"),
    Consumer("customer-notices", frozenset({
        "OrderAccepted", "OrderHeld", "PromiseAtRisk", "ShipmentConfirmed", "ShipmentDelivered",
        "DeliveryFailed", "ReturnAuthorised", "CreditNoteIssued"}), "customer",
        "notice (email | webhook)"),
)
"""The exception desk's notifications (`services/notifications.py`) and the customers' notices
(`services/customer_notices.py`): run after `CONSUMERS`, and only the ones configured
(`desk.notifications`: a webhook URL, an SMTP host; `notices.enabled`)."""

INBOUND_EFFECTS: Mapping[str, str] = {
    "credit_status_changed": "the customer's credit hold; released orders it reaches get "
                             "CREDIT_HOLD_AFTER_RELEASE and their WMS tasks are cancelled",
    "pick_confirmed": "PickConfirmed; short picks re-sourced or backordered, lots checked, "
                      "the picked order tendered",
    "shipment_confirmed": "ShipmentConfirmed and the shipment's invoice (InvoiceIssued)",
    "invoice_posted": "InvoicePosted",
    "invoice_rejected": "InvoiceRejected and an INVOICE_POST_FAILED case",
    "payment_received": "PaymentReceived; the order is paid when its invoices are",
    "return_received": "ReturnReceived: good units back to available stock, damaged to "
                       "quarantine, destroyed to scrap; a CreditNoteIssued for the accepted "
                       "units (once); ReturnDisputed and a RETURN_DISPUTED case when the "
                       "receipt differs from the authorisation",
    "shipment_in_transit": "DeliveryMilestone (in_transit) unless the shipment is further on",
    "shipment_out_for_delivery": "DeliveryMilestone (out_for_delivery) unless further on",
    "shipment_delivered": "ShipmentDelivered (time, proof of delivery, signee); after the "
                          "promised date a DELIVERED_LATE case; the perfect-order facts",
    "delivery_failed": "DeliveryFailed and a DELIVERY_FAILED case (re-deliver, re-ship, "
                       "cancel)",
    "delivery_discrepancy": "DeliveryDiscrepancy and DAMAGED_ON_DELIVERY / SHORT_ON_DELIVERY "
                            "cases (re-ship or credit); the perfect-order facts",
}
"""What each event another system sends in does beyond being recorded; every other inbound type
(order_acknowledged, tender_accepted, tracking_updated, ...) is recorded only."""

SIMULATED_ANSWERS: Mapping[tuple[str, str], str] = {
    ("erp", "order_mirror"): "order_acknowledged",
    ("erp", "invoice_posting"): "invoice_posted (invoice_rejected on a negative ack), then "
                                "payment_received when the simulated ERP pays on booking",
    ("wms", "wave_release"): "pick_confirmed per order and site (short when configured)",
    ("wms", "ship_release"): "shipment_confirmed per site",
    ("tms", "tracking"): "shipment_in_transit, shipment_out_for_delivery, shipment_delivered "
                         "after the transit time with noise (late, delivery_failed, "
                         "delivery_discrepancy by the configured rates)",
    ("tms", "redelivery"): "as tracking: the failed shipment delivered again (or not)",
    ("wms", "return_expected"): "return_received, every unit good (a share damaged when "
                                "`return_damaged_rate` says so)",
}
"""What the simulated systems send back after a call (sim/systems/reactions.py)."""

OWNERSHIP: Mapping[State, System] = DEFAULT_OWNERSHIP
"""Which system owns which state: an inbound event about a state its sender does not own is
refused with an OWNERSHIP_VIOLATION case."""


def consumers_of(event_type: str) -> list[Consumer]:
    return [consumer for consumer in CONSUMERS if event_type in consumer.takes]
