"""The exception desk's notifications, decided without I/O: what is sent, under which id, to whom;
how the adapters tell a failure that may pass from one that will not; what the settings refuse."""

from __future__ import annotations

import json
import smtplib
from typing import Any

import pytest
from pydantic import ValidationError

from shipshape.adapters.notify import build_notifiers
from shipshape.adapters.notify.retrying import RetryingWebhookSender
from shipshape.adapters.notify.smtp import SmtpMailer
from shipshape.desk_settings import NotificationSettings
from shipshape.domain.catalogue import ExceptionAssigned, ExceptionEscalated, ExceptionPaused
from shipshape.services import notifications as n
from shipshape.services.delivery.dead_letters import Failed
from shipshape.services.ports.connectors import (
    ConnectorExhausted,
    ConnectorRejected,
    ConnectorUnavailable,
    RetryPolicy,
)
from shipshape.services.ports.messaging import EVENT_TYPE_HEADER, Message
from shipshape.services.ports.notifications import MailNotice, WebhookNotice

ASSIGNED = {"type": "ExceptionAssigned", "order_id": "ORD-1", "case_id": "exc_1", "actor": "ann",
            "owner_team": "warehouse", "queue": "picking", "assignee": "bob",
            "reason": "routed", "occurred_at": "2026-12-03T10:00:00+00:00"}
BREACHED = {"type": "ExceptionEscalated", "order_id": None, "case_id": "exc_2",
            "actor": "shipshape", "level": 2, "step": "notify_lead", "jeopardy": "breached",
            "owner_team": "finance", "queue": "credit", "priority": "high",
            "occurred_at": "2026-12-03T11:00:00+00:00"}
MAIL_TO = {"warehouse": ["wh@example.test", "lead@example.test"],
           "default": ["desk@example.test"]}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def message(event_type: str, body: dict[str, object], event_id: str = "ev1") -> Message:
    key = str(body.get("order_id") or body["case_id"])
    return Message(event_id, f"shipshape.p0.{event_type}.x", key, json.dumps(body).encode(),
                   {EVENT_TYPE_HEADER: event_type})


def test_assignment_escalation_and_breach_are_told_apart() -> None:
    assert n.notice_type(ExceptionAssigned.TYPE, ASSIGNED) == "case.assigned"
    assert n.notice_type(ExceptionEscalated.TYPE, BREACHED) == "case.breached"
    assert n.notice_type(ExceptionEscalated.TYPE, {**BREACHED, "jeopardy": "at_risk"}
                         ) == "case.escalated"
    with pytest.raises(ValueError):
        n.notice_type(ExceptionPaused.TYPE, {})


def test_the_webhook_carries_the_case_and_an_id_derived_from_the_event() -> None:
    notice = n.webhook_notice("ev1", ExceptionEscalated.TYPE, BREACHED)
    assert notice.message_id == n.notice_id("ev1") == "msg_ev1"
    assert n.webhook_notice("ev1", ExceptionEscalated.TYPE, BREACHED) == notice
    assert notice.body == {
        "type": "case.breached", "event_id": "ev1", "case_id": "exc_2", "order_id": None,
        "owner_team": "finance", "queue": "credit", "assignee": None, "level": 2,
        "jeopardy": "breached", "step": "notify_lead", "priority": "high", "reason": None,
        "actor": "shipshape", "occurred_at": "2026-12-03T11:00:00+00:00"}


def test_mail_goes_to_the_owner_team_else_to_the_default_addresses() -> None:
    assert n.recipients("warehouse", MAIL_TO) == ("wh@example.test", "lead@example.test")
    assert n.recipients("finance", MAIL_TO) == ("desk@example.test",)
    assert n.recipients("finance", {"warehouse": ["wh@example.test"]}) == ()
    assert n.mail_notice("ev1", ExceptionEscalated.TYPE, BREACHED, {}) is None


def test_the_mail_says_what_happened_in_its_subject_and_its_text() -> None:
    assigned = n.mail_notice("ev1", ExceptionAssigned.TYPE, ASSIGNED, MAIL_TO)
    breached = n.mail_notice("ev2", ExceptionEscalated.TYPE, BREACHED, MAIL_TO)
    assert assigned is not None and breached is not None
    assert assigned.subject == "[Shipshape] Case exc_1 assigned to warehouse/picking (bob)"
    assert breached.subject == "[Shipshape] Case exc_2 escalated: breached (level 2)"
    assert breached.to == ("desk@example.test",)
    assert breached.message_id == "msg_ev2"
    assert "breached its SLA" in breached.text and "Case id: exc_2" in breached.text
    assert "Order id" not in breached.text  # no order: the line is left out
    assert "Order id: ORD-1" in assigned.text and "Assignee: bob" in assigned.text


class Recording:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[Any] = []
        self.error = error

    def post(self, notice: WebhookNotice) -> None:
        self.sent.append(notice)
        if self.error is not None:
            raise self.error

    def send(self, notice: MailNotice) -> None:
        self.post(notice)  # type: ignore[arg-type]


