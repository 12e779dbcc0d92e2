"""The exception desk's notifications carried out: a signed webhook (httpx) and e-mail (smtplib),
each behind the retry policy of `retrying`; `build_notifiers` makes those the settings
configure (none for an empty `webhook_url` or `smtp_host`)."""

from __future__ import annotations

from typing import Protocol

from shipshape.adapters.notify.profile import SmtpProfile
from shipshape.adapters.notify.retrying import RetryingMailSender, RetryingWebhookSender
from shipshape.adapters.notify.smtp import SmtpMailer
from shipshape.adapters.notify.webhook import WebhookNotifier
from shipshape.adapters.systems.retrying import policy_of
from shipshape.services.notifications import MAIL_SYSTEM, WEBHOOK_SYSTEM
from shipshape.services.ports.metrics import Metrics
from shipshape.services.ports.notifications import MailSender, WebhookSender


class NotificationProfile(SmtpProfile, Protocol):
    """What is read from `shipshape.desk_settings.NotificationSettings`."""

    @property
    def webhook_url(self) -> str: ...
    @property
    def webhook_secret(self) -> str: ...


def build_notifiers(profile: NotificationProfile, metrics: Metrics | None = None
                    ) -> tuple[WebhookSender | None, MailSender | None]:
    """The webhook sender and the mail sender, each None when not configured. A webhook URL
    without a valid secret is a `ValueError`."""
    policy = policy_of(profile)
    webhook: WebhookSender | None = None
    mail: MailSender | None = None
    if profile.webhook_url:
        notifier = WebhookNotifier(profile.webhook_url, profile.webhook_secret,
                                   profile.timeout_s, WEBHOOK_SYSTEM)
        webhook = RetryingWebhookSender(notifier, WEBHOOK_SYSTEM, policy, metrics)
    if profile.smtp_host:
        mailer = SmtpMailer(profile.smtp_host, profile.smtp_port, profile.mail_from,
                            profile.timeout_s, profile.smtp_starttls, profile.smtp_username,
                            profile.smtp_password, MAIL_SYSTEM)
        mail = RetryingMailSender(mailer, MAIL_SYSTEM, policy, metrics)
    return webhook, mail
