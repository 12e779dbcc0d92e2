"""The systems Shipshape talks to, what it asks of each, and who owns which state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding, Kind, Team, block


class System(StrEnum):
    ERP = "erp"
    WMS = "wms"
    TMS = "tms"
    FINANCE = "finance"
    SHIPSHAPE = "shipshape"


EXTERNAL_SYSTEMS: tuple[System, ...] = (System.ERP, System.WMS, System.TMS, System.FINANCE)

DEFAULT_MAX_CLOCK_SKEW_S = 300.0
"""How far ahead of our clock an inbound event may be dated (`SHIPSHAPE_EVENT_MAX_CLOCK_SKEW_S`)."""

OPERATIONS: Mapping[System, tuple[str, ...]] = {
    System.ERP: ("order_mirror", "credit_status", "invoice_posting"),
    System.WMS: ("wave_release", "task_cancel", "ship_release", "return_expected"),
    System.TMS: ("tender", "tender_cancel", "tracking", "redelivery"),
    System.FINANCE: ("invoice_posting", "credit_note"),
}
"""What Shipshape may ask of each system (outbound calls through its connector)."""


class State(StrEnum):
    """Transaction states that exactly one system may change."""

    ORDER_ACCEPTANCE = "order_acceptance"
    CREDIT_STATUS = "credit_status"
    INVOICE = "invoice"
    PAYMENT = "payment"
    TASK_EXECUTION = "task_execution"
    PICKED_QUANTITY = "picked_quantity"
    SHIPMENT = "shipment"
    CARRIER_TENDER = "carrier_tender"
    ORCHESTRATION = "orchestration"
    RESERVATION = "reservation"
    RETURN_RECEIPT = "return_receipt"
    DELIVERY = "delivery"
    DELIVERY_CONDITION = "delivery_condition"
    """What arrived damaged or short: a fact beside the delivery state, so a report of it
    timed with (or before) the delivery itself is not taken for an older delivery update."""


DEFAULT_OWNERSHIP: Mapping[State, System] = {
    State.ORDER_ACCEPTANCE: System.ERP,
    State.CREDIT_STATUS: System.ERP,
    State.INVOICE: System.ERP,
    State.PAYMENT: System.ERP,
    State.TASK_EXECUTION: System.WMS,
    State.PICKED_QUANTITY: System.WMS,
    State.SHIPMENT: System.WMS,
    State.CARRIER_TENDER: System.TMS,
    State.ORCHESTRATION: System.SHIPSHAPE,
    State.RESERVATION: System.SHIPSHAPE,
    State.RETURN_RECEIPT: System.WMS,
    State.DELIVERY: System.TMS,
    State.DELIVERY_CONDITION: System.TMS,
}
"""DESIGN.md section 1: the ERP owns acceptance, credit and invoices; the WMS task execution,
picked quantities and what left the dock; the TMS tendering; Shipshape the orchestration state
and the reservations."""

INBOUND_EVENTS: Mapping[str, State] = {
    "order_acknowledged": State.ORDER_ACCEPTANCE,
    "credit_status_changed": State.CREDIT_STATUS,
    "invoice_posted": State.INVOICE,
    "invoice_rejected": State.INVOICE,
    "payment_received": State.PAYMENT,
    "task_status_changed": State.TASK_EXECUTION,
    "pick_confirmed": State.PICKED_QUANTITY,
    "shipment_confirmed": State.SHIPMENT,
    "tender_accepted": State.CARRIER_TENDER,
    "tender_rejected": State.CARRIER_TENDER,
    "tracking_updated": State.CARRIER_TENDER,
    "reservation_changed": State.RESERVATION,
    "order_status_changed": State.ORCHESTRATION,
    "return_received": State.RETURN_RECEIPT,
    "shipment_in_transit": State.DELIVERY,
    "shipment_out_for_delivery": State.DELIVERY,
    "shipment_delivered": State.DELIVERY,
    "delivery_failed": State.DELIVERY,
    "delivery_discrepancy": State.DELIVERY_CONDITION,
}
"""Which state each inbound event type changes."""


def ownership_table(overrides: Mapping[str, str] | None = None) -> dict[State, System]:
    """The defaults with `overrides` (state name -> system name) applied; unknown names raise
    ValueError naming what is allowed."""
    table = dict(DEFAULT_OWNERSHIP)
    states, systems = {s.value for s in State}, {s.value for s in System}
    for state, system in (overrides or {}).items():
        if state not in states:
            raise ValueError(f"ownership: unknown state {state!r}; states: "
                             + ", ".join(sorted(states)))
        if system not in systems:
            raise ValueError(f"ownership: unknown system {system!r} for {state}; systems: "
                             + ", ".join(sorted(systems)))
        table[State(state)] = System(system)
    return table


def ownership_finding(system: str, event_type: str, state: State,
                      table: Mapping[State, System]) -> Finding | None:
    """`OWNERSHIP_VIOLATION` when `system` sends an update of a state another system owns."""
    owner = table[state]
    if owner.value == system:
        return None
    return block("OWNERSHIP_VIOLATION", Kind.INTEGRATION, Team.INTEGRATION,
                 f"{system} sent {event_type}, which changes {state.value}; "
                 f"{owner.value} owns that state, so the update was refused",
                 system=system, event_type=event_type, state=state.value, owner=owner.value)


MASTERDATA_FIELD_STATES: Mapping[tuple[str, str], State] = {
    ("customer", "credit_hold"): State.CREDIT_STATUS,
    ("customer", "credit_limit"): State.CREDIT_STATUS,
}
"""Master-data fields that are part of a transaction state, by (record kind, field): they follow
the ownership table like the state itself."""


def owned_fields_changed(kind: str, before: Mapping[str, object] | None,
                         after: Mapping[str, object], table: Mapping[State, System],
                         writer: System = System.SHIPSHAPE) -> list[tuple[str, System]]:
    """(field, owner) of each field of a `kind` record that `writer` would change although
    another system owns it; a record's first version (`before` None) overwrites nothing."""
    if before is None:
        return []
    return [(name, table[state]) for (record_kind, name), state in MASTERDATA_FIELD_STATES.items()
            if record_kind == kind and table[state] != writer
            and before.get(name) != after.get(name)]


