"""Customer communication: each customer's contact for notices, and the notices an order's
customer was sent (`services/customer_notices.py`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from shipshape.adapters.channels.canonical import PLAIN
from shipshape.adapters.db import communication_store as cq
from shipshape.adapters.db import queries
from shipshape.adapters.db.scope_queries import customer_of_order
from shipshape.api.deps import allowed, container, not_found_outside_scope
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission, require
from shipshape.domain.errors import NotFound
from shipshape.services import customer_notices as notices
from shipshape.services.auth import Principal

router = APIRouter()
App = Annotated[Container, Depends(container)]
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
Key = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-]+$")]
OrderId = Annotated[str, Path(max_length=40)]
Kind = Literal["order_acknowledged", "order_held", "promise_at_risk", "shipped", "delivered",
               "delivery_failed", "return_authorised", "credited"]
Email = Annotated[str, Field(min_length=3, max_length=320), PLAIN]


class ContactIn(BaseModel):
    """The whole contact (a PUT replaces it). Without `channel`: `webhook` when a
    `webhook_url` is given, else `email` when `emails` are, else `none`."""

    model_config = {"extra": "forbid"}

    channel: Literal["email", "webhook", "none"] | None = None
    emails: list[Email] = Field(default_factory=list, max_length=10)
    webhook_url: Annotated[str, Field(max_length=2000), PLAIN] | None = None
    webhook_secret: Annotated[str, Field(max_length=200), PLAIN] | None = None
    """`whsec_` + base64 (Standard Webhooks): signs every notice; never shown back."""
    language: Annotated[str, Field(max_length=20), PLAIN] | None = None
    """A language tag (`en`, `de`, `de-CH`); templates are in English and German, any other
    language gets English."""
    opted_out: list[Kind] = Field(default_factory=list)
    """The kinds of notice the customer does not want."""


class ContactOut(BaseModel):
    customer_id: str
    channel: str
    emails: list[str]
    webhook_url: str | None
    webhook_secret_set: bool
    language: str
    opted_out: list[str]
    updated_at: str
    updated_by: str


class NotificationOut(BaseModel):
    event_id: str
    occurred_at: str
    kind: str
    status: str
    """`sent`, or `skipped` (opted out, channel none, no mail server) with the `reason`."""
    channel: str
    recipient: str
    """Masked: `a***@example.com`, or the webhook's scheme and host."""
    message_id: str
    """The e-mail's Message-ID (without the angle brackets and domain) or the webhook-id."""
    source_event: str
    source_type: str
    language: str
    reason: str | None = None


class OrderNotifications(BaseModel):
    order_id: str
    notifications: list[NotificationOut]


def _own(who: Principal, customer_id: str) -> None:
    not_found_outside_scope(who, customer_id, f"customer {customer_id} does not exist")


@router.get("/customers/{customer_id}/contact", response_model=ContactOut)
def get_contact(customer_id: Key, c: App, who: Reader) -> dict[str, Any]:
    """How the customer is told of its orders; 404 when no contact is set (the customer is
    then told nothing). A token scoped to a customer reads its own only."""
    _own(who, customer_id)
    found = cq.contact_of(c.engine, customer_id)
    if found is None:
        if not cq.customer_exists(c.engine, customer_id):
            raise NotFound(f"customer {customer_id} does not exist")
        raise NotFound(f"customer {customer_id} has no contact")
    return found


@router.put("/customers/{customer_id}/contact", response_model=ContactOut)
def put_contact(customer_id: Key, body: ContactIn, c: App, who: Reader) -> dict[str, Any]:
    """Set the customer's contact (replaces it). A token scoped to the customer may set its
    own; an unscoped one needs to write master data (integration, admin)."""
    _own(who, customer_id)
    if who.customer_id is None:
        require(who.role, Permission.WRITE_MASTERDATA)
    notices.set_contact(c.deps, customer_id, channel=body.channel, emails=body.emails,
                        webhook_url=body.webhook_url, webhook_secret=body.webhook_secret,
                        language=body.language, opted_out=body.opted_out, actor=who.name)
    return get_contact(customer_id, c, who)


@router.get("/orders/{order_id}/notifications", response_model=OrderNotifications)
def get_order_notifications(order_id: OrderId, c: App, who: Reader) -> dict[str, Any]:
    """What the order's customer was told (each a `CustomerNotified` event of the order's
    timeline), oldest first; notices skipped say why."""
    missing = f"order {order_id} does not exist"
    customer = customer_of_order(c.engine, order_id)
    if customer is None and queries.order_detail(c.engine, order_id) is None:
        raise NotFound(missing)
    not_found_outside_scope(who, customer, missing)
    return {"order_id": order_id,
            "notifications": cq.notifications_of_order(c.engine, order_id)}
