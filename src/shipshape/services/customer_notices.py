"""Customer communication: each event a customer is told of (`communication.KIND_OF_EVENT`:
the order acknowledged or held, the promise at risk, shipped, delivered, delivery failed, the
return authorised, the credit) becomes one notice through the customer's own channel.

The consumer `customer-notices` (inbox, retries, dead letters, as every call to another system)
reads the order and its customer's contact in `prepare`, outside any transaction, renders the
notice in the customer's language (English when there is no template in it) and sends it:

* `email`: a multipart/alternative e-mail (plain text and HTML) to the contact's addresses;
* `webhook`: a JSON POST to the contact's URL, signed with its secret (Standard Webhooks).

Its id is `ntc_<event id>` (the `Message-ID`, the `webhook-id`), the same on every
attempt, so a copy sent again under a race is recognised by the receiver. `apply` then writes a
`CustomerNotified` event on the order's timeline in the transaction of the inbox row, so each
(event, kind) is recorded once. What is not sent:

* a customer without a contact: nothing, no event (EDI partners get their EDI documents; a
  contact set for one explicitly makes it a receiver of notices too);
* a kind the customer opted out of, the channel `none`, or e-mail when no mail server is
  configured: a `CustomerNotified` with status `skipped` and the reason, nothing sent.

A send that fails for good (the adapter's retries exhausted, or refused) becomes a dead letter
with an `INTEGRATION_FAILURE` case; `shipshape dlq replay` sends it later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shipshape.domain import communication as cm
from shipshape.domain.catalogue import CustomerNotified
from shipshape.domain.errors import NotFound
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.dead_letters import Failed
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import ConnectorError
from shipshape.services.ports.messaging import Message, body_of, event_type_of
from shipshape.services.ports.notices import (
    CustomerWebhookSender,
    NoticeFacts,
    NoticeRenderer,
    NoticeSource,
)
from shipshape.services.ports.notifications import MailNotice, MailSender, WebhookNotice

log = logging.getLogger(__name__)

CUSTOMER_NOTICES = "customer-notices"
MAIL_SYSTEM = "smtp"
WEBHOOK_SYSTEM = "customer-webhook"
DETAILS: Mapping[str, tuple[str, ...]] = {
    "order_acknowledged": (),
    "order_held": ("blocking",),
    "shipped": ("shipment_id", "site", "ship_date", "carrier_service", "tracking_number"),
    "credited": ("credit_note_id", "credits", "total", "currency", "reason"),
    "promise_at_risk": ("promised_date", "projected_date"),
    "delivered": ("shipment_id", "delivered_at", "pod_reference", "signee"),
    "delivery_failed": ("shipment_id", "reason", "attempt"),
    "return_authorised": ("return_id", "reason", "lines"),
}
"""The source event's fields a webhook notice carries as `details`: what the customer may
know, never who decided or our internal references (actor, case, webhook ids)."""


@dataclass(frozen=True, slots=True)
class Told:
    """What `prepare` did, for `apply` to record."""

    customer_id: str
    kind: str
    status: str
    channel: str
    recipient: str
    message_id: str
    language: str
    reason: str | None = None


def order_of(message: Message, body: Mapping[str, object]) -> str:
    """The order the event is about: its body's `order_id`, else its stream key."""
    order_id = body.get("order_id")
    return order_id if isinstance(order_id, str) and order_id else message.key


def details_of(kind: str, body: Mapping[str, object]) -> dict[str, object]:
    return {name: body.get(name) for name in DETAILS.get(kind, ())}


def context_of(kind: str, event_id: str, body: Mapping[str, object],
               facts: NoticeFacts) -> dict[str, object]:
    """What the templates are given: the order, the customer, the event's body and, for a held
    order, what is available and the options."""
    hold = facts.hold
    return {
        "kind": kind, "event_id": event_id, "event": dict(body),
        "order": {"id": facts.order_id, "customer_po": facts.customer_po,
                  "external_id": facts.external_id,
                  "requested_ship_date": facts.requested_ship_date},
        "customer": {"id": facts.customer_id, "name": facts.customer_name},
        "hold": None if hold is None else {
            "message": hold.message, "availability": list(hold.availability),
            "options": [option for option in hold.options if option.get("allowed", True)]},
    }