def test_the_handlers_take_only_assignments_and_escalations() -> None:
    handlers = n.notification_handlers(Recording(), Recording(), MAIL_TO)
    assert set(handlers) == {n.DESK_WEBHOOK, n.DESK_MAIL}
    for handler in handlers.values():
        assert handler.wants(message(ExceptionAssigned.TYPE, ASSIGNED))
        assert handler.wants(message(ExceptionEscalated.TYPE, BREACHED))
        assert not handler.wants(message(ExceptionPaused.TYPE, ASSIGNED))
    assert n.notification_handlers(None, None, MAIL_TO) == {}
    assert set(n.notification_handlers(None, Recording(), {})) == {n.DESK_MAIL}


def test_a_send_that_failed_for_good_is_handed_back_as_a_dead_letter() -> None:
    down = ConnectorExhausted(ConnectorUnavailable("desk-webhook", "case.breached", "HTTP 503"),
                              3)
    handler = n.WebhookNotificationHandler(Recording(down))
    failed = handler.prepare(message(ExceptionEscalated.TYPE, BREACHED))
    assert isinstance(failed, Failed)
    assert (failed.system, failed.operation, failed.attempts) == (
        "desk-webhook", "case.breached", 3)
    mail = n.MailNotificationHandler(Recording(ConnectorRejected("smtp", "mail", "550")), MAIL_TO)
    failed = mail.prepare(message(ExceptionAssigned.TYPE, ASSIGNED))
    assert isinstance(failed, Failed) and failed.system == "smtp"


def test_a_team_without_addresses_is_not_mailed() -> None:
    sender = Recording()
    handler = n.MailNotificationHandler(sender, {"warehouse": ["wh@example.test"]})
    assert handler.prepare(message(ExceptionEscalated.TYPE, BREACHED)) is None
    assert sender.sent == []


def test_retries_stop_at_a_rejection_and_give_up_after_the_attempts() -> None:
    policy = RetryPolicy(max_attempts=3, first_delay_s=0, max_delay_s=0, jitter_s=0)
    notice = n.webhook_notice("ev1", ExceptionAssigned.TYPE, ASSIGNED)
    down = Recording(ConnectorUnavailable("desk-webhook", "case.assigned", "HTTP 503"))
    with pytest.raises(ConnectorExhausted) as exhausted:
        RetryingWebhookSender(down, "desk-webhook", policy, sleep=lambda s: None).post(notice)
    assert exhausted.value.attempts == 3 and len(down.sent) == 3
    refused = Recording(ConnectorRejected("desk-webhook", "case.assigned", "HTTP 400"))
    with pytest.raises(ConnectorRejected) as rejected:
        RetryingWebhookSender(refused, "desk-webhook", policy, sleep=lambda s: None).post(notice)
    assert rejected.value.attempts == 1 and len(refused.sent) == 1


class FakeSmtp:
    """What `smtplib.SMTP` is to the mailer: raises `error` on sending."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(self, host: str, port: int, timeout: float) -> FakeSmtp:
        return self

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def send_message(self, *args: object, **kwargs: object) -> dict[str, object]:
        raise self.error


@pytest.mark.parametrize(("error", "kind"), [
    (smtplib.SMTPSenderRefused(451, b"try later", "x@y"), ConnectorUnavailable),
    (smtplib.SMTPSenderRefused(550, b"no such sender", "x@y"), ConnectorRejected),
    (smtplib.SMTPRecipientsRefused({"a@b": (550, b"unknown")}), ConnectorRejected),
    (smtplib.SMTPRecipientsRefused({"a@b": (450, b"busy")}), ConnectorUnavailable),
    (smtplib.SMTPServerDisconnected("gone"), ConnectorUnavailable),
    (ConnectionRefusedError("refused"), ConnectorUnavailable),
    (TimeoutError("slow"), ConnectorUnavailable),
])
def test_smtp_failures_are_sorted_into_those_that_may_pass_and_those_that_will_not(
    error: Exception, kind: type[Exception],
) -> None:
    mailer = SmtpMailer("localhost", 25, "shipshape@localhost", 1.0,
                        connect=FakeSmtp(error))  # type: ignore[arg-type]
    notice = MailNotice("msg_ev1", ("a@b",), "s", "t")
    with pytest.raises(kind):
        mailer.send(notice)


def test_the_mail_has_a_stable_message_id_and_plain_text() -> None:
    mailer = SmtpMailer("localhost", 25, "shipshape@localhost", 1.0)
    mail = mailer.message(MailNotice("msg_ev1", ("a@b", "c@d"), "[Shipshape] x", "hello"))
    assert mail["Message-ID"] == "<msg_ev1@shipshape>"
    assert mail["To"] == "a@b, c@d" and mail["From"] == "shipshape@localhost"
    assert mail.get_content_type() == "text/plain"


@pytest.mark.parametrize("settings", [
    {"webhook_url": "http://example.test/hook"},
    {"webhook_url": "example.test/hook", "webhook_secret": SECRET},
])
def test_a_webhook_needs_an_http_url_and_a_secret(settings: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        NotificationSettings(**settings)  # type: ignore[arg-type]


def build(**settings: Any) -> tuple[object, object]:
    return build_notifiers(NotificationSettings(**settings))


def test_only_the_configured_channels_are_built() -> None:
    assert build() == (None, None)
    webhook, mail = build(webhook_url="http://example.test/hook", webhook_secret=SECRET)
    assert webhook is not None and mail is None
    webhook, mail = build(smtp_host="localhost")
    assert webhook is None and mail is not None
    with pytest.raises(ValueError):
        build(webhook_url="http://example.test/hook", webhook_secret="not base64!")
