"""The ports of customer communication (`services/customer_notices.py`): the contacts, the
facts a notice is made of, the templates, and a webhook sent to each customer's own URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from shipshape.domain.communication import Contact
from shipshape.services.ports.notifications import WebhookNotice


@dataclass(frozen=True, slots=True)
class HoldFacts:
    """Why an order is held short: the finding's message, what is available per line
    (`line_no`, `sku`, `wanted`, `available_by_site`) and the options (`action`, `allowed`)."""

    message: str
    availability: tuple[Mapping[str, object], ...]
    options: tuple[Mapping[str, object], ...]


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """What every notice about an order may say, and how its customer is told (None: no
    contact, nothing is sent)."""

    order_id: str
    customer_id: str
    customer_name: str
    customer_po: str | None
    external_id: str
    requested_ship_date: date | None
    contact: Contact | None
    hold: HoldFacts | None = None


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    subject: str
    text: str
    html: str


class NoticeSource(Protocol):
    def facts(self, order_id: str) -> NoticeFacts | None:
        """The order's facts and its customer's contact; None for an unknown order."""
        ...


class ContactStore(Protocol):
    def get(self, customer_id: str) -> Contact | None: ...
    def put(self, contact: Contact, at: datetime, by: str) -> None: ...


class NoticeRenderer(Protocol):
    def render(self, kind: str, language: str, context: Mapping[str, object]
               ) -> RenderedNotice:
        """The notice in `language` (English when there is no template in it)."""
        ...


class CustomerWebhookSender(Protocol):
    def post(self, url: str, secret: str, notice: WebhookNotice) -> None:
        """POST the notice to the customer's URL, signed with its secret; raises a
        `ConnectorError`."""
        ...