class CustomerNoticeHandler:
    def __init__(self, deps: Deps, source: NoticeSource, renderer: NoticeRenderer,
                 mail: MailSender | None, webhooks: CustomerWebhookSender) -> None:
        self._deps = deps
        self._source = source
        self._renderer = renderer
        self._mail = mail
        self._webhooks = webhooks

    def wants(self, message: Message) -> bool:
        return event_type_of(message) in cm.KIND_OF_EVENT

    def prepare(self, message: Message) -> object:
        event_type, body = event_type_of(message), body_of(message)
        kind = cm.KIND_OF_EVENT[event_type]
        facts = self._source.facts(order_of(message, body))
        if facts is None or facts.contact is None:
            return None
        contact = facts.contact
        language = cm.template_language(contact.language)
        told = Told(facts.customer_id, kind, cm.SENT, contact.channel.value, contact.recipient,
                    cm.notice_id(message.id), language)
        if contact.channel is cm.Channel.NONE:
            return _skipped(told, "the customer's channel is none")
        if kind in contact.opted_out:
            return _skipped(told, f"the customer opted out of {kind}")
        if contact.channel is cm.Channel.EMAIL and self._mail is None:
            return _skipped(told, "no mail server is configured (notices.smtp_host)")
        rendered = self._renderer.render(kind, language,
                                         context_of(kind, message.id, body, facts))
        try:
            if contact.channel is cm.Channel.EMAIL and self._mail is not None:
                self._mail.send(MailNotice(told.message_id, contact.emails, rendered.subject,
                                           rendered.text, rendered.html, language))
            else:
                document: dict[str, object] = {
                    "type": f"notice.{kind}", "kind": kind, "event_id": message.id,
                    "event_type": event_type, "order_id": facts.order_id,
                    "customer_id": facts.customer_id, "customer_po": facts.customer_po,
                    "language": language, "subject": rendered.subject, "text": rendered.text,
                    "details": details_of(kind, body)}
                if kind == "order_held" and facts.hold is not None:
                    document["availability"] = list(facts.hold.availability)
                    document["options"] = list(facts.hold.options)
                self._webhooks.post(str(contact.webhook_url), str(contact.webhook_secret),
                                    WebhookNotice(told.message_id, document))
        except ConnectorError as error:
            system = MAIL_SYSTEM if contact.channel is cm.Channel.EMAIL else WEBHOOK_SYSTEM
            return Failed(error, error.attempts, system, kind)
        log.info("%s: %s for order %s sent by %s as %s", CUSTOMER_NOTICES, kind,
                 facts.order_id, told.channel, told.message_id)
        return told

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        if not isinstance(prepared, Told):
            return
        uow.events.append([CustomerNotified(
            occurred_at=self._deps.clock.now(), order_id=order_of(message, body_of(message)),
            customer_id=prepared.customer_id, kind=prepared.kind, status=prepared.status,
            channel=prepared.channel, recipient=prepared.recipient,
            message_id=prepared.message_id, source_event=message.id,
            source_type=event_type_of(message), language=prepared.language,
            reason=prepared.reason)])


def _skipped(told: Told, reason: str) -> Told:
    return Told(told.customer_id, told.kind, cm.SKIPPED, told.channel, "", told.message_id,
                told.language, reason)


def customer_notice_handlers(deps: Deps, source: NoticeSource, renderer: NoticeRenderer,
                             mail: MailSender | None, webhooks: CustomerWebhookSender,
                             enabled: bool) -> dict[str, Handler]:
    """The `customer-notices` consumer, when customer notices are enabled."""
    if not enabled:
        return {}
    return {CUSTOMER_NOTICES: CustomerNoticeHandler(deps, source, renderer, mail, webhooks)}


# ------------------------------------------------------------------ the customers' contacts


def set_contact(deps: Deps, customer_id: str, *, channel: str | None = None,
                emails: Iterable[str] = (), webhook_url: str | None = None,
                webhook_secret: str | None = None, language: str | None = None,
                opted_out: Iterable[str] = (), actor: str) -> cm.Contact:
    """Replace the customer's contact (`InvalidInput` when it is not valid, `NotFound` for an
    unknown customer). Without a channel: `webhook` when a URL is given, else `email` when
    addresses are, else `none`."""
    emails = list(emails)
    chosen = channel or ("webhook" if webhook_url else "email" if emails else "none")
    contact = cm.contact(customer_id, chosen, emails, webhook_url, webhook_secret, language,
                         opted_out)
    with deps.uow() as uow:
        if uow.masterdata.customer(customer_id) is None:
            raise NotFound(f"customer {customer_id} does not exist")
        uow.contacts.put(contact, deps.clock.now(), actor)
        uow.commit()
    return contact


def contact_of(deps: Deps, customer_id: str) -> cm.Contact | None:
    with deps.uow.reading() as uow:
        return uow.contacts.get(customer_id)
