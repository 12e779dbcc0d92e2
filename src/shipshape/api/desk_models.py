"""Bodies of the exception desk's routes: a case whole, an assignment, an action."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from shipshape.adapters.channels.canonical import PLAIN, Code, Day, Money
from shipshape.api.read_models import ExceptionOut
from shipshape.domain.desk import Action

Text = Annotated[str, Field(min_length=1, max_length=200), PLAIN]
Name = Annotated[str, Field(min_length=1, max_length=60), PLAIN]


class HistoryEntry(BaseModel):
    event_id: str
    type: str
    occurred_at: str
    payload: dict[str, Any]


class Availability(BaseModel):
    sku: str
    site_id: str
    on_hand: int
    reserved: int
    available: int


class CaseDetail(ExceptionOut):
    history: list[HistoryEntry]
    """Every event linked to the case, oldest first: opened, recurred, assigned, paused,
    escalated, acted on, resolved."""
    order: dict[str, Any] | None
    """The case's order with its lines, reservations, cases, shipments and invoices."""
    availability: list[Availability]
    """Stock of the order's items at each site."""
    actions: list[str]
    """The actions the caller may take on the case now (`assign` and the governed actions)."""


class AssignIn(BaseModel):
    model_config = {"extra": "forbid"}

    assignee: Name | None = None
    """Who works the case; null gives it back to its queue."""
    queue: Name | None = None
    owner_team: Annotated[str, Field(min_length=1, max_length=40), PLAIN] | None = None
    reason: Text | None = None


class CostIn(BaseModel):
    model_config = {"extra": "forbid"}

    rework_minutes: int = Field(default=0, ge=0, le=1_000_000)
    expedited_freight: Money = Decimal("0")
    invoice_correction: Money = Decimal("0")


class ActionIn(BaseModel):
    model_config = {"extra": "forbid"}

    action: Action
    reason_code: Code
    root_cause: Text | None = None
    """Required to resolve or reject."""
    cost: CostIn = Field(default_factory=CostIn)
    line_no: int | None = Field(default=None, ge=1, le=1_000_000)
    """substitute, cancel_line: the line."""
    substitute_sku: Code | None = None
    release_on: Day | None = None
    """delay_release: the date the order is released on at the earliest."""
    site_id: Code | None = None
    """resource: the site to take the order from first."""
    waiting_on: Name | None = None
    """pause: `customer`, or the system waited on (`system:erp`)."""
    note: Text | None = None
    carrier_service: Name | None = None
    """retender: the carrier service (`CARRIER:SERVICE`) to tender to."""


class ActionOut(BaseModel):
    case: CaseDetail
    closed: bool
    """Whether the action closed the case."""
    outcome: dict[str, Any]
    """What the action did: the order's status and reservations, the clock..."""
