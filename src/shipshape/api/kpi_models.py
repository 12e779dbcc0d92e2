"""Bodies of the KPI routes: the figures of a period, in all and per group of a dimension, and
each delivered order's perfect-order facts with the causes of its failures."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipshape.api.read_models import Amount, Paged


class KpiFigures(BaseModel):
    """Every KPI of a group (or of the whole period). A field is null where its KPI does not
    apply to the breakdown's dimension (see the breakdown's `not_applicable`), or where there is
    nothing to divide by (a rate of no orders)."""

    orders: int | None = Field(description="orders created in the period")
    cases: int | None = Field(description="exception cases opened in the period")
    exceptions_per_1000: float | None = Field(description="cases per 1,000 orders")
    delivered_orders: int | None = Field(
        description="orders whose last shipment was delivered in the period")
    perfect_orders: int | None
    perfect_order_rate: float | None = Field(
        description="perfect orders / delivered orders (on time, in full, damage-free and "
                    "invoiced accurately, each order)")
    on_time_rate: float | None
    in_full_rate: float | None
    damage_free_rate: float | None
    invoice_accuracy_rate: float | None
    perfect_order_product: float | None = Field(
        description="on time rate x in full rate x damage-free rate x invoice accuracy rate")
    closed_cases: int | None = Field(description="cases closed in the period")
    rework_hours: float | None = Field(
        description="the rework minutes the desk recorded on the cases closed, in hours")
    expedited_freight: Amount | None = Field(
        description="expedited freight recorded on the cases closed (in `currency`)")
    invoice_correction_cost: Amount | None = Field(
        description="invoice correction recorded on the cases closed (in `currency`)")
    time_to_resolve_mean_h: float | None = Field(
        description="hours from opened to closed (wall clock) of the cases closed: the mean")
    time_to_resolve_p90_h: float | None = Field(
        description="the same, 90th percentile (nearest rank)")
    credit_notes: int | None = Field(description="credit notes written in the period")
    credit_note_amount: dict[str, Amount] | None = Field(
        description="their totals, per currency")
    system_calls: int | None = Field(
        description="calls to other systems answered (`SystemCalled`) and tenders to carriers")
    dead_letters: int | None = Field(description="calls given up on (dead letters)")
    integration_failure_rate: float | None = Field(
        description="dead letters / (calls answered + dead letters)")


class KpiGroup(KpiFigures):
    key: str | None = Field(description="the dimension's value (null: records without one)")


class KpiBreakdown(BaseModel):
    by: str
    not_applicable: dict[str, str] = Field(
        description="the KPIs (exception_rate, perfect_order, case_work, invoice_corrections, "
                    "integration_failures) with no figures by this dimension, and why")
    notes: dict[str, str]
    groups: list[KpiGroup]


class FailureCountOut(BaseModel):
    component: str = Field(description="on_time, in_full, damage_free, invoiced_accurately")
    code: str | None = Field(
        description="the code of the first case behind it; CREDIT_NOTE: a credit note written "
                    "without a case; null: no case found")
    orders: int


class KpiReportOut(BaseModel):
    from_: str | None = Field(alias="from")
    to: str | None
    currency: str = Field(description="the currency of the costs recorded on cases")
    customer_id: str | None = Field(description="the one customer counted (a customer's token)")
    totals: KpiFigures
    failures: list[FailureCountOut] = Field(
        description="the imperfect orders delivered in the period, per part failed and cause")
    breakdowns: list[KpiBreakdown]


class FailureOut(BaseModel):
    component: str
    code: str | None
    case_id: str | None
    credit_note_id: str | None


class OrderKpiOut(BaseModel):
    order_id: str
    customer_id: str
    channel: str | None
    promised_by: str
    delivered_at: str
    on_time: bool | None
    in_full: bool
    damage_free: bool
    invoiced_accurately: bool
    perfect: bool
    failures: list[FailureOut]
    credit_notes: list[str]


class OrderKpiList(Paged):
    orders: list[OrderKpiOut]
