"""What the reads answer: one typed model per body, so the OpenAPI document shows each.

Lists are `{"<things>": [...], "total": N, "limit": L, "offset": O}`, `<things>` the last
segment of the list's path and `total` every row matching the filters. Amounts are decimal
strings with their currency's minor unit (`"499.50"` in USD, `"1200"` in JPY); other decimals
(weights, percentages) are decimal strings without trailing zeros.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shipshape.adapters.db.paging import Page
from shipshape.api.schemas import PulledOut

Amount = str
"""A decimal string with at least its currency's minor unit of decimals."""


def listed(key: str, page: Page) -> dict[str, Any]:
    """The body of a list route: the page's rows under `key`, and where the page is."""
    return {key: page.rows, "total": page.total, "limit": page.limit, "offset": page.offset}


class Paged(BaseModel):
    total: int
    """Rows matching the filters, over every page."""
    limit: int
    offset: int


# ------------------------------------------------------------------------------- master data


class SiteOut(BaseModel):
    site_id: str
    name: str
    country: str
    postal_code: str


class CustomerOut(BaseModel):
    customer_id: str
    name: str
    active: bool
    segment: str
    priority: str
    credit_limit: Amount
    credit_hold: bool
    payment_terms: str
    allow_split: bool
    allow_substitutes: bool
    preferred_site: str | None
    min_remaining_shelf_life_days: int


class ItemOut(BaseModel):
    sku: str
    description: str
    gtin: str | None
    active: bool
    uom: str
    weight_kg: str
    hazmat: bool
    lot_controlled: bool
    substitutes: list[str]


class PriceOut(BaseModel):
    customer_id: str
    sku: str
    unit_price: Amount
    currency: str
    tolerance_pct: str


class ServiceOut(BaseModel):
    code: str
    max_weight_kg: str | None
    hazmat_allowed: bool
    countries: list[str]
    transit_days: int | None = None


class CarrierOut(BaseModel):
    code: str
    name: str
    services: list[ServiceOut]


class SiteList(Paged):
    sites: list[SiteOut]


class CustomerList(Paged):
    customers: list[CustomerOut]


class ItemList(Paged):
    items: list[ItemOut]


class PriceList(Paged):
    prices: list[PriceOut]


class CarrierList(Paged):
    carriers: list[CarrierOut]


class ChangeOut(BaseModel):
    change_id: int
    actor: str
    at: str
    fields: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any]


class ChangeList(Paged):
    kind: str
    id: str
    """The record's id (`customer_id/sku` for a price)."""
    changes: list[ChangeOut]


class PositionOut(BaseModel):
    site_id: str
    sku: str
    on_hand: int
    reserved: int
    available: int


class InventoryList(Paged):
    inventory: list[PositionOut]


class HeldPositionOut(PositionOut):
    """A site's stock of one SKU, and the returned units held back from sale."""

    quarantined: int
    scrapped: int


class SkuStock(BaseModel):
    sku: str
    sites: list[HeldPositionOut]


# ------------------------------------------------------------------------------------ orders


class OrderOut(BaseModel):
    order_id: str
    status: str
    channel: str
    external_id: str
    customer_id: str
    customer_po: str | None
    release_number: str | None
    requested_ship_date: str | None
    ship_to: dict[str, Any]
    carrier_service: str | None
    currency: str
    value: Amount
    rule_version: str
    created_at: str
    updated_at: str
    promised_date: str | None = None
    """The delivery date promised when the order was accepted (none: never accepted)."""
    promise_at_risk: bool = False


class OrderList(Paged):
    orders: list[OrderOut]


class LineOut(BaseModel):
    line_no: int
    sku: str
    quantity: int | None
    unit_price: Amount | None
    uom: str | None


class ReservationOut(BaseModel):
    line_no: int
    site_id: str
    sku: str
    quantity: int


class CaseRef(BaseModel):
    case_id: str
    code: str
    status: str


class ShipmentLineOut(BaseModel):
    line_no: int
    sku: str
    picked: int
    shipped: int


class DiscrepancyOut(BaseModel):
    line_no: int
    damaged: int
    short: int


class DeliveryOut(BaseModel):
    """What the TMS reported of the shipment: `shipped` (nothing yet), `in_transit`,
    `out_for_delivery`, `delivered` (with time, proof of delivery and signee) or `failed`."""

    state: str
    delivered_at: str | None
    pod_reference: str | None
    signee: str | None
    failure_reason: str | None
    attempts: int
    """Failed delivery attempts so far (a re-delivery that arrives leaves it as it was)."""
    discrepancies: list[DiscrepancyOut]


class ShipmentOut(BaseModel):
    shipment_id: str
    site_id: str
    ship_date: str
    carrier_service: str
    tracking_number: str | None
    label_ref: str | None
    lines: list[ShipmentLineOut]
    delivery: DeliveryOut


