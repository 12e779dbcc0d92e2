"""Customer communication: which event becomes which notice, and how each customer wants to be
told (its contact: a channel, addresses or a webhook, a language, the kinds it opted out of).

Pure: the consumer that sends the notices is `services/customer_notices.py`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from shipshape.domain.errors import InvalidInput


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    NONE = "none"


KIND_OF_EVENT: Mapping[str, str] = {
    "OrderAccepted": "order_acknowledged",
    "OrderHeld": "order_held",
    "PromiseAtRisk": "promise_at_risk",
    "ShipmentConfirmed": "shipped",
    "ShipmentDelivered": "delivered",
    "DeliveryFailed": "delivery_failed",
    "ReturnAuthorised": "return_authorised",
    "CreditNoteIssued": "credited",
}
"""Each event type a customer is told of, and the kind of notice it becomes."""
KINDS: tuple[str, ...] = tuple(KIND_OF_EVENT.values())
LANGUAGES = ("en", "de")
"""The languages the packaged templates are written in; any other falls back to English."""
DEFAULT_LANGUAGE = "en"
SENT, SKIPPED = "sent", "skipped"
MAX_EMAILS = 10
_EMAIL = re.compile(r"^[^@\s,;<>]{1,64}@[^@\s,;<>]{1,255}\.[^@\s,;<>]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True, slots=True)
class Contact:
    """How one customer is told: by e-mail to `emails`, by a signed POST to `webhook_url`
    (signed with `webhook_secret`), or not at all (`none`); in `language`; never of the kinds
    in `opted_out`."""

    customer_id: str
    channel: Channel
    emails: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_secret: str | None = None
    language: str = DEFAULT_LANGUAGE
    opted_out: frozenset[str] = field(default_factory=frozenset)

    @property
    def recipient(self) -> str:
        """Where a notice goes, masked for the timeline: `a***@example.com`, the webhook's
        host; empty for `none`."""
        if self.channel is Channel.EMAIL:
            return ", ".join(mask_email(address) for address in self.emails)
        if self.channel is Channel.WEBHOOK and self.webhook_url:
            return mask_url(self.webhook_url)
        return ""

    def wants(self, kind: str) -> bool:
        return self.channel is not Channel.NONE and kind not in self.opted_out


def contact(customer_id: str, channel: str, emails: Iterable[str] = (),
            webhook_url: str | None = None, webhook_secret: str | None = None,
            language: str | None = None, opted_out: Iterable[str] = ()) -> Contact:
    """A valid contact, or `InvalidInput` saying what is wrong: an e-mail channel needs an
    address, a webhook an http(s) URL and a `whsec_` secret; kinds must be known."""
    try:
        chosen = Channel(channel)
    except ValueError:
        raise InvalidInput(f"channel must be one of {', '.join(c.value for c in Channel)}, "
                           f"not {channel!r}") from None
    addresses = tuple(dict.fromkeys(a.strip() for a in emails if a.strip()))
    bad = [a for a in addresses if not _EMAIL.match(a)]
    if bad:
        raise InvalidInput(f"not an e-mail address: {', '.join(map(repr, bad))}")
    if len(addresses) > MAX_EMAILS:
        raise InvalidInput(f"at most {MAX_EMAILS} e-mail addresses")
    if chosen is Channel.EMAIL and not addresses:
        raise InvalidInput("the email channel needs at least one e-mail address")
    url = (webhook_url or "").strip() or None
    secret = (webhook_secret or "").strip() or None
    if url is not None and not url.startswith(("http://", "https://")):
        raise InvalidInput("webhook_url must be an http:// or https:// URL")
    if chosen is Channel.WEBHOOK and (url is None or secret is None):
        raise InvalidInput("the webhook channel needs a webhook_url and a webhook_secret "
                           "(whsec_ + base64) to sign the notices with")
    if secret is not None and not _is_secret(secret):
        raise InvalidInput("webhook_secret must be a Standard Webhooks secret (whsec_ + base64)")
    lang = (language or DEFAULT_LANGUAGE).strip()
    if not _LANGUAGE.match(lang):
        raise InvalidInput(f"language must be a language tag such as en or de-CH, not {lang!r}")
    unknown = sorted(set(opted_out) - set(KINDS))
    if unknown:
        raise InvalidInput(f"unknown notice kinds {', '.join(unknown)} (known: "
                           f"{', '.join(KINDS)})")
    return Contact(customer_id, chosen, addresses, url, secret, lang, frozenset(opted_out))


def template_language(language: str) -> str:
    """The template language for a customer's language tag: `de-CH` -> `de`; English when
    there are no templates in it."""
    base = language.split("-", 1)[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_url(url: str) -> str:
    """The scheme and host of a URL, without its path or query (they may hold a token)."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}/…"


def notice_id(event_id: str) -> str:
    """The notice's id, the same every time the event is told: `ntc_<event id>` (an event
    is one kind of notice); it is the e-mail's Message-ID and the webhook's `webhook-id`, so a
    receiver drops a copy."""
    return f"ntc_{event_id}"


def _is_secret(secret: str) -> bool:
    if not secret.startswith("whsec_"):
        return False
    try:
        return bool(base64.b64decode(secret.removeprefix("whsec_"), validate=True))
    except (binascii.Error, ValueError):
        return False
