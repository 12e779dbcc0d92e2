"""The exception desk's notifications: a case assigned, escalated or breached is told to the people
who own it, by a signed webhook and by e-mail.

Two consumers, each with its own inbox, so that one channel failing never sends the other twice:

* `desk-webhook` POSTs `{"type": "case.assigned" | "case.escalated" | "case.breached",
  "case_id", "order_id", "owner_team", "queue", "assignee", "level", "jeopardy", ...}` to the
  configured URL, signed (Standard Webhooks) with a `webhook-id` derived from the event id;
* `desk-mail` sends a plain-text e-mail to the addresses of the case's owner team
  (`mail_to[team]`, else `mail_to["default"]`; none: nothing is sent).

The call is made in `prepare`, outside any transaction, and the inbox row is written in `apply`,
so an event is notified once; a redelivery under a race may send it again with the same id
(webhook-id, Message-ID), which receivers use to drop the copy. A send that fails for good
(the adapter's retries exhausted, or a rejection) becomes a dead letter with an
`INTEGRATION_FAILURE` case, as any call to another system does (`delivery/outbound.py`), and
`shipshape dlq replay` sends it later. A channel that is not configured has no consumer at all.

This module decides what is sent to whom; the adapters (`adapters/notify`) only carry it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from shipshape.domain.catalogue import ExceptionAssigned, ExceptionEscalated
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.dead_letters import Failed
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import ConnectorError
from shipshape.services.ports.messaging import Message, body_of, event_type_of
from shipshape.services.ports.notifications import (
    MailNotice,
    MailSender,
    WebhookNotice,
    WebhookSender,
)

log = logging.getLogger(__name__)

DESK_WEBHOOK = "desk-webhook"
DESK_MAIL = "desk-mail"
WEBHOOK_SYSTEM = "desk-webhook"
"""How a failed webhook is named in its dead letter and `INTEGRATION_FAILURE` case."""
MAIL_SYSTEM = "smtp"
NOTIFIED = frozenset({ExceptionAssigned.TYPE, ExceptionEscalated.TYPE})
ASSIGNED, ESCALATED, BREACHED = "case.assigned", "case.escalated", "case.breached"
BREACHED_JEOPARDY = "breached"
"""The `jeopardy` of an escalation whose SLA ran out: the breach."""
DEFAULT_TEAM = "default"
FIELDS = ("case_id", "order_id", "owner_team", "queue", "assignee", "level", "jeopardy",
          "step", "priority", "reason", "actor", "occurred_at")
"""The event's fields a notification carries (None where the event has none)."""


def notice_type(event_type: str, body: Mapping[str, object]) -> str:
    """case.assigned, case.escalated or case.breached (an escalation whose SLA ran out)."""
    if event_type == ExceptionAssigned.TYPE:
        return ASSIGNED
    if event_type == ExceptionEscalated.TYPE:
        return BREACHED if body.get("jeopardy") == BREACHED_JEOPARDY else ESCALATED
    raise ValueError(f"{event_type} is not notified (only {', '.join(sorted(NOTIFIED))})")


def notice_id(event_id: str) -> str:
    """The notification's id, the same every time the event is notified: `msg_<event id>`."""
    return f"msg_{event_id}"


def webhook_notice(event_id: str, event_type: str, body: Mapping[str, object]) -> WebhookNotice:
    document: dict[str, object] = {"type": notice_type(event_type, body), "event_id": event_id}
    document.update({name: body.get(name) for name in FIELDS})
    return WebhookNotice(notice_id(event_id), document)


def recipients(team: str, mail_to: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The addresses of `team`, else those of `default`; none when neither is configured."""
    chosen = mail_to.get(team) or mail_to.get(DEFAULT_TEAM) or ()
    return tuple(dict.fromkeys(address.strip() for address in chosen if address.strip()))


def subject_of(kind: str, body: Mapping[str, object]) -> str:
    case = body.get("case_id")
    if kind == ASSIGNED:
        assignee = body.get("assignee")
        to = f"{body.get('owner_team')}/{body.get('queue')}"
        return f"[Shipshape] Case {case} assigned to {to}" + (f" ({assignee})" if assignee else "")
    return f"[Shipshape] Case {case} escalated: {body.get('jeopardy')} (level {body.get('level')})"


def mail_notice(event_id: str, event_type: str, body: Mapping[str, object],
                mail_to: Mapping[str, Sequence[str]]) -> MailNotice | None:
    """The e-mail to the case's owner team, or None when no address is configured for it."""
    to = recipients(str(body.get("owner_team") or ""), mail_to)
    if not to:
        return None
    kind = notice_type(event_type, body)
    lines = [{ASSIGNED: "A case was assigned.", ESCALATED: "A case was escalated.",
              BREACHED: "A case breached its SLA and was escalated."}[kind], ""]
    lines += [f"{name.replace('_', ' ').capitalize()}: {body[name]}"
              for name in FIELDS if body.get(name) not in (None, "")]
    lines += [f"Event id: {event_id}", ""]
    return MailNotice(notice_id(event_id), to, subject_of(kind, body), "\n".join(lines))


class WebhookNotificationHandler:
    """The `desk-webhook` consumer: one signed POST per assignment, escalation or breach."""

    def __init__(self, sender: WebhookSender) -> None:
        self._sender = sender

    def wants(self, message: Message) -> bool:
        return event_type_of(message) in NOTIFIED

    def prepare(self, message: Message) -> object:
        notice = webhook_notice(message.id, event_type_of(message), body_of(message))
        try:
            self._sender.post(notice)
        except ConnectorError as error:
            return Failed(error, error.attempts, WEBHOOK_SYSTEM, str(notice.body["type"]))
        log.info("%s: %s sent as %s", DESK_WEBHOOK, notice.body["type"], notice.message_id)
        return notice

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        """Nothing beyond the inbox row, which says that the notification went out."""


class MailNotificationHandler:
    """The `desk-mail` consumer: one e-mail per assignment, escalation or breach, to the owner
    team's addresses."""

    def __init__(self, sender: MailSender, mail_to: Mapping[str, Sequence[str]]) -> None:
        self._sender = sender
        self._mail_to = {team: tuple(addresses) for team, addresses in mail_to.items()}

    def wants(self, message: Message) -> bool:
        return event_type_of(message) in NOTIFIED

    def prepare(self, message: Message) -> object:
        event_type, body = event_type_of(message), body_of(message)
        notice = mail_notice(message.id, event_type, body, self._mail_to)
        if notice is None:
            log.info("%s: no address for team %r (nor a default); %s not mailed", DESK_MAIL,
                     body.get("owner_team"), message.id)
            return None
        try:
            self._sender.send(notice)
        except ConnectorError as error:
            return Failed(error, error.attempts, MAIL_SYSTEM, notice_type(event_type, body))
        log.info("%s: %r sent to %s", DESK_MAIL, notice.subject, ", ".join(notice.to))
        return notice

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        """Nothing beyond the inbox row, which says that the e-mail went out."""


def notification_handlers(webhook: WebhookSender | None, mail: MailSender | None,
                          mail_to: Mapping[str, Sequence[str]]) -> dict[str, Handler]:
    """The notification consumers a worker runs, by name: only those of configured channels."""
    handlers: dict[str, Handler] = {}
    if webhook is not None:
        handlers[DESK_WEBHOOK] = WebhookNotificationHandler(webhook)
    if mail is not None:
        handlers[DESK_MAIL] = MailNotificationHandler(mail, mail_to)
    return handlers