class PerfectOrderOut(BaseModel):
    """The perfect-order facts: delivered on time against `promised_by`, in full, damage-free,
    invoiced accurately (no credit note afterwards); `on_time` is null until every shipment is
    delivered."""

    promised_by: str
    delivered: bool
    delivered_at: str | None
    on_time: bool | None
    in_full: bool
    damage_free: bool
    invoiced_accurately: bool
    perfect: bool


class InvoiceRef(BaseModel):
    invoice_id: str
    kind: str
    shipment_id: str | None
    credits: str | None
    status: str
    currency: str
    total: Amount
    erp_ref: str | None
    reason: str | None


class PromiseOut(BaseModel):
    """The order's promise now: `state` on_track, at_risk, kept, missed (delivered after it)
    or closed (cancelled); `projected`: the delivery date its situation projects today;
    `cause`: what puts it at risk (held, tender_failed, delivery_failed, schedule,
    in_transit); `at_risk_since`: when it was flagged."""

    state: str
    projected: str | None
    cause: str | None
    at_risk_since: str | None
    transit_days: int


class OrderDetail(OrderOut):
    lines: list[LineOut]
    reservations: list[ReservationOut]
    cases: list[CaseRef]
    shipments: list[ShipmentOut]
    invoices: list[InvoiceRef]
    perfect_order: PerfectOrderOut | None = None
    promise: PromiseOut | None = None


class EventOut(BaseModel):
    event_id: str
    type: str
    payload: dict[str, Any]
    occurred_at: str
    request_id: str | None
    """The API request that wrote it; none for a worker's or a command's."""


class OrderEvents(BaseModel):
    order_id: str
    events: list[EventOut]


# -------------------------------------------------------------------- exceptions and invoices


class SlaOut(BaseModel):
    """A case's SLA clock now, counted in its owner team's business hours."""

    state: str
    """`on_track`, `at_risk`, `breached`, `paused` (waiting; the clock stands still) or
    `closed`."""
    due_at: str | None
    """When the SLA runs out if the clock keeps running from now."""
    remaining_s: int | None
    """Business seconds left (negative: overdue by that much)."""
    consumed_share: float | None
    paused: bool
    waiting_on: str | None


class ExceptionOut(BaseModel):
    case_id: str
    code: str
    kind: str
    stage: str
    source_system: str
    order_id: str | None
    line_nos: list[int]
    site_id: str | None
    customer_id: str | None
    customer_segment: str | None
    severity: str
    blocking: bool
    owner_team: str
    sla_due_at: str | None
    escalation_level: int
    status: str
    assignee: str | None
    resolution_action: str | None
    resolution_reason: str | None
    resolved_by: str | None
    resolved_at: str | None
    cost_rework_minutes: int
    currency: str
    cost_expedited_freight: Amount
    cost_invoice_correction: Amount
    root_cause: str | None
    rule_version: str
    message: str
    details: dict[str, Any]
    opened_at: str | None
    subject: str | None
    """What the case is about; the same exception about it again counts into the open case."""
    occurrences: int
    last_seen_at: str | None
    queue: str
    """The work queue routing put the case in; the desk works cases queue by queue."""
    priority: str
    sla_budget_s: int | None
    """Business seconds the case may take; None for a case opened before SLA clocks."""
    paused_at: str | None
    paused_s: int
    waiting_on: str | None
    sla: SlaOut | None = None


class ExceptionList(Paged):
    exceptions: list[ExceptionOut]


class InvoiceOut(BaseModel):
    invoice_id: str
    kind: str
    order_id: str
    shipment_id: str | None
    credits: str | None
    customer_id: str
    status: str
    currency: str
    subtotal: Amount
    freight: Amount
    tax: Amount
    total: Amount
    paid: Amount
    erp_ref: str | None
    reason: str | None
    created_at: str
    updated_at: str


class InvoiceList(Paged):
    invoices: list[InvoiceOut]


# ------------------------------------------------------------------------------------- waves


class WaveOrderOut(BaseModel):
    order_id: str
    outcome: str
    reasons: list[dict[str, Any]]


class WaveDetail(BaseModel):
    """`released` and `pulled` as `POST /waves` answers them."""

    wave_id: str
    site_id: str
    trigger: str
    status: str
    released: list[str]
    released_count: int
    pulled: list[PulledOut]
    pulled_count: int
    check_ms: float
    created_at: str
    orders: list[WaveOrderOut]
    events: list[EventOut]


class AuditEntryOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    """The decision's event type."""
    subject_type: str
    subject_id: str
    cause: str
    before: dict[str, Any]
    after: dict[str, Any]
    rule_version: str
    event_id: str
    previous: str
    """The hash of the entry before (64 zeros for the first)."""
    hash: str


class AuditList(Paged):
    entries: list[AuditEntryOut]