def integration_failure(system: str, operation: str, error: str, attempts: int) -> Finding:
    """`INTEGRATION_FAILURE`: a call to another system failed for good (retries exhausted or a
    final rejection)."""
    return block("INTEGRATION_FAILURE", Kind.INTEGRATION, Team.INTEGRATION,
                 f"{system} {operation} failed after {attempts} attempt(s): {error}",
                 system=system, operation=operation, attempts=attempts, error=error)


OPERATION_STAGES: Mapping[str, str] = {
    "order_mirror": "capture", "credit_status": "validate", "wave_release": "release",
    "task_cancel": "release", "ship_release": "ship", "tender": "ship", "tender_cancel": "ship",
    "tracking": "ship", "redelivery": "ship",
    "invoice_posting": "invoice", "credit_note": "invoice", "return_expected": "invoice",
}
"""The journey stage a failed call belongs to (DESIGN.md section 1)."""

STATE_STAGES: Mapping[State, str] = {
    State.ORDER_ACCEPTANCE: "capture", State.CREDIT_STATUS: "validate",
    State.INVOICE: "invoice", State.PAYMENT: "invoice", State.TASK_EXECUTION: "execute",
    State.PICKED_QUANTITY: "execute", State.SHIPMENT: "ship", State.CARRIER_TENDER: "ship",
    State.ORCHESTRATION: "release", State.RESERVATION: "allocate",
    State.RETURN_RECEIPT: "invoice", State.DELIVERY: "ship", State.DELIVERY_CONDITION: "ship",
}


ENTITY_FIELDS = ("order_id", "customer_id", "invoice_id", "shipment_id", "wave_id")
"""What an inbound event is about: the first of these its data names."""

ENTITY_PARTS: Mapping[str, tuple[str, ...]] = {
    "pick_confirmed": ("order_id", "site"), "shipment_confirmed": ("order_id", "site"),
    "invoice_posted": ("invoice_id",), "invoice_rejected": ("invoice_id",),
    "payment_received": ("invoice_id",), "return_received": ("return_id",),
    **{kind: ("shipment_id",) for kind in (
        "shipment_in_transit", "shipment_out_for_delivery", "shipment_delivered",
        "delivery_failed", "delivery_discrepancy")}}
"""Event types whose state is kept per other fields than the first of `ENTITY_FIELDS`: each site
confirms its own picks and shipment of an order, so one site's confirmation is never stale
because of another's; an invoice's acknowledgement is about the invoice, not its order."""


@dataclass(frozen=True, slots=True)
class SystemEvent:
    """One event another system sent, as received (`webhook_id` identifies it)."""

    system: str
    webhook_id: str
    type: str
    occurred_at: datetime
    data: Mapping[str, object]

    @property
    def state(self) -> State:
        return INBOUND_EVENTS[self.type]

    @property
    def entity(self) -> str:
        parts = ENTITY_PARTS.get(self.type)
        if parts is not None:
            values = [self.data.get(name) for name in parts]
            if all(isinstance(value, str) and value for value in values):
                return "/".join(f"{name.removesuffix('_id')}:{value}"
                                for name, value in zip(parts, values, strict=True))
            raise InvalidInput(f"{self.type} must name {' and '.join(parts)}")
        for name in ENTITY_FIELDS:
            value = self.data.get(name)
            if isinstance(value, str) and value:
                return f"{name.removesuffix('_id')}:{value}"
        raise InvalidInput(f"{self.type} names none of {', '.join(ENTITY_FIELDS)}")

    @property
    def order_id(self) -> str | None:
        value = self.data.get("order_id")
        return value if isinstance(value, str) and value else None
