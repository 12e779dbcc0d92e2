"""The ports of the exception desk's notifications: a signed webhook and e-mail.

What is sent is decided in `services/notifications.py`; an adapter only carries it. Each send is
one call to another system and fails as a connector call does (`ports.connectors`):
`ConnectorUnavailable` (a timeout, a refused connection, a 5xx or an SMTP 4xx: the same send may
succeed later), `ConnectorRejected` (a 4xx, an SMTP 5xx: repeating it would not help) and, from
an adapter that retries (`adapters/notify`), `ConnectorExhausted` when its attempts ran out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WebhookNotice:
    """One webhook: `message_id` is its `webhook-id`, derived from the event id, so the same
    notification sent again carries the same id and the receiver can drop the copy."""

    message_id: str
    body: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class MailNotice:
    """One e-mail, plain text (and, with `html`, multipart/alternative); `message_id`
    (derived from the event id) becomes its `Message-ID`."""

    message_id: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    language: str | None = None
    """Its `Content-Language`, when known."""


class WebhookSender(Protocol):
    def post(self, notice: WebhookNotice) -> None:
        """POST the notice, signed; raises a `ConnectorError`."""
        ...


class MailSender(Protocol):
    def send(self, notice: MailNotice) -> None:
        """Hand the e-mail to the mail server; raises a `ConnectorError`."""
        ...
